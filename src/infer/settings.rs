//! `sightline infer`'s flags and its `[inference]` section: the models, where the node listens,
//! where its events go, and how it batches.

use std::{path::PathBuf, time::Duration};

use clap::Args;
use serde::Deserialize;
use sightline_service::{duration, set};

use crate::config::Config;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferenceConfig {
    /// `<name>/model.toml` and `<name>/<version>/model.onnx`; `SIGHTLINE_MODEL_REPO` otherwise.
    pub model_repo: Option<std::path::PathBuf>,
    pub listen: String,
    /// Events go to this HTTP ingest instead of Kafka (`kafka.brokers`, `kafka.topic`).
    pub ingest_url: Option<String>,
    pub events: bool,
    /// `cpu` or `cuda`.
    pub execution_provider: String,
    /// The admin key, in a file; without it the admin API is off, except for signed rollbacks.
    pub admin_key_file: Option<std::path::PathBuf>,
    /// The key the monitor signs webhooks with, in a file; `SIGHTLINE_WEBHOOK_SECRET` otherwise.
    pub webhook_secret_file: Option<std::path::PathBuf>,
    /// Texts per batch at most.
    pub max_batch: usize,
    /// Texts one call may hold; more is a 400.
    pub max_texts: usize,
    /// How long a batch waits for more after its first request.
    #[serde(deserialize_with = "duration")]
    pub max_wait: Duration,
    /// Requests waiting per model at most; beyond, 503 with Retry-After.
    pub max_queue: usize,
    /// ONNX Runtime sessions per model version, each running one batch at a time; 0 is one per core.
    pub sessions: usize,
    /// Events waiting to be sent at most; beyond, they are dropped and counted.
    pub event_buffer: usize,
    pub max_body_bytes: usize,
    /// Names this node in the events [default: the host name].
    pub node_id: Option<String>,
    pub service: String,
    pub environment: String,
    pub project: String,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        Self {
            model_repo: None,
            listen: "127.0.0.1:8080".into(),
            ingest_url: None,
            events: true,
            execution_provider: "cpu".into(),
            admin_key_file: None,
            webhook_secret_file: None,
            max_batch: 32,
            max_texts: 2048,
            max_wait: Duration::from_millis(5),
            max_queue: 256,
            sessions: 0,
            event_buffer: 10_000,
            max_body_bytes: 8 << 20,
            node_id: None,
            service: "inference-node".into(),
            environment: "production".into(),
            project: "default".into(),
        }
    }
}

#[derive(Debug, Args)]
pub struct InferArgs {
    /// Models as <name>/model.toml and <name>/<version>/model.onnx [default: the config's
    /// inference.model_repo, or SIGHTLINE_MODEL_REPO, which scripts/models.sh prints].
    #[arg(long, value_name = "DIR")]
    pub model_repo: Option<PathBuf>,
    /// Address for the APIs and /metrics [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Kafka bootstrap servers, for the events.
    #[arg(long, value_name = "HOST:PORT", conflicts_with_all = ["ingest_url", "no_events"])]
    pub brokers: Option<String>,
    /// Topic for the events [default: llm.events].
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Send the events to an HTTP ingest (POST /v1/events) instead of Kafka.
    #[arg(long, value_name = "URL", conflicts_with = "no_events")]
    pub ingest_url: Option<String>,
    /// Emit no events.
    #[arg(long)]
    pub no_events: bool,
    /// Where the models run [default: cpu].
    #[arg(long, value_name = "cpu|cuda")]
    pub execution_provider: Option<String>,
    /// A file holding the admin key; without one the admin API is off, except for signed rollbacks.
    #[arg(long, value_name = "FILE")]
    pub admin_key_file: Option<PathBuf>,
}

impl InferArgs {
    pub fn apply(&self, config: &mut Config) {
        let i = &mut config.inference;
        if self.model_repo.is_some() {
            i.model_repo.clone_from(&self.model_repo);
        }
        set(&mut i.listen, &self.listen);
        if self.brokers.is_some() {
            config.kafka.brokers.clone_from(&self.brokers);
            i.ingest_url = None;
        }
        set(&mut config.kafka.topic, &self.topic);
        if self.ingest_url.is_some() {
            i.ingest_url.clone_from(&self.ingest_url);
        }
        if self.no_events {
            i.events = false;
        }
        set(&mut i.execution_provider, &self.execution_provider);
        if self.admin_key_file.is_some() {
            i.admin_key_file.clone_from(&self.admin_key_file);
        }
    }
}
