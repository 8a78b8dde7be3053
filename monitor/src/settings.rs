//! The `[drift]` and `[alerts]` sections, which only the monitor reads, and the sections it
//! borrows from the rest of the settings.

use std::{collections::BTreeMap, time::Duration};

use anyhow::{Context, bail};
use serde::Deserialize;
use sightline_service::{ClickhouseConfig, KafkaConfig, StorageConfig, duration};

/// What the monitor reads of the settings: its own sections, and the bus and store it shares.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub drift: &'a DriftConfig,
    pub alerts: &'a AlertsConfig,
    pub kafka: &'a KafkaConfig,
    pub storage: &'a StorageConfig,
    pub clickhouse: &'a ClickhouseConfig,
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

impl AlertsConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.interval < Duration::from_secs(1)
            || self.timeout.is_zero()
            || self.max_attempts == 0
        {
            bail!(
                "alerts.interval must be at least 1s, alerts.timeout above 0s, and alerts.max_attempts at least 1"
            );
        }
        Ok(())
    }
}

impl DriftConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
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
