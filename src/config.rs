//! Settings, in layers: the built-in defaults, then a TOML file (`--config`, or `SIGHTLINE_CONFIG`),
//! then `SIGHTLINE__SECTION__KEY` environment variables, then command-line flags. Unknown keys are
//! errors in every layer, and [`Config::validate`] checks the result before anything connects.

use std::{collections::BTreeMap, path::Path, time::Duration};

use anyhow::{Context, bail};
use serde::{Deserialize, Deserializer};

const ENV_PREFIX: &str = "SIGHTLINE__";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub kafka: KafkaConfig,
    pub clickhouse: ClickhouseConfig,
    pub storage: StorageConfig,
    pub pipeline: PipelineConfig,
    pub evaluators: sightline_evaluators::EvaluatorsConfig,
    pub drift: DriftConfig,
    pub alerts: AlertsConfig,
    pub inference: InferenceConfig,
    pub api: ApiConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaConfig {
    pub brokers: Option<String>,
    pub topic: String,
    pub group: String,
    /// Partitions for the topic and its dead-letter topic when they have to be created.
    pub partitions: i32,
    #[serde(deserialize_with = "duration")]
    pub commit_interval: Duration,
    /// How long a revoked partition's batches may take to reach the sink before the hand-over.
    #[serde(deserialize_with = "duration")]
    pub drain_deadline: Duration,
    /// How long the broker may hold a fetch open waiting for data.
    #[serde(deserialize_with = "duration")]
    pub fetch_wait: Duration,
    /// How long a worker may go silent before the group hands its partitions to others.
    #[serde(deserialize_with = "duration")]
    pub session_timeout: Duration,
    /// A stable name per worker (static membership): a worker restarted under the same name takes
    /// its partitions back at once.
    pub instance_id: Option<String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            brokers: None,
            topic: "llm.events".into(),
            group: "sightline".into(),
            partitions: 6,
            commit_interval: Duration::from_secs(1),
            drain_deadline: Duration::from_secs(10),
            fetch_wait: Duration::from_millis(20),
            session_timeout: Duration::from_secs(10),
            instance_id: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClickhouseConfig {
    pub url: Option<String>,
    pub database: String,
}

impl Default for ClickhouseConfig {
    fn default() -> Self {
        Self {
            url: None,
            database: "sightline".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Parquet files and DataFusion instead of Kafka and ClickHouse.
    pub embedded: bool,
    pub data_dir: std::path::PathBuf,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            embedded: false,
            data_dir: "sightline-data".into(),
        }
    }
}

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
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DriftConfig {
    /// Length of the tumbling windows of event time that are checked.
    #[serde(deserialize_with = "duration")]
    pub window: Duration,
    /// The reference: the stretch of time just before each window...
    #[serde(deserialize_with = "duration")]
    pub trailing: Duration,
    /// ...or a pinned baseline by name, from `baselines_dir`.
    pub baseline: Option<String>,
    pub baselines_dir: std::path::PathBuf,
    /// How long after a window ends its late events may still arrive; it is checked after that.
    #[serde(deserialize_with = "duration")]
    pub lateness: Duration,
    /// How often the monitor looks for windows to check.
    #[serde(deserialize_with = "duration")]
    pub interval: Duration,
    /// No verdict for a feature with fewer values than this on either side.
    pub min_samples: usize,
    /// Share of drifted features at which a model has drifted.
    pub share: f64,
    /// Drifted windows in a row before a drift is worth an alert.
    pub consecutive: u32,
    /// Address for the monitor's /metrics.
    pub listen: String,
    /// Per feature: "auto", "all", or test names, such as `latency_ms = ["ks", "psi"]`.
    pub tests: BTreeMap<String, Vec<String>>,
    /// Per test: its threshold, such as `ks = 0.01`.
    pub thresholds: BTreeMap<String, f64>,
}

impl Default for DriftConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(3600),
            trailing: Duration::from_secs(24 * 3600),
            baseline: None,
            baselines_dir: "sightline-baselines".into(),
            lateness: Duration::from_secs(60),
            interval: Duration::from_secs(10),
            min_samples: 30,
            share: 0.5,
            consecutive: 3,
            listen: "127.0.0.1:9465".into(),
            tests: BTreeMap::new(),
            thresholds: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// The rule file, TOML or YAML; without one the monitor checks drift only.
    pub rules: Option<std::path::PathBuf>,
    /// How often every rule is evaluated.
    #[serde(deserialize_with = "duration")]
    pub interval: Duration,
    /// The key webhooks are signed with, in a file; `SIGHTLINE_WEBHOOK_SECRET` is read otherwise.
    pub webhook_secret_file: Option<std::path::PathBuf>,
    /// Hosts and IP networks webhooks may go to [default: loopback and the rule file's hosts].
    pub allowed_hosts: Option<Vec<String>>,
    /// Per attempt.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    pub max_attempts: u32,
    /// The wait before the second attempt, doubling up to `max_backoff`.
    #[serde(deserialize_with = "duration")]
    pub backoff: Duration,
    #[serde(deserialize_with = "duration")]
    pub max_backoff: Duration,
    /// Where people look at alerts, such as the dashboard; sent as Alertmanager's externalURL.
    pub external_url: String,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            rules: None,
            interval: Duration::from_secs(15),
            webhook_secret_file: None,
            allowed_hosts: None,
            timeout: Duration::from_secs(5),
            max_attempts: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            external_url: String::new(),
        }
    }
}

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

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    pub listen: String,
    /// Hashes of the API keys [default: `<data-dir>/api-keys.json`].
    pub keys_file: Option<std::path::PathBuf>,
    /// Parts served without a key: any of `openapi`, `metrics`, `dashboard` (the dashboard's reads).
    pub open: Vec<String>,
    /// The read-only ClickHouse user SQL runs as; its profile must set readonly=1 and the limits.
    pub clickhouse_user: String,
    pub clickhouse_password: String,
    /// Longest a query may run; ClickHouse's profile may stop it sooner.
    #[serde(deserialize_with = "duration")]
    pub query_timeout: Duration,
    pub max_body_bytes: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8000".into(),
            keys_file: None,
            open: Vec::new(),
            clickhouse_user: "sightline_reader".into(),
            clickhouse_password: String::new(),
            query_timeout: Duration::from_secs(30),
            max_body_bytes: 16 << 20,
        }
    }
}

impl ApiConfig {
    pub fn keys_file(&self, storage: &StorageConfig) -> std::path::PathBuf {
        self.keys_file
            .clone()
            .unwrap_or_else(|| storage.data_dir.join("api-keys.json"))
    }
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    sightline_schemas::duration::parse(&text).map_err(serde::de::Error::custom)
}

impl Config {
    /// Defaults, overlaid by the file if one is given, then by `SIGHTLINE__` variables.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<toml::Table>(&text)
                    .with_context(|| format!("config file {}", path.display()))?
            }
            None => toml::Table::new(),
        };
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX))
            .collect();
        overlay_env(&mut table, &env)?;
        let config = Config::deserialize(toml::Value::Table(table)).context(match file {
            Some(path) => format!("config from {} and SIGHTLINE__ variables", path.display()),
            None => "config from SIGHTLINE__ variables".to_owned(),
        })?;
        Ok(config)
    }

    /// Checks values that would otherwise fail later and further from their cause.
    pub fn validate(&self) -> anyhow::Result<()> {
        let p = &self.pipeline;
        for (name, value) in [
            ("pipeline.batch_rows", p.batch_rows),
            ("pipeline.batch_bytes", p.batch_bytes),
            ("pipeline.max_open_requests", p.max_open_requests),
            ("pipeline.max_body_bytes", p.max_body_bytes),
            ("pipeline.max_event_bytes", p.max_event_bytes),
        ] {
            if value == 0 {
                bail!("{name} must be above 0");
            }
        }
        for (name, value) in [
            ("pipeline.join_window", p.join_window),
            ("pipeline.batch_age", p.batch_age),
            ("kafka.commit_interval", self.kafka.commit_interval),
        ] {
            if value.is_zero() {
                bail!("{name} must be longer than 0s");
            }
        }
        if p.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "pipeline.listen must be an address such as 127.0.0.1:9464, got {:?}",
                p.listen
            );
        }
        if self.kafka.partitions < 1 {
            bail!("kafka.partitions must be at least 1");
        }
        self.evaluators.validate()?;
        self.drift.validate()?;
        let a = &self.alerts;
        if a.interval < Duration::from_secs(1) || a.timeout.is_zero() || a.max_attempts == 0 {
            bail!(
                "alerts.interval must be at least 1s, alerts.timeout above 0s, and alerts.max_attempts at least 1"
            );
        }
        if let Some(url) = &self.clickhouse.url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!(
                "clickhouse.url must be ClickHouse's HTTP interface, such as http://127.0.0.1:8123, got {url:?}"
            );
        }
        let api = &self.api;
        if api.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "api.listen must be an address such as 127.0.0.1:8000, got {:?}",
                api.listen
            );
        }
        for part in &api.open {
            sightline_api::Part::parse(part).map_err(anyhow::Error::msg)?;
        }
        if api.query_timeout.is_zero() || api.max_body_bytes == 0 {
            bail!("api.query_timeout and api.max_body_bytes must be above 0");
        }
        let db = &self.clickhouse.database;
        if db.is_empty()
            || db.starts_with(|c: char| c.is_ascii_digit())
            || !db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!("clickhouse.database must be letters, digits and underscores, got {db:?}");
        }
        Ok(())
    }
}

impl DriftConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if !self.window.as_millis().is_multiple_of(1000) || self.window.is_zero() {
            bail!(
                "drift.window must be a whole number of seconds, got {:?}",
                self.window
            );
        }
        if !self.trailing.as_millis().is_multiple_of(1000) || self.trailing.is_zero() {
            bail!(
                "drift.trailing must be a whole number of seconds, got {:?}",
                self.trailing
            );
        }
        if self.interval.is_zero() {
            bail!("drift.interval must be longer than 0s");
        }
        if !(0.0..=1.0).contains(&self.share) {
            bail!("drift.share must be between 0 and 1, got {}", self.share);
        }
        if self.consecutive == 0 {
            bail!("drift.consecutive must be at least 1");
        }
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "drift.listen must be an address such as 127.0.0.1:9465, got {:?}",
                self.listen
            );
        }
        self.compare_config()?;
        self.features()?;
        Ok(())
    }

    /// The thresholds and sample minimum as the drift tests take them.
    pub fn compare_config(&self) -> anyhow::Result<sightline_drift::CompareConfig> {
        let mut thresholds = Vec::new();
        for (test, value) in &self.thresholds {
            let test: sightline_drift::Test = test
                .parse()
                .map_err(|e| anyhow::anyhow!("drift.thresholds: {e}"))?;
            thresholds.push((test, *value));
        }
        Ok(sightline_drift::CompareConfig {
            min_samples: self.min_samples,
            thresholds,
            ..sightline_drift::CompareConfig::default()
        })
    }

    /// The default features with the configured test choices.
    pub fn features(&self) -> anyhow::Result<Vec<sightline_drift::monitor::Feature>> {
        let mut features = sightline_drift::monitor::default_features();
        for (name, tests) in &self.tests {
            let feature = features.iter_mut().find(|f| &f.name == name).with_context(|| {
                format!("drift.tests: no feature {name:?}; the features are latency_ms, input_tokens, output_tokens, cost_nusd, toxicity, response_length, finish_reason, model_version and error_class")
            })?;
            feature.tests = match tests.as_slice() {
                [one] if one == "auto" => sightline_drift::Choice::Auto,
                [one] if one == "all" => sightline_drift::Choice::All,
                names => sightline_drift::Choice::Only(
                    names
                        .iter()
                        .map(|n| {
                            n.parse()
                                .map_err(|e| anyhow::anyhow!("drift.tests.{name}: {e}"))
                        })
                        .collect::<anyhow::Result<_>>()?,
                ),
            };
        }
        Ok(features)
    }
}

/// Sets `section.key` (or `section.sub.key`) for each `SIGHTLINE__SECTION__KEY` (or
/// `SIGHTLINE__SECTION__SUB__KEY`). A value that reads as a TOML scalar (`5000`, `true`) or array
/// (`["latency", "cost"]`) takes that type; anything else is a string.
fn overlay_env(table: &mut toml::Table, env: &BTreeMap<String, String>) -> anyhow::Result<()> {
    for (name, raw) in env {
        let path: Vec<String> = name[ENV_PREFIX.len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        let Some((key, sections)) = path.split_last().filter(|(_, s)| !s.is_empty()) else {
            bail!("{name}: expected SIGHTLINE__SECTION__KEY, such as SIGHTLINE__KAFKA__BROKERS");
        };
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .filter(|v| !v.is_table())
            .unwrap_or_else(|| toml::Value::String(raw.clone()));
        let mut at = &mut *table;
        for section in sections {
            at = match at
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            {
                toml::Value::Table(t) => t,
                _ => bail!("{name}: the config file sets {section} to a value, not a table"),
            };
        }
        at.insert(key.clone(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(toml_text: &str, env: &[(&str, &str)]) -> anyhow::Result<Config> {
        let mut table: toml::Table = toml::from_str(toml_text)?;
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        overlay_env(&mut table, &env)?;
        Ok(Config::deserialize(toml::Value::Table(table))?)
    }

    #[test]
    fn environment_overrides_the_file_and_takes_types() {
        let c = load(
            "[kafka]\ntopic = \"from-file\"\ngroup = \"g\"\n[pipeline]\nbatch_age = \"50ms\"",
            &[
                ("SIGHTLINE__KAFKA__TOPIC", "from-env"),
                ("SIGHTLINE__KAFKA__BROKERS", "127.0.0.1:9092"),
                ("SIGHTLINE__PIPELINE__BATCH_ROWS", "500"),
                ("SIGHTLINE__STORAGE__EMBEDDED", "true"),
                ("SIGHTLINE__EVALUATORS__ENABLED", "[\"cost\"]"),
                ("SIGHTLINE__EVALUATORS__COST__PRICE_TABLE", "prices.toml"),
            ],
        )
        .unwrap();
        assert_eq!(c.kafka.topic, "from-env");
        assert_eq!(c.kafka.group, "g");
        assert_eq!(c.kafka.brokers.as_deref(), Some("127.0.0.1:9092"));
        assert_eq!(c.pipeline.batch_rows, 500);
        assert_eq!(c.pipeline.batch_age, Duration::from_millis(50));
        assert!(c.storage.embedded);
        assert_eq!(c.pipeline.join_window, Duration::from_secs(300));
        assert_eq!(c.evaluators.enabled, ["cost"]);
        assert_eq!(
            c.evaluators.cost.price_table.as_deref(),
            Some(Path::new("prices.toml"))
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let typo = load("[kafka]\nbroker = \"x\"", &[]).unwrap_err();
        assert!(
            format!("{typo:#}").contains("unknown field `broker`"),
            "{typo:#}"
        );
        assert!(load("", &[("SIGHTLINE__KAFKA__NOPE", "1")]).is_err());
        assert!(load("", &[("SIGHTLINE__NOSECTION", "1")]).is_err());
        let duration = load("[pipeline]\njoin_window = \"5 minutes\"", &[]).unwrap_err();
        assert!(format!("{duration:#}").contains("unit"), "{duration:#}");
    }

    #[test]
    fn validate_names_the_setting() {
        let mut c = Config::default();
        c.validate().unwrap();
        c.pipeline.batch_rows = 0;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("pipeline.batch_rows")
        );
        let mut c = Config::default();
        c.clickhouse.url = Some("127.0.0.1:9000".into());
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("clickhouse.url")
        );
        let mut c = Config::default();
        c.clickhouse.database = "x; DROP".into();
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.evaluators.enabled.push("vibes".into());
        assert!(c.validate().unwrap_err().to_string().contains("vibes"));
    }

    #[test]
    fn the_example_file_is_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sightline.example.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let example = load(&text, &[]).unwrap();
        assert_eq!(format!("{example:?}"), format!("{:?}", Config::default()));
    }
}
