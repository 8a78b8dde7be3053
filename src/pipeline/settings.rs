//! `sightline pipeline`'s flags and its `[pipeline]` section: where it listens, how long a
//! request waits for its response, and when a batch closes.

use std::time::Duration;

use anyhow::bail;
use clap::Args;
use serde::Deserialize;
use sightline_ingest::MessageFormat;
use sightline_service::{SourceArgs, StoreArgs, duration, set};

use crate::config::Config;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    pub listen: String,
    #[serde(deserialize_with = "duration")]
    pub join_window: Duration,
    pub max_open_requests: usize,
    pub batch_rows: usize,
    pub batch_bytes: usize,
    #[serde(deserialize_with = "duration")]
    pub batch_age: Duration,
    pub max_body_bytes: usize,
    pub max_event_bytes: usize,
    /// What the messages on `kafka.topic` are: `sightline` events, or the OpenTelemetry
    /// Collector Kafka exporter's `otlp_proto` or `otlp_json` trace exports.
    pub format: MessageFormat,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9464".into(),
            join_window: Duration::from_secs(300),
            max_open_requests: 50_000,
            batch_rows: 10_000,
            batch_bytes: 8 << 20,
            batch_age: Duration::from_millis(200),
            max_body_bytes: 16 << 20,
            max_event_bytes: 1 << 20,
            format: MessageFormat::Sightline,
        }
    }
}

impl PipelineConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, value) in [
            ("pipeline.batch_rows", self.batch_rows),
            ("pipeline.batch_bytes", self.batch_bytes),
            ("pipeline.max_open_requests", self.max_open_requests),
            ("pipeline.max_body_bytes", self.max_body_bytes),
            ("pipeline.max_event_bytes", self.max_event_bytes),
        ] {
            if value == 0 {
                bail!("{name} must be above 0");
            }
        }
        for (name, value) in [
            ("pipeline.join_window", self.join_window),
            ("pipeline.batch_age", self.batch_age),
        ] {
            if value.is_zero() {
                bail!("{name} must be longer than 0s");
            }
        }
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "pipeline.listen must be an address such as 127.0.0.1:9464, got {:?}",
                self.listen
            );
        }
        Ok(())
    }
}

/// The pipeline's flags; each overrides the config's `pipeline` section.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address for HTTP ingest (POST /v1/events) and /metrics [default: 127.0.0.1:9464].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// How long a request waits for its response before it is stored as lost [default: 5m].
    #[arg(long, value_name = "DURATION", value_parser = sightline_schemas::duration::parse)]
    pub join_window: Option<Duration>,
    /// Open requests held at most; past it the oldest is stored as lost [default: 50000].
    #[arg(long)]
    pub max_open_requests: Option<usize>,
    /// A batch closes at this many rows... [default: 10000]
    #[arg(long)]
    pub batch_rows: Option<usize>,
    /// ...or this many bytes... [default: 8388608]
    #[arg(long)]
    pub batch_bytes: Option<usize>,
    /// ...or when it is this old, whichever comes first [default: 200ms].
    #[arg(long, value_name = "DURATION", value_parser = sightline_schemas::duration::parse)]
    pub batch_age: Option<Duration>,
    /// Largest HTTP ingest request body [default: 16777216].
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
    /// Events larger than this go to the dead-letter queue [default: 1048576].
    #[arg(long)]
    pub max_event_bytes: Option<usize>,
    /// What the topic's messages are: sightline, otlp_proto or otlp_json [default: sightline].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<MessageFormat>,
}

impl PipelineArgs {
    pub fn apply(&self, config: &mut Config) {
        self.source.apply(&mut config.kafka);
        self.store
            .apply(&mut config.storage, &mut config.clickhouse);
        let p = &mut config.pipeline;
        set(&mut p.listen, &self.listen);
        set(&mut p.join_window, &self.join_window);
        set(&mut p.max_open_requests, &self.max_open_requests);
        set(&mut p.batch_rows, &self.batch_rows);
        set(&mut p.batch_bytes, &self.batch_bytes);
        set(&mut p.batch_age, &self.batch_age);
        set(&mut p.max_body_bytes, &self.max_body_bytes);
        set(&mut p.max_event_bytes, &self.max_event_bytes);
        set(&mut p.format, &self.format);
    }
}
