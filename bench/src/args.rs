//! `sightline bench`'s subcommands and their flags.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Kafka to ClickHouse: publish a backlog, time the pipeline through it, and time two
    /// baselines on the same events: clickhouse-client loading them from a file, and a Python
    /// confluent-kafka consumer inserting over HTTP. Then measure freshness at a steady rate.
    Ingest(BenchIngestArgs),
    /// The toxicity scorer on one core (and the same model on ONNX Runtime, with --onnx) against
    /// its scikit-learn original on one core.
    Toxicity(BenchToxicityArgs),
    /// KS, PSI and Wasserstein on a million against a million numbers, on one core, against scipy
    /// and Evidently on the same data in the same run.
    Drift(BenchDriftArgs),
    /// The inference node under load, with calls of 1 to 128 texts and events off and on, against
    /// ONNX Runtime called straight from Python on the same model.
    Infer(BenchInferArgs),
    /// HTTP ingest on one core: the same exchanges posted as OTLP spans to `/v1/traces` and as
    /// Sightline events to `/v1/events`, each to a fresh embedded pipeline pinned to one CPU.
    Otlp(BenchOtlpArgs),
}

#[derive(Debug, Args)]
pub struct BenchOtlpArgs {
    /// Exchanges sent each way.
    #[arg(long, default_value_t = 200_000)]
    pub exchanges: usize,
    /// Exchanges (spans or events) per request.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// The CPU the pipeline is pinned to; the bench's own client runs on the others.
    #[arg(long, default_value_t = 0)]
    pub cpu: usize,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchInferArgs {
    /// The model repository [default: inference.model_repo, or SIGHTLINE_MODEL_REPO].
    #[arg(long, value_name = "DIR")]
    pub model_repo: Option<PathBuf>,
    /// The embedding model to load.
    #[arg(long, default_value = "minilm")]
    pub model: String,
    /// Texts per call, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32,128")]
    pub batch_sizes: Vec<usize>,
    /// Timed seconds per call size and side.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Clients calling at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// ONNX Runtime sessions in the node, and intra-op threads on the Python side [default: one
    /// per core].
    #[arg(long)]
    pub sessions: Option<usize>,
    /// With events on, send them to this broker [default: an HTTP sink in this process].
    #[arg(long, value_name = "HOST:PORT")]
    pub brokers: Option<String>,
    #[arg(long, default_value = "cpu")]
    pub execution_provider: String,
    /// Python with ONNX Runtime and tokenizers: scripts/setup.sh sets SIGHTLINE_SKLEARN_PYTHON to
    /// the one scripts/models.sh builds.
    #[arg(long, env = "SIGHTLINE_SKLEARN_PYTHON")]
    pub python: PathBuf,
    #[arg(long, default_value = "scripts/bench/infer_onnxruntime.py")]
    pub script: PathBuf,
}

#[derive(Debug, Args)]
pub struct BenchDriftArgs {
    /// Samples on each side.
    #[arg(long, default_value_t = 1_000_000)]
    pub samples: usize,
    /// Mean of the current sample (the reference is standard normal).
    #[arg(long, default_value_t = 0.01)]
    pub shift: f64,
    /// Timed runs of each test; the best counts.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Python with scipy and Evidently; scripts/bench/drift_env.sh builds one and prints its
    /// SIGHTLINE_DRIFT_PYTHON.
    #[arg(long, env = "SIGHTLINE_DRIFT_PYTHON")]
    pub python: PathBuf,
    /// The scipy and Evidently side of the benchmark.
    #[arg(long, default_value = "scripts/bench/drift_reference.py")]
    pub script: PathBuf,
}

#[derive(Debug, Args)]
pub struct BenchToxicityArgs {
    /// Labelled tweets (Davidson et al.), whose `tweet` column is scored.
    #[arg(
        long,
        value_name = "CSV",
        default_value = "../shared/data/davidson/labeled_data.csv"
    )]
    pub corpus: PathBuf,
    /// Texts to score.
    #[arg(long, default_value_t = 10_000)]
    pub texts: usize,
    /// Texts per call, on every side [default: the pipeline's,
    /// evaluators.toxicity.model.batch_size].
    #[arg(long)]
    pub batch_size: Option<std::num::NonZeroUsize>,
    /// Timed passes over the texts.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Python with scikit-learn 1.9.1; scripts/setup.sh sets SIGHTLINE_SKLEARN_PYTHON to the one
    /// scripts/models.sh builds.
    #[arg(long, env = "SIGHTLINE_SKLEARN_PYTHON")]
    pub python: PathBuf,
    /// The scikit-learn side of the benchmark.
    #[arg(long, default_value = "scripts/bench/toxicity_sklearn.py")]
    pub sklearn_script: PathBuf,
    /// The same model as an ONNX graph, also measured; scripts/setup.sh sets
    /// SIGHTLINE_TOXICITY_ONNX to the one scripts/models.sh converts.
    #[arg(long, value_name = "MODEL.onnx", env = "SIGHTLINE_TOXICITY_ONNX")]
    pub onnx: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchIngestArgs {
    /// Kafka bootstrap servers [default: the config's kafka.brokers].
    #[arg(long, value_name = "HOST:PORT")]
    pub brokers: Option<String>,
    /// ClickHouse HTTP URL [default: the config's clickhouse.url].
    #[arg(long, value_name = "URL")]
    pub clickhouse: Option<String>,
    /// ClickHouse's native TCP port, for clickhouse-client.
    #[arg(long, default_value_t = 9000)]
    pub clickhouse_port: u16,
    /// Events in the backlog.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Partitions of the bench topics.
    #[arg(long, default_value_t = 6)]
    pub partitions: i32,
    /// Evaluators the pipeline worker runs, comma-separated.
    #[arg(long, value_name = "NAMES", default_value = "latency,cost")]
    pub evaluators: String,
    /// Publish rate while freshness is measured, in events per second.
    #[arg(long, default_value_t = 10_000)]
    pub freshness_rate: u32,
    /// How long freshness is measured.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = sightline_schemas::duration::parse)]
    pub freshness_for: Duration,
    /// Python with confluent-kafka, for the reference consumer.
    #[arg(long, env = "SIGHTLINE_PYTHON", default_value = "python3")]
    pub python: PathBuf,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Keep the bench databases and files instead of dropping them.
    #[arg(long)]
    pub keep: bool,
}
