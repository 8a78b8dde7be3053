//! `sightline bench otlp`: the same exchanges sent two ways to an embedded pipeline pinned to one
//! CPU, as OTLP/HTTP protobuf spans to `/v1/traces` and as Sightline NDJSON events to `/v1/events`,
//! each to a fresh process. Reports exchanges per second until every row is stored, and the
//! pipeline's CPU per exchange, from /proc.

use std::{
    collections::BTreeMap,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest,
    common::v1::{AnyValue, KeyValue, any_value::Value},
    resource::v1::Resource,
    trace::v1::{ResourceSpans, ScopeSpans, Span, Status, status::StatusCode},
};
use prost::Message as _;
use serde_json::json;
use sightline_schemas::{Event, EventKind, Payload, ResponseStatus, Timestamp};
use sightline_traffic::Traffic;

use crate::{
    args::BenchOtlpArgs,
    worker::{Worker, memory_of},
};

/// One way of sending: its route, content type and bodies.
struct Way {
    name: &'static str,
    path: &'static str,
    content_type: &'static str,
    bodies: Vec<Vec<u8>>,
}

#[derive(Debug, serde::Serialize)]
struct Measured {
    way: &'static str,
    exchanges: usize,
    seconds: f64,
    per_second: f64,
    cpu_us_per_exchange: f64,
    body_bytes: usize,
    peak_rss_mib: f64,
}

pub fn run(args: &BenchOtlpArgs) -> anyhow::Result<ExitCode> {
    ensure!(
        args.exchanges > 0 && args.batch > 0 && args.concurrency > 0,
        "--exchanges, --batch and --concurrency must be above 0"
    );
    eprintln!("bench otlp: generating {} exchanges", args.exchanges);
    let start = Timestamp(Timestamp::now().millis() - 3_600_000);
    let exchanges: Vec<Event> = Traffic::new(7, start, Vec::new(), 0.0)
        .filter(|e| e.kind() == EventKind::Completion)
        .take(args.exchanges)
        .collect();
    let ways = [
        Way {
            name: "OTLP protobuf, POST /v1/traces",
            path: "/v1/traces",
            content_type: "application/x-protobuf",
            bodies: exchanges
                .chunks(args.batch)
                .enumerate()
                .map(|(i, chunk)| export(chunk, i * args.batch).encode_to_vec())
                .collect(),
        },
        Way {
            name: "Sightline NDJSON, POST /v1/events",
            path: "/v1/events",
            content_type: "application/x-ndjson",
            bodies: exchanges
                .chunks(args.batch)
                .map(|chunk| {
                    let lines: Vec<String> = chunk
                        .iter()
                        .map(|e| serde_json::to_string(e).expect("an event serializes"))
                        .collect();
                    lines.join("\n").into_bytes()
                })
                .collect(),
        },
    ];
    drop(exchanges);
    let mut results = Vec::new();
    for way in &ways {
        let measured = measure(way, args)?;
        eprintln!(
            "bench otlp: {}: {:.0} exchanges/s, {:.1} µs CPU per exchange",
            way.name, measured.per_second, measured.cpu_us_per_exchange
        );
        results.push(measured);
    }
    let (otlp, events) = (&results[0], &results[1]);
    println!(
        "\nbench otlp: {} exchanges in requests of {}, {} in flight; the pipeline pinned to CPU {}, evaluators latency,cost",
        args.exchanges, args.batch, args.concurrency, args.cpu
    );
    println!("| way | exchanges/s | CPU µs per exchange | body bytes | peak RSS |");
    println!("|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {} | {:.0} | {:.1} | {} | {:.0} MiB |",
            r.way, r.per_second, r.cpu_us_per_exchange, r.body_bytes, r.peak_rss_mib
        );
    }
    println!(
        "OTLP against /v1/events: throughput ×{:.2}, CPU per exchange ×{:.2}",
        otlp.per_second / events.per_second,
        otlp.cpu_us_per_exchange / events.cpu_us_per_exchange
    );
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&results)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn measure(way: &Way, args: &BenchOtlpArgs) -> anyhow::Result<Measured> {
    let dir = std::env::temp_dir().join(format!("sightline-bench-otlp-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let listen = format!(
        "127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port()
    );
    let log = dir.join("pipeline.log");
    let mut worker =
        Worker::start_embedded(&dir.join("data"), &listen, "latency,cost", &log, args.cpu)?;
    let base = format!("http://{listen}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let client = reqwest::Client::new();
        wait_ready(&client, &base, &mut worker, &log).await?;
        let cpu_before = worker.cpu_seconds()?;
        let started = Instant::now();
        send_all(&client, &base, way, args.concurrency).await?;
        let expected = args.exchanges as u64;
        while stored(&client, &base).await? < expected {
            worker.check_alive(&log)?;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let seconds = started.elapsed().as_secs_f64();
        let cpu = worker.cpu_seconds()? - cpu_before;
        anyhow::Ok(Measured {
            way: way.name,
            exchanges: expected as usize,
            seconds,
            per_second: expected as f64 / seconds,
            cpu_us_per_exchange: cpu * 1e6 / expected as f64,
            body_bytes: way.bodies.iter().map(Vec::len).sum(),
            peak_rss_mib: memory_of(worker.pid()).peak as f64 / (1 << 20) as f64,
        })
    });
    worker.stop()?;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn wait_ready(
    client: &reqwest::Client,
    base: &str,
    worker: &mut Worker,
    log: &std::path::Path,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{base}/metrics")).send().await.is_err() {
        worker.check_alive(log)?;
        if Instant::now() > deadline {
            bail!(
                "the pipeline did not listen within a minute; see {}",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Posts every body, `concurrency` at a time; any answer but a clean 200 stops the bench.
async fn send_all(
    client: &reqwest::Client,
    base: &str,
    way: &Way,
    concurrency: usize,
) -> anyhow::Result<()> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let bodies = Arc::new(way.bodies.clone());
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, next, bodies) = (client.clone(), next.clone(), bodies.clone());
        let url = format!("{base}{}", way.path);
        let content_type = way.content_type;
        senders.spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    return anyhow::Ok(());
                };
                let response = client
                    .post(&url)
                    .header("content-type", content_type)
                    .body(body.clone())
                    .send()
                    .await?;
                let status = response.status();
                let answer = response.bytes().await?;
                let clean = match content_type {
                    // An export answered in full has no partial_success: an empty message.
                    "application/x-protobuf" => answer.is_empty(),
                    _ => serde_json::from_slice::<serde_json::Value>(&answer)?["rejected"] == 0,
                };
                ensure!(
                    status.is_success() && clean,
                    "{url} answered {status}: {}",
                    String::from_utf8_lossy(&answer)
                );
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done??;
    }
    Ok(())
}

/// Rows the pipeline has handed to its sink, from its `/metrics`.
async fn stored(client: &reqwest::Client, base: &str) -> anyhow::Result<u64> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("sightline_rows_out_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64)
}

/// The completions as one OTLP export, grouped by resource as an SDK groups them; span `n` of the
/// run gets ids from `n`, so no two spans share an id.
fn export(completions: &[Event], first: usize) -> ExportTraceServiceRequest {
    let mut by_resource: BTreeMap<(&str, &str, &str), Vec<Span>> = BTreeMap::new();
    for (k, event) in completions.iter().enumerate() {
        let h = &event.header;
        by_resource
            .entry((&h.service, &h.environment, &h.project))
            .or_default()
            .push(span(event, (first + k) as u64 + 1));
    }
    ExportTraceServiceRequest {
        resource_spans: by_resource
            .into_iter()
            .map(|((service, environment, project), spans)| ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![
                        text("service.name", service),
                        text("deployment.environment.name", environment),
                        text("sightline.project", project),
                    ],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
    }
}

/// A completion as the GenAI conventions record it.
fn span(event: &Event, n: u64) -> Span {
    let Payload::Completion { request, response } = &event.payload else {
        unreachable!("the bench sends completions only")
    };
    let h = &event.header;
    let model = h.model.as_ref().expect("a completion names its model");
    let end_ns = event.header.timestamp.millis() as u64 * 1_000_000;
    let latency_ns = (response.timings.latency_ms.unwrap_or(0.0) * 1e6) as u64;
    let parts = |role: &str, text: Option<&str>| {
        json!([{"role": role, "parts": [{"type": "text", "content": text.unwrap_or_default()}]}])
            .to_string()
    };
    let mut attributes = vec![
        text(
            "gen_ai.operation.name",
            h.operation.as_deref().unwrap_or("chat"),
        ),
        text("gen_ai.provider.name", &model.provider),
        text("gen_ai.request.model", &model.name),
        text("gen_ai.input.messages", &parts("user", request.text())),
        text(
            "gen_ai.output.messages",
            &parts("assistant", response.output.as_deref()),
        ),
    ];
    for (key, count) in [
        ("gen_ai.usage.input_tokens", response.usage.input_tokens),
        ("gen_ai.usage.output_tokens", response.usage.output_tokens),
    ] {
        if let Some(count) = count {
            attributes.push(KeyValue {
                key: key.into(),
                value: Some(AnyValue {
                    value: Some(Value::IntValue(count as i64)),
                }),
                ..Default::default()
            });
        }
    }
    let failed = response.status == ResponseStatus::Error;
    if let Some(error) = &response.error {
        attributes.push(text("error.type", &error.kind));
    }
    Span {
        trace_id: u128::from(n).to_be_bytes().to_vec(),
        span_id: n.to_be_bytes().to_vec(),
        name: format!("chat {}", model.name),
        kind: 3,
        start_time_unix_nano: end_ns - latency_ns.min(end_ns),
        end_time_unix_nano: end_ns,
        attributes,
        status: failed.then(|| Status {
            code: StatusCode::Error as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}
