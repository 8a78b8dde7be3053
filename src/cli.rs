//! Command-line surface: every subcommand, its flags and its help text.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(name = "sightline", version, about = "LLM observability and evaluation pipeline", long_about = None)]
pub struct Cli {
    /// TOML settings file; `SIGHTLINE__SECTION__KEY` variables override it, and flags override both.
    #[arg(long, global = true, value_name = "FILE", env = "SIGHTLINE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole product on one machine (embedded mode) and drive a scripted scenario through it.
    Demo(DemoArgs),
    /// Consume events, join, score and store them (Kafka to ClickHouse, or embedded).
    Pipeline(PipelineArgs),
    /// Check each closed window of event time for drift, model by model, against a trailing window
    /// or a pinned baseline; write drift_reports and serve the verdicts on /metrics.
    Monitor(MonitorArgs),
    /// Serve the HTTP API, the dashboard and Prometheus metrics; in embedded mode the pipeline runs
    /// in the same process. `sightline api key ...` manages the API keys.
    Api(ApiArgs),
    /// Serve ONNX models and emit a request and a response event for every call.
    Infer(InferArgs),
    /// Create or upgrade the ClickHouse database and tables.
    Migrate(StoreArgs),
    /// Run a read-only SQL query over the stored traces and print the result.
    ///
    /// Tables such as llm_events read deduplicated rows; the server enforces read-only.
    Sql(SqlArgs),
    /// Publish synthetic LLM traffic to Kafka, to an HTTP ingest endpoint, or to a file.
    Produce(ProduceArgs),
    /// Measure whole-pipeline throughput, freshness and memory against a competitor in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Score a file with the pipeline's evaluators: events (.ndjson, .jsonl, .json) are validated
    /// and joined first; llm_events rows (.parquet) are scored as they are.
    Eval(EvalArgs),
    /// Drift between a reference and a current data set, offline.
    #[command(subcommand)]
    Drift(DriftCommand),
    /// Check events against schema v1; print one line per problem as FILE:LINE: PATH: REASON.
    ///
    /// Each FILE holds one JSON event, a JSON array of events, or NDJSON (one event per line).
    /// Exits 0 when every event is valid, 1 when any is not, 2 when a file cannot be read.
    Validate(ValidateArgs),
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Demo(_) => "demo",
            Self::Pipeline(_) => "pipeline",
            Self::Monitor(_) => "monitor",
            Self::Api(_) => "api",
            Self::Infer(_) => "infer",
            Self::Migrate(_) => "migrate",
            Self::Sql(_) => "sql",
            Self::Produce(_) => "produce",
            Self::Bench(_) => "bench",
            Self::Eval(_) => "eval",
            Self::Drift(_) => "drift",
            Self::Validate(_) => "validate",
        }
    }
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Events as NDJSON, JSON Lines or a JSON array, or llm_events rows as Parquet.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Scores as NDJSON (.ndjson, .jsonl) or Parquet (.parquet): one row per exchange, with its
    /// request_id and every evaluator column.
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// Evaluators to run, comma-separated [default: the config's, all of them].
    #[arg(long, value_name = "NAMES")]
    pub evaluators: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DriftCommand {
    /// Compare two files column by column: for each column the test, its statistic, p-value
    /// (where the test has one), threshold and verdict, then the share of drifted columns.
    ///
    /// Files are CSV (with a header), Parquet, or NDJSON (.ndjson, .jsonl); numbers and booleans
    /// are compared as they are, short strings as categories, long mostly-distinct strings as
    /// text, and lists of numbers as embeddings.
    Compare(DriftCompareArgs),
    /// Pinned baselines: references frozen from a stretch of history.
    #[command(subcommand)]
    Baseline(BaselineCommand),
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Freeze each feature's histogram (bin edges and counts over every row) and a reservoir
    /// sample of up to 10,000 values, from the llm_events rows between --from and --to.
    Create(BaselineCreateArgs),
}

#[derive(Debug, Args)]
pub struct BaselineCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Its name, used by `drift.baseline` and in drift_reports.
    #[arg(long)]
    pub name: String,
    /// Start of the stretch, RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub from: String,
    /// End of the stretch (exclusive), RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub to: String,
    /// Only rows with COLUMN=VALUE (project, model, model_version, service, environment or
    /// provider); repeatable.
    #[arg(long, value_name = "COLUMN=VALUE")]
    pub filter: Vec<String>,
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

#[derive(Debug, Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// With brokers, monitors share one lease through the group `<group>.monitor` on the topic
    /// `<topic>.monitor`, so only one evaluates alert rules.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Check the windows between --from and --to (RFC 3339) once, then exit, instead of running.
    #[arg(long, value_name = "TIME", requires = "to")]
    pub from: Option<String>,
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<String>,
    /// Window length [default: the config's drift.window, 1h].
    #[arg(long, value_name = "DURATION", value_parser = sightline_schemas::duration::parse)]
    pub window: Option<Duration>,
    /// Compare with the stretch just before each window, this long [default: 24h]...
    #[arg(long, value_name = "DURATION", value_parser = sightline_schemas::duration::parse, conflicts_with = "baseline")]
    pub trailing: Option<Duration>,
    /// ...or with a pinned baseline.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Drifted windows in a row before a drift alerts [default: 3].
    #[arg(long)]
    pub consecutive: Option<u32>,
    /// Address for /metrics [default: 127.0.0.1:9465].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Alert rules to evaluate, TOML or YAML [default: the config's alerts.rules].
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Check a rule file and exit: 0 when it is valid; otherwise 1, with FILE:LINE:COL: message
    /// for each problem.
    #[arg(long, value_name = "FILE", exclusive = true)]
    pub check_rules: Option<PathBuf>,
    /// Evaluate every rule once against the store, print each value as a JSON line, and exit;
    /// no alert changes state and no webhook is sent.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub dry_run: bool,
}

impl MonitorArgs {
    pub fn apply(&self, config: &mut Config) {
        self.store.apply(config);
        self.source.apply(config);
        let d = &mut config.drift;
        set(&mut d.window, &self.window);
        set(&mut d.trailing, &self.trailing);
        if self.baseline.is_some() {
            d.baseline.clone_from(&self.baseline);
        }
        if self.trailing.is_some() {
            d.baseline = None;
        }
        set(&mut d.consecutive, &self.consecutive);
        set(&mut d.listen, &self.listen);
        if self.rules.is_some() {
            config.alerts.rules.clone_from(&self.rules);
        }
    }
}

#[derive(Debug, Args)]
pub struct DriftCompareArgs {
    /// The data the model was validated on.
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// The data to check.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// Columns to compare, comma-separated [default: every column both files have].
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// `auto` (by column type and reference size, PSI beside), `all` (every test that applies),
    /// or tests by name, comma-separated: ks, psi, wasserstein, jensenshannon, chisquare, ztest, mmd,
    /// domain_classifier.
    #[arg(long, default_value = "auto", value_name = "TEST")]
    pub test: String,
    /// A test's threshold instead of its default, as TEST=VALUE; repeatable.
    #[arg(long, value_name = "TEST=VALUE")]
    pub threshold: Vec<String>,
    /// Share of drifted columns at which the data set as a whole has drifted.
    #[arg(long, default_value_t = 0.5, value_name = "F")]
    pub share: f64,
    /// Write the stable JSON document to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Roughly how long the scripted story takes; every step scales with it.
    #[arg(long, value_name = "DURATION", default_value = "4m", value_parser = sightline_schemas::duration::parse)]
    pub duration: Duration,
    /// Address for the API and the dashboard.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8000")]
    pub listen: String,
    /// Do not try to open the dashboard in a browser.
    #[arg(long)]
    pub no_open: bool,
    /// Exit when the story is over, with status 1 if any part of it did not happen; otherwise
    /// everything keeps running until Ctrl-C.
    #[arg(long)]
    pub exit_when_done: bool,
    /// The demo's own directory (data, keys, rules, logs, models), emptied at each start.
    #[arg(long, value_name = "DIR", default_value = "sightline-demo")]
    pub data_dir: PathBuf,
    /// Distributed mode: these Kafka brokers...
    #[arg(long, value_name = "HOST:PORT", requires = "clickhouse")]
    pub kafka: Option<String>,
    /// ...and this ClickHouse (HTTP URL), with its read-only user for the API.
    #[arg(long, value_name = "URL", requires = "kafka")]
    pub clickhouse: Option<String>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ApiArgs {
    #[command(subcommand)]
    pub key: Option<ApiCommand>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Where `POST /v1/events` and dead-letter replays publish; the topic is --topic.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Address for the API and the dashboard [default: 127.0.0.1:8000].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// The monitor's rule file, which `/v1/alert-rules` edits [default: the config's alerts.rules].
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// The API key file [default: <data-dir>/api-keys.json].
    #[arg(long, value_name = "FILE")]
    pub keys_file: Option<PathBuf>,
}

impl ApiArgs {
    pub fn apply(&self, config: &mut Config) {
        self.store.apply(config);
        self.source.apply(config);
        set(&mut config.api.listen, &self.listen);
        if self.rules.is_some() {
            config.alerts.rules.clone_from(&self.rules);
        }
        if self.keys_file.is_some() {
            config.api.keys_file.clone_from(&self.keys_file);
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ApiCommand {
    /// Manage API keys: each is shown once, when made; the key file keeps only its hash.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a key and print it.
    Create(KeyCreateArgs),
    /// List the keys: id, name, scopes, when made.
    List(KeyFileArgs),
    /// Revoke a key by its id.
    Revoke(KeyRevokeArgs),
}

#[derive(Debug, Args)]
pub struct KeyFileArgs {
    /// The key file [default: <data-dir>/api-keys.json].
    #[arg(long, value_name = "FILE")]
    pub keys_file: Option<PathBuf>,
    /// The data directory the default key file is in [default: sightline-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeyCreateArgs {
    /// Who or what the key is for.
    #[arg(long)]
    pub name: String,
    /// ingest, read or admin (admin includes the others); repeat for more than one.
    #[arg(long = "scope", value_name = "SCOPE", required = true, value_parser = sightline_api::keys::Scope::parse)]
    pub scopes: Vec<sightline_api::keys::Scope>,
    #[command(flatten)]
    pub file: KeyFileArgs,
}

#[derive(Debug, Args)]
pub struct KeyRevokeArgs {
    /// The key's id: the eight characters after `sl_`.
    pub id: String,
    #[command(flatten)]
    pub file: KeyFileArgs,
}

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

/// Where the stored data lives: ClickHouse, or the embedded data directory. Each flag overrides
/// the config's `clickhouse` or `storage` section.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Embedded mode: no Kafka or ClickHouse; Parquet files in --data-dir, queried with DataFusion.
    #[arg(long)]
    pub embedded: bool,
    /// The embedded store's data directory [default: sightline-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// ClickHouse HTTP URL.
    #[arg(long, value_name = "URL")]
    pub clickhouse: Option<String>,
    /// ClickHouse database [default: sightline].
    #[arg(long, value_name = "NAME")]
    pub database: Option<String>,
}

impl StoreArgs {
    pub fn apply(&self, config: &mut Config) {
        config.storage.embedded |= self.embedded;
        set(&mut config.storage.data_dir, &self.data_dir);
        if self.clickhouse.is_some() {
            config.clickhouse.url.clone_from(&self.clickhouse);
        }
        set(&mut config.clickhouse.database, &self.database);
    }
}

/// Where events come from; each flag overrides the config's `kafka` section.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Kafka bootstrap servers.
    #[arg(long, value_name = "HOST:PORT")]
    pub brokers: Option<String>,
    /// Topic to consume; rejected events go to `<topic>.dlq` [default: llm.events].
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Consumer group; workers in one group share the partitions [default: sightline].
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// Partitions for the topic and its dead-letter topic if they have to be created [default: 6].
    #[arg(long)]
    pub partitions: Option<i32>,
}

impl SourceArgs {
    pub fn apply(&self, config: &mut Config) {
        if self.brokers.is_some() {
            config.kafka.brokers.clone_from(&self.brokers);
        }
        set(&mut config.kafka.topic, &self.topic);
        set(&mut config.kafka.group, &self.group);
        set(&mut config.kafka.partitions, &self.partitions);
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
}

impl PipelineArgs {
    pub fn apply(&self, config: &mut Config) {
        self.source.apply(config);
        self.store.apply(config);
        let p = &mut config.pipeline;
        set(&mut p.listen, &self.listen);
        set(&mut p.join_window, &self.join_window);
        set(&mut p.max_open_requests, &self.max_open_requests);
        set(&mut p.batch_rows, &self.batch_rows);
        set(&mut p.batch_bytes, &self.batch_bytes);
        set(&mut p.batch_age, &self.batch_age);
        set(&mut p.max_body_bytes, &self.max_body_bytes);
        set(&mut p.max_event_bytes, &self.max_event_bytes);
    }
}

fn set<T: Clone>(setting: &mut T, flag: &Option<T>) {
    if let Some(value) = flag {
        setting.clone_from(value);
    }
}

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
