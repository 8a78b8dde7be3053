//! `sightline produce`: a load generator that publishes synthetic LLM traffic and reports its rate.

mod args;
mod catalog;
mod corpus;
mod generator;
mod sink;

pub use args::ProduceArgs;
pub use generator::Traffic;
pub use sink::Sink;

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use sightline_schemas::Timestamp;

use sightline_service::KafkaConfig;

/// Files are reproducible only if their clock is; sending uses the real one.
const FILE_EPOCH_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Publishes `--count` events to `kafka`, or to the HTTP ingest or file `args` names.
pub fn run(args: ProduceArgs, kafka: &KafkaConfig) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.toxic_share) {
        bail!(
            "--toxic-share must be between 0 and 1, got {}",
            args.toxic_share
        );
    }
    if args.rate.is_some_and(|r| r.is_nan() || r <= 0.0) {
        bail!("--rate must be a positive number of events per second");
    }
    let start = match &args.start {
        Some(text) => Timestamp::parse_rfc3339(text)
            .map_err(anyhow::Error::msg)
            .context("--start")?,
        None if args.out.is_some() => Timestamp(FILE_EPOCH_MS),
        None => Timestamp::now(),
    };
    let toxic = if args.toxic_share > 0.0 {
        corpus::load_offensive(&args.toxic_corpus)?
    } else {
        Vec::new()
    };
    let drift_from = args
        .drift_at
        .as_deref()
        .map(|at| match sightline_schemas::duration::parse(at) {
            Ok(after) => Ok(start.millis() + after.as_millis() as i64),
            Err(_) => Timestamp::parse_rfc3339(at)
                .map(|t| t.millis())
                .map_err(|_| {
                    anyhow::anyhow!(
                        "--drift-at {at:?}: expected an RFC 3339 time or a duration such as 10m"
                    )
                }),
        })
        .transpose()?;
    let mut traffic = Traffic::new(args.seed, start, toxic, args.toxic_share);
    if let Some(at) = drift_from {
        traffic.drift_from(at);
    }
    if let Some(rate) = args.rate {
        // An exchange is a request and a response event.
        traffic.arrivals_per_second(rate / 2.0);
    }
    let mut kafka = kafka.clone();
    if args.brokers.is_some() {
        kafka.brokers.clone_from(&args.brokers);
    }
    if let Some(topic) = &args.topic {
        kafka.topic.clone_from(topic);
    }
    kafka.partitions = args.partitions.unwrap_or(kafka.partitions);

    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let mut sink = Sink::open(&args, &kafka).await?;
        let began = Instant::now();
        let mut last_progress = began;
        for (sent, event) in (1..=args.count).zip(traffic) {
            sink.send(&event).await?;
            if let Some(rate) = args.rate {
                let due = Duration::from_secs_f64(sent as f64 / rate);
                if let Some(wait) = due.checked_sub(began.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
            if last_progress.elapsed() >= PROGRESS_EVERY {
                last_progress = Instant::now();
                eprintln!(
                    "  {sent} of {} events, {:.0} events/s",
                    args.count,
                    sent as f64 / secs(began)
                );
            }
        }
        let delivery = sink.finish().await?;
        let elapsed = secs(began);
        eprintln!(
            "produced {} events to {} in {elapsed:.2} s: {:.0} events/s",
            args.count,
            sink.describe(),
            args.count as f64 / elapsed
        );
        if delivery.failed > 0 {
            eprintln!("error: {} events were not delivered", delivery.failed);
            return Ok(ExitCode::from(1));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64().max(1e-9)
}
