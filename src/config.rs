//! Settings, in layers: the built-in defaults, then a TOML file (`--config`, or `SIGHTLINE_CONFIG`),
//! then `SIGHTLINE__SECTION__KEY` environment variables, then command-line flags. Unknown keys are
//! errors in every layer, and [`Config::validate`] checks the result before anything connects.

use std::{collections::BTreeMap, path::Path};

use anyhow::{Context, bail};
use serde::Deserialize;
use sightline_monitor::{AlertsConfig, DriftConfig};
use sightline_service::{ClickhouseConfig, KafkaConfig, StorageConfig};

use crate::{api::ApiConfig, infer::InferenceConfig, pipeline::PipelineConfig};

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
    pub otlp: sightline_ingest::otlp::OtlpConfig,
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

    /// Checks values that would otherwise fail later and further from their cause, section by
    /// section; the error names the setting.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.pipeline.validate()?;
        self.kafka.validate()?;
        self.evaluators.validate()?;
        self.drift.validate()?;
        self.alerts.validate()?;
        self.clickhouse.validate()?;
        self.api.validate()?;
        Ok(())
    }

    /// The sections the benchmarks take their defaults from.
    pub fn bench(&self) -> sightline_bench::Settings<'_> {
        sightline_bench::Settings {
            kafka: &self.kafka,
            clickhouse: &self.clickhouse,
            toxicity: &self.evaluators.toxicity,
            model_repo: self.inference.model_repo.as_deref(),
        }
    }

    /// The sections the monitor reads.
    pub fn monitor(&self) -> sightline_monitor::Settings<'_> {
        sightline_monitor::Settings {
            drift: &self.drift,
            alerts: &self.alerts,
            kafka: &self.kafka,
            storage: &self.storage,
            clickhouse: &self.clickhouse,
        }
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
    use std::time::Duration;

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
