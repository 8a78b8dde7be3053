//! `sightline bench ingest`: the pipeline through a backlog on Kafka into ClickHouse, against
//! clickhouse-client loading the same events from a file and a Python reference consumer, then
//! freshness at a steady rate. The pipeline runs as its own process, so its memory is measured
//! alone.

use std::{
    path::Path,
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::Context;
use serde::Serialize;
use sightline_schemas::Timestamp;

use super::{
    baselines::Baselines,
    clickhouse::Http,
    events::{Expected, NdjsonFile, complete_traffic},
    freshness::{Freshness, measure},
    worker::{Worker, WorkerTarget},
};
use sightline_service::KafkaConfig;

use sightline_traffic::Sink;

use crate::{BenchIngestArgs, Settings};

const POLL: Duration = Duration::from_millis(200);
/// A run that makes no progress for this long has stalled.
const STALL: Duration = Duration::from_secs(120);

#[derive(Debug, Serialize)]
struct Report {
    evaluators: String,
    events: u64,
    rows: u64,
    bytes_per_event: u64,
    partitions: i32,
    /// From the worker's start until every row can be queried: the figure the ratios use.
    pipeline_events_per_s: f64,
    /// From the first row stored, without the worker's start-up and group join.
    pipeline_events_per_s_after_first_row: f64,
    clickhouse_client_events_per_s: f64,
    reference_consumer_events_per_s: f64,
    ratio_to_clickhouse_client: f64,
    ratio_to_reference_consumer: f64,
    /// The worker's CPU time, user plus system, from its start until every row was queryable.
    worker_cpu_s: f64,
    /// That time over the exchanges stored.
    worker_cpu_us_per_exchange: f64,
    /// ClickHouse parts the pipeline's inserts created, over all its tables, and the same per
    /// million events; then those of (a), which loads one table from one file.
    pipeline_parts: u64,
    pipeline_parts_per_million_events: f64,
    clickhouse_client_parts: u64,
    /// Resident memory at each tenth of the backlog, then the peak.
    rss_by_progress: Vec<u64>,
    rss_peak: u64,
    freshness: Freshness,
}

pub fn run(args: BenchIngestArgs, config: Settings<'_>) -> anyhow::Result<ExitCode> {
    let brokers = args
        .brokers
        .clone()
        .or_else(|| config.kafka.brokers.clone())
        .context("bench ingest needs a broker: pass --brokers HOST:PORT or set kafka.brokers")?;
    let url = args
        .clickhouse
        .clone()
        .or_else(|| config.clickhouse.url.clone())
        .context("bench ingest needs ClickHouse: pass --clickhouse URL or set clickhouse.url")?;
    let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let work_dir = std::env::temp_dir().join(format!("sightline-bench-{id}"));
    std::fs::create_dir_all(&work_dir)?;
    let database = format!("bench_{id}");
    let ch = Http::new(&url);

    let report = sightline_service::runtime()?.block_on(async {
        ch.text(&format!("CREATE DATABASE {database}")).await?;
        let result = bench(&args, &brokers, &url, &ch, &database, &id, &work_dir).await;
        if !args.keep {
            let _ = ch
                .text(&format!("DROP DATABASE IF EXISTS {database}"))
                .await;
        }
        result
    });
    if !args.keep {
        let _ = std::fs::remove_dir_all(&work_dir);
    }
    let report = report?;
    print_report(&report);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn bench(
    args: &BenchIngestArgs,
    brokers: &str,
    url: &str,
    ch: &Http,
    database: &str,
    id: &str,
    work_dir: &Path,
) -> anyhow::Result<Report> {
    let topic = format!("bench-{id}");
    let events_file = work_dir.join("events.ndjson");
    eprintln!(
        "bench ingest: publishing {} events to {topic} ({} partitions)",
        args.events, args.partitions
    );
    let expected = publish_backlog(args, brokers, &topic, &events_file).await?;

    let baselines = Baselines::new(&args.python, url, work_dir)?;
    let rows_file = work_dir.join("rows.ndjson");
    baselines.flatten(&events_file, &rows_file)?;
    let file_table = format!("{database}.baseline_file");
    baselines.create_table(&file_table)?;
    eprintln!("(a) clickhouse-client loading the same events from a file");
    let client_time = baselines.clickhouse_client(args.clickhouse_port, &file_table, &rows_file)?;
    expect_count(ch, &file_table, expected.events).await?;

    let consumer_table = format!("{database}.baseline_consumer");
    baselines.create_table(&consumer_table)?;
    eprintln!("(b) the Python reference consumer on the topic");
    let consumer_time =
        baselines.reference_consumer(brokers, &topic, &consumer_table, expected.events)?;
    expect_count(ch, &consumer_table, expected.events).await?;

    let log = work_dir.join("worker.log");
    let target = WorkerTarget {
        brokers,
        topic: &topic,
        clickhouse: url,
        database,
        evaluators: &args.evaluators,
    };
    let mut worker = Worker::start(&target, &log)?;
    // The pid lets a profiler attach: perf record -g -p PID.
    eprintln!(
        "pipeline: one sightline worker (pid {}) on the topic",
        worker.pid()
    );
    let (pipeline_time, after_first_row, rss_by_progress) =
        wait_for_rows(&mut worker, &log, ch, database, &expected).await?;
    let memory = worker.memory();
    let worker_cpu_s = worker.cpu_seconds()?;
    worker.stop()?;
    let pipeline_parts = ch.parts_created(database, "_raw$").await?;
    let clickhouse_client_parts = ch.parts_created(database, "^baseline_file$").await?;

    let freshness = freshness(args, brokers, url, ch, database, id, work_dir).await?;

    let events = expected.events as f64;
    let rate = |d: Duration| events / d.as_secs_f64();
    let pipeline = rate(pipeline_time);
    Ok(Report {
        evaluators: args.evaluators.clone(),
        events: expected.events,
        rows: expected.llm_events + expected.feedback,
        bytes_per_event: expected.bytes / expected.events.max(1),
        partitions: args.partitions,
        pipeline_events_per_s: pipeline,
        pipeline_events_per_s_after_first_row: rate(after_first_row),
        clickhouse_client_events_per_s: rate(client_time),
        reference_consumer_events_per_s: rate(consumer_time),
        ratio_to_clickhouse_client: pipeline / rate(client_time),
        ratio_to_reference_consumer: pipeline / rate(consumer_time),
        worker_cpu_s,
        worker_cpu_us_per_exchange: worker_cpu_s * 1e6 / expected.llm_events.max(1) as f64,
        pipeline_parts,
        pipeline_parts_per_million_events: pipeline_parts as f64 * 1e6 / events,
        clickhouse_client_parts,
        rss_by_progress,
        rss_peak: memory.peak,
        freshness,
    })
}

/// Publishes the backlog to the topic and writes the same events to a file for the baselines.
async fn publish_backlog(
    args: &BenchIngestArgs,
    brokers: &str,
    topic: &str,
    events_file: &Path,
) -> anyhow::Result<Expected> {
    let mut sink = Sink::kafka(&KafkaConfig {
        brokers: Some(brokers.to_owned()),
        topic: topic.to_owned(),
        partitions: args.partitions,
        ..KafkaConfig::default()
    })
    .await?;
    let mut file = NdjsonFile::create(events_file)?;
    let mut expected = Expected::default();
    let mut json = Vec::with_capacity(4096);
    let started = Instant::now();
    for event in complete_traffic(0, Timestamp::now(), args.events) {
        json.clear();
        serde_json::to_writer(&mut json, &event)?;
        sink.send_json(&event.header.request_id, &json).await?;
        file.write(&json)?;
        expected.add(&event, json.len());
    }
    file.finish()?;
    let delivery = sink.finish().await?;
    anyhow::ensure!(
        delivery.failed == 0,
        "{} events were not delivered to {topic}",
        delivery.failed
    );
    eprintln!(
        "  published {} events ({} rows expected) in {:.1} s",
        expected.events,
        expected.llm_events + expected.feedback,
        started.elapsed().as_secs_f64()
    );
    Ok(expected)
}

/// Waits until every expected row is queryable; returns the time since the worker started, the
/// time since the first row was stored, and the worker's resident memory at each tenth of the way.
async fn wait_for_rows(
    worker: &mut Worker,
    log: &std::path::Path,
    ch: &Http,
    database: &str,
    expected: &Expected,
) -> anyhow::Result<(Duration, Duration, Vec<u64>)> {
    let started = Instant::now();
    let mut first_row = None;
    let target = expected.llm_events + expected.feedback;
    let mut rss = Vec::new();
    let (mut last, mut last_change) = (0, Instant::now());
    loop {
        worker.check_alive(log)?;
        let stored = ch.count(&format!("{database}.llm_events_raw")).await
            + ch.count(&format!("{database}.feedback_raw")).await;
        if stored > 0 {
            first_row.get_or_insert_with(Instant::now);
        }
        while rss.len() < 10 && stored * 10 >= target * (rss.len() as u64 + 1) {
            rss.push(worker.memory().rss);
        }
        if stored >= target {
            let since_first = first_row.map_or(started.elapsed(), |t| t.elapsed());
            return Ok((started.elapsed(), since_first, rss));
        }
        if stored != last {
            (last, last_change) = (stored, Instant::now());
            eprint!(
                "\r  {stored} of {target} rows, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        } else if last_change.elapsed() > STALL {
            anyhow::bail!(
                "the pipeline stalled at {stored} of {target} rows; see {}",
                log.display()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn expect_count(ch: &Http, table: &str, expected: u64) -> anyhow::Result<()> {
    let stored = ch.count(table).await;
    anyhow::ensure!(
        stored == expected,
        "{table} holds {stored} rows, expected {expected}"
    );
    Ok(())
}

/// A second worker on a topic and database of its own, fed at a steady rate.
async fn freshness(
    args: &BenchIngestArgs,
    brokers: &str,
    url: &str,
    ch: &Http,
    database: &str,
    id: &str,
    work_dir: &Path,
) -> anyhow::Result<Freshness> {
    let topic = format!("bench-fresh-{id}");
    let mut sink = Sink::kafka(&KafkaConfig {
        brokers: Some(brokers.to_owned()),
        topic: topic.clone(),
        partitions: args.partitions,
        ..KafkaConfig::default()
    })
    .await?;
    // The freshness rows go to their own tables, so polling for them scans only them.
    let fresh_db = format!("{database}_fresh");
    let log = work_dir.join("worker-fresh.log");
    let target = WorkerTarget {
        brokers,
        topic: &topic,
        clickhouse: url,
        database: &fresh_db,
        evaluators: &args.evaluators,
    };
    let mut worker = Worker::start(&target, &log)?;
    let table = format!("{fresh_db}.llm_events_raw");
    let deadline = Instant::now() + STALL;
    while ch.text(&format!("EXISTS TABLE {table}")).await?.trim() != "1" {
        worker.check_alive(&log)?;
        anyhow::ensure!(
            Instant::now() < deadline,
            "the freshness worker never created its tables; see {}",
            log.display()
        );
        tokio::time::sleep(POLL).await;
    }
    eprintln!(
        "\nfreshness: {} events/s for {:.0} s",
        args.freshness_rate,
        args.freshness_for.as_secs_f64()
    );
    let result = measure(
        &mut sink,
        ch,
        &table,
        args.freshness_rate,
        args.freshness_for,
    )
    .await;
    worker.stop()?;
    if !args.keep {
        let _ = ch
            .text(&format!("DROP DATABASE IF EXISTS {fresh_db}"))
            .await;
    }
    result
}

fn print_report(r: &Report) {
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    println!(
        "\nbench ingest: {} events ({} rows, {} bytes per event), {} partitions, evaluators {}",
        r.events, r.rows, r.bytes_per_event, r.partitions, r.evaluators
    );
    println!("{:<46} {:>12} {:>10}", "", "events/s", "pipeline ×");
    println!(
        "{:<46} {:>12.0}   ({:.0} from its first stored row)",
        "sightline pipeline, Kafka to ClickHouse",
        r.pipeline_events_per_s,
        r.pipeline_events_per_s_after_first_row
    );
    println!(
        "{:<46} {:>12.0} {:>9.2}×   (target ≥ 0.5× cheap, ≥ 0.3× all five)",
        "(a) clickhouse-client INSERT FORMAT JSONEachRow",
        r.clickhouse_client_events_per_s,
        r.ratio_to_clickhouse_client
    );
    println!(
        "{:<46} {:>12.0} {:>9.2}×   (target ≥ 4×)",
        "(b) Python confluent-kafka reference consumer",
        r.reference_consumer_events_per_s,
        r.ratio_to_reference_consumer
    );
    println!(
        "worker CPU: {:.1} s, user plus system: {:.1} µs per stored exchange",
        r.worker_cpu_s, r.worker_cpu_us_per_exchange
    );
    println!(
        "ClickHouse parts created: {} by the pipeline ({:.0} per million events), {} by (a)",
        r.pipeline_parts, r.pipeline_parts_per_million_events, r.clickhouse_client_parts
    );
    let f = &r.freshness;
    println!(
        "freshness at {} events/s: p50 {:.2} s, p99 {:.2} s, max {:.2} s ({} samples, {} not seen)",
        f.rate, f.p50_s, f.p99_s, f.max_s, f.samples, f.missing
    );
    let steps: Vec<String> = r
        .rss_by_progress
        .iter()
        .map(|b| format!("{:.0}", mib(*b)))
        .collect();
    println!(
        "worker RSS: peak {:.0} MiB; MiB at each tenth of the backlog: {}",
        mib(r.rss_peak),
        steps.join(" ")
    );
}
