//! `sightline pipeline`: one worker of the stream pipeline, Kafka to ClickHouse, or the embedded
//! pipeline from an in-process channel to Parquet files. Either way it serves HTTP ingest and
//! /metrics on --listen.

mod settings;

pub use settings::{PipelineArgs, PipelineConfig};

use std::{future::Future, process::ExitCode, sync::Arc};

use anyhow::Context;
use rdkafka::ClientConfig;
use sightline_ingest::{
    BatchConfig, JoinConfig, KafkaSourceConfig, MessageFormat, PipelineMetrics, ProcessConfig,
    channel,
    http::{IngestTarget, router},
    run_channel, run_kafka,
};
use sightline_schemas::Limits;
use sightline_storage::{
    clickhouse::{ClickhouseSink, migrate},
    embedded::ParquetStore,
};
use tokio::sync::watch;

use crate::config::Config;

/// Events the embedded channel holds before HTTP ingest has to wait.
const CHANNEL_CAPACITY: usize = 20_000;

/// How events become rows, from the config.
pub fn process_config(config: &Config) -> anyhow::Result<ProcessConfig> {
    let p = &config.pipeline;
    let process = ProcessConfig {
        format: p.format,
        otlp: config.otlp.clone(),
        limits: Limits {
            max_event_bytes: p.max_event_bytes,
            ..Limits::default()
        },
        join: JoinConfig {
            window: p.join_window,
            max_open: p.max_open_requests,
            ..JoinConfig::default()
        },
        batch: BatchConfig {
            max_rows: p.batch_rows,
            max_bytes: p.batch_bytes,
            max_age: p.batch_age,
        },
        evaluators: config
            .evaluators
            .build()
            .context("loading the evaluators")?,
    };
    let names: Vec<&str> = process.evaluators.iter().map(|e| e.name()).collect();
    tracing::info!(evaluators = ?names, "evaluators loaded");
    Ok(process)
}

/// The embedded pipeline, in this process: events sent to the returned target are joined, scored
/// and stored in the data directory until `stopped` turns true.
pub fn embedded(
    config: &Config,
    process: ProcessConfig,
    metrics: Arc<PipelineMetrics>,
    stopped: watch::Receiver<bool>,
) -> anyhow::Result<(
    IngestTarget,
    impl Future<Output = anyhow::Result<()>> + use<>,
)> {
    anyhow::ensure!(
        process.format == MessageFormat::Sightline,
        "pipeline.format {:?} reads a Kafka topic; in embedded mode send OTLP to POST /v1/traces",
        process.format
    );
    let store = ParquetStore::open(&config.storage.data_dir)?;
    let (sender, events) = channel(CHANNEL_CAPACITY);
    let running = async move {
        run_channel(events, process, store, metrics, stopped).await?;
        Ok(())
    };
    Ok((IngestTarget::Channel(sender), running))
}

pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let p = &config.pipeline;
    let process = process_config(config)?;
    let metrics = Arc::new(PipelineMetrics::default());
    let _ = metrics.evaluators.set(process.evaluators.clone());

    sightline_service::runtime()?.block_on(async move {
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            sightline_service::terminated().await;
            tracing::info!("stop requested");
            let _ = stop.send(true);
        });

        if config.storage.embedded {
            let limits = process.limits.clone();
            let (target, running) = embedded(config, process, metrics.clone(), stopped)?;
            serve(&p.listen, router(target, limits, config.otlp.clone(), metrics, p.max_body_bytes)).await?;
            tracing::info!(data_dir = %config.storage.data_dir.display(), listen = %p.listen, "embedded pipeline running");
            running.await?;
            return Ok(ExitCode::SUCCESS);
        }

        let kafka = &config.kafka;
        let brokers = kafka.brokers.as_deref().context(
            "no source given: pass --brokers HOST:PORT (or set kafka.brokers in the config, or SIGHTLINE__KAFKA__BROKERS), or --embedded",
        )?;
        let source = KafkaSourceConfig {
            commit_interval: kafka.commit_interval,
            drain_deadline: kafka.drain_deadline,
            fetch_wait: kafka.fetch_wait,
            session_timeout: kafka.session_timeout,
            instance_id: kafka.instance_id.clone(),
            ..KafkaSourceConfig::new(brokers, &kafka.topic, &kafka.group)
        };
        let ch = sightline_service::connect(&config.clickhouse).await?;
        migrate(&ch).await?;
        sightline_service::topics::ensure_topics(brokers, &[&source.topic, &source.dlq_topic], kafka.partitions).await?;
        let producer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .create()
            .context("creating the HTTP ingest producer")?;
        let target = IngestTarget::Kafka { producer, topic: source.topic.clone() };
        serve(&p.listen, router(target, process.limits.clone(), config.otlp.clone(), metrics.clone(), p.max_body_bytes)).await?;
        let sink = ClickhouseSink::new(ch, metrics.sink_retries.clone());
        tracing::info!(topic = %source.topic, group = %source.group, listen = %p.listen, "pipeline running");
        run_kafka(source, process, sink, metrics, stopped).await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub async fn serve(listen: &str, app: axum::Router) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(())
}
