//! Command-line surface: every subcommand, its flags and its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "sightline", version, about = "LLM observability and evaluation pipeline", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole product on one machine (embedded mode) and drive a scripted scenario through it.
    Demo,
    /// Consume events, join, score and store them (Kafka to ClickHouse, or embedded).
    Pipeline(PipelineArgs),
    /// Compute drift and evaluate alert rules; call rollback, retrain and notify webhooks.
    Monitor,
    /// Serve the HTTP API, the dashboard and Prometheus metrics.
    Api,
    /// Serve ONNX models and emit a request and a response event for every call.
    Infer,
    /// Create or upgrade the ClickHouse database and tables.
    Migrate(StoreArgs),
    /// Run a read-only SQL query over the stored traces and print the result.
    ///
    /// Tables such as llm_events read deduplicated rows; the server enforces read-only.
    Sql(SqlArgs),
    /// Publish synthetic LLM traffic to Kafka, to an HTTP ingest endpoint, or to a file.
    Produce(ProduceArgs),
    /// Measure whole-pipeline throughput, freshness and memory against a competitor in the same run.
    Bench,
    /// Check events against schema v1; print one line per problem as FILE:LINE: PATH: REASON.
    ///
    /// Each FILE holds one JSON event, a JSON array of events, or NDJSON (one event per line).
    /// Exits 0 when every event is valid, 1 when any is not, 2 when a file cannot be read.
    Validate(ValidateArgs),
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Pipeline(_) => "pipeline",
            Self::Monitor => "monitor",
            Self::Api => "api",
            Self::Infer => "infer",
            Self::Migrate(_) => "migrate",
            Self::Sql(_) => "sql",
            Self::Produce(_) => "produce",
            Self::Bench => "bench",
            Self::Validate(_) => "validate",
        }
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["brokers", "http", "out"]))]
pub struct ProduceArgs {
    /// Kafka bootstrap servers; events are keyed by request_id.
    #[arg(
        long,
        value_name = "HOST:PORT",
        requires = "topic",
        env = "SIGHTLINE__KAFKA__BROKERS"
    )]
    pub brokers: Option<String>,
    /// Kafka topic, created with --partitions if it does not exist.
    #[arg(long, value_name = "NAME", default_value = "llm.events")]
    pub topic: String,
    /// Partitions for a topic that has to be created.
    #[arg(long, default_value_t = 6)]
    pub partitions: i32,
    /// HTTP ingest endpoint (`POST /v1/events`), sent NDJSON in batches.
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,
    /// Write NDJSON to this file instead of sending; the same --seed gives the same file.
    #[arg(long, value_name = "FILE.ndjson")]
    pub out: Option<PathBuf>,
    /// Number of events to publish.
    #[arg(long)]
    pub count: u64,
    /// Events per second; unlimited when absent.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Share of responses whose text is drawn from the Davidson offensive-language data set.
    #[arg(long, default_value_t = 0.0, value_name = "F")]
    pub toxic_share: f64,
    /// The Davidson `labeled_data.csv`, needed when --toxic-share is above 0.
    #[arg(
        long,
        value_name = "PATH",
        env = "SIGHTLINE_TOXIC_CORPUS",
        default_value = "../shared/data/davidson/labeled_data.csv"
    )]
    pub toxic_corpus: PathBuf,
    /// Random seed; the same seed gives the same events.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Time of the first event (RFC 3339). Defaults to now when sending, and to
    /// 2026-01-01T00:00:00Z with --out so that files are reproducible.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
}

/// Where the stored data lives: ClickHouse, or the embedded data directory.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Embedded mode: no Kafka or ClickHouse; Parquet files in --data-dir, queried with DataFusion.
    #[arg(long, env = "SIGHTLINE__EMBEDDED")]
    pub embedded: bool,
    /// The embedded store's data directory.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "sightline-data",
        env = "SIGHTLINE__STORAGE__DATA_DIR"
    )]
    pub data_dir: std::path::PathBuf,
    /// ClickHouse HTTP URL.
    #[arg(long, value_name = "URL", env = "SIGHTLINE__CLICKHOUSE__URL")]
    pub clickhouse: Option<String>,
    /// ClickHouse database.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "sightline",
        env = "SIGHTLINE__CLICKHOUSE__DATABASE"
    )]
    pub database: String,
}

/// Where events come from.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Kafka bootstrap servers.
    #[arg(long, value_name = "HOST:PORT", env = "SIGHTLINE__KAFKA__BROKERS")]
    pub brokers: Option<String>,
    /// Topic to consume; rejected events go to `<topic>.dlq`.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "llm.events",
        env = "SIGHTLINE__KAFKA__TOPIC"
    )]
    pub topic: String,
    /// Consumer group; workers in one group share the partitions.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "sightline",
        env = "SIGHTLINE__KAFKA__GROUP"
    )]
    pub group: String,
    /// Partitions for the topic and its dead-letter topic if they have to be created.
    #[arg(long, default_value_t = 6)]
    pub partitions: i32,
}

#[derive(Debug, Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address for HTTP ingest (POST /v1/events) and /metrics.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:9464",
        env = "SIGHTLINE__PIPELINE__LISTEN"
    )]
    pub listen: String,
    /// How long a request waits for its response before it is stored as lost.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::duration::parse)]
    pub join_window: std::time::Duration,
    /// Open requests held at most; past it the oldest is stored as lost.
    #[arg(long, default_value_t = 50_000)]
    pub max_open_requests: usize,
    /// A batch closes at this many rows...
    #[arg(long, default_value_t = 10_000)]
    pub batch_rows: usize,
    /// ...or this many bytes...
    #[arg(long, default_value_t = 8 << 20)]
    pub batch_bytes: usize,
    /// ...or when it is this old, whichever comes first.
    #[arg(long, value_name = "DURATION", default_value = "200ms", value_parser = crate::duration::parse)]
    pub batch_age: std::time::Duration,
    /// Largest HTTP ingest request body.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_body_bytes: usize,
    /// Events larger than this go to the dead-letter queue.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_event_bytes: usize,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SqlFormat::Table)]
    pub format: SqlFormat,
    /// The query.
    pub sql: String,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SqlFormat {
    Table,
    Json,
    Csv,
}
