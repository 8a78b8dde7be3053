//! Sources, decoding, the request/response join, micro-batching, acknowledgement and the
//! dead-letter queue.
//!
//! A source reads messages; the [`process::Processor`] decodes, joins and batches them; a
//! [`sightline_schemas::Sink`] stores each batch; only then are the batch's source positions
//! acknowledged in the [`offsets::OffsetTracker`], and committed.

pub mod batcher;
pub mod channel;
pub mod dlq;
mod format;
mod held;
pub mod http;
pub mod join;
pub mod kafka;
pub mod metrics;
pub mod offsets;
pub mod otlp;
pub mod process;
mod score;
mod sink_loop;

pub use batcher::BatchConfig;
pub use channel::{EventSender, channel, run_channel};
pub use format::MessageFormat;
pub use join::JoinConfig;
pub use kafka::{KafkaSourceConfig, run_kafka};
pub use metrics::PipelineMetrics;

/// How events become rows: the decoder's limits, the join, batching, and the evaluators that
/// score each batch.
#[derive(Debug, Clone, Default)]
pub struct ProcessConfig {
    /// What the source's messages are; the in-process channel always carries Sightline events.
    pub format: MessageFormat,
    /// How OTLP spans map, for the OTLP formats.
    pub otlp: otlp::OtlpConfig,
    pub limits: sightline_schemas::Limits,
    pub join: JoinConfig,
    pub batch: BatchConfig,
    pub evaluators: sightline_schemas::Evaluators,
}

/// Why the pipeline stopped.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("sink: {0}")]
    Sink(#[from] sightline_schemas::SinkError),
}
