//! `sightline pipeline`: one worker of the stream pipeline, Kafka to ClickHouse.

use std::{process::ExitCode, sync::Arc};

use anyhow::Context;
use axum::{Router, routing::get};
use sightline_ingest::{BatchConfig, JoinConfig, KafkaSourceConfig, PipelineMetrics, run_kafka};
use sightline_schemas::Limits;
use sightline_storage::clickhouse::{ClickhouseSink, migrate};
use tokio::sync::watch;

use crate::cli::PipelineArgs;

pub fn run(args: PipelineArgs) -> anyhow::Result<ExitCode> {
    let brokers =
        args.source.brokers.clone().context(
            "no source given: pass --brokers HOST:PORT (or set SIGHTLINE__KAFKA__BROKERS)",
        )?;
    let join = JoinConfig {
        window: args.join_window,
        max_open: args.max_open_requests,
        ..JoinConfig::default()
    };
    let batch = BatchConfig {
        max_rows: args.batch_rows,
        max_bytes: args.batch_bytes,
        max_age: args.batch_age,
    };
    let source = KafkaSourceConfig::new(&brokers, &args.source.topic, &args.source.group);

    crate::sql::runtime()?.block_on(async move {
        let ch = crate::sql::connect(&args.store).await?;
        migrate(&ch).await?;
        crate::kafka_admin::ensure_topics(&brokers, &[&source.topic, &source.dlq_topic], args.source.partitions).await?;

        let metrics = Arc::new(PipelineMetrics::default());
        let sink = ClickhouseSink::new(ch, metrics.sink_retries.clone());
        serve_metrics(&args.listen, metrics.clone()).await?;

        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            crate::signals::terminated().await;
            tracing::info!("stop requested");
            let _ = stop.send(true);
        });
        tracing::info!(topic = %source.topic, group = %source.group, metrics = %args.listen, "pipeline running");
        let limits = Limits { max_event_bytes: args.max_event_bytes, ..Limits::default() };
        run_kafka(source, join, batch, limits, sink, metrics, stopped).await?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn serve_metrics(listen: &str, metrics: Arc<PipelineMetrics>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let app = Router::new().route("/metrics", get(move || async move { metrics.render() }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(())
}
