//! `sightline produce`'s flags: where the traffic goes, how much, how fast, and what it holds.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").args(["brokers", "http", "out"]))]
pub struct ProduceArgs {
    /// Kafka bootstrap servers; events are keyed by request_id. The config's kafka section is
    /// used when none of --brokers, --http and --out is given.
    #[arg(long, value_name = "HOST:PORT")]
    pub brokers: Option<String>,
    /// Kafka topic, created with --partitions if it does not exist [default: llm.events].
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Partitions for a topic that has to be created [default: 6].
    #[arg(long)]
    pub partitions: Option<i32>,
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
    /// From this event time on, traffic drifts: latency and output tokens 2.5 times as large. An
    /// RFC 3339 time, or a duration after the first event such as 10m.
    #[arg(long, value_name = "TIME|DURATION")]
    pub drift_at: Option<String>,
    /// Time of the first event (RFC 3339). Defaults to now when sending, and to
    /// 2026-01-01T00:00:00Z with --out so that files are reproducible.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
}
