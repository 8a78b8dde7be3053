//! The `[kafka]`, `[clickhouse]` and `[storage]` sections: where events come from and where rows
//! go. Every role that reads them shares these definitions.

use std::time::Duration;

use anyhow::bail;
use serde::{Deserialize, Deserializer};

/// Reads a duration written as `200ms`, `5m` or `1h`.
pub fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    sightline_schemas::duration::parse(&text).map_err(serde::de::Error::custom)
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

impl KafkaConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.commit_interval.is_zero() {
            bail!("kafka.commit_interval must be longer than 0s");
        }
        if self.partitions < 1 {
            bail!("kafka.partitions must be at least 1");
        }
        Ok(())
    }
}

impl ClickhouseConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!(
                "clickhouse.url must be ClickHouse's HTTP interface, such as http://127.0.0.1:8123, got {url:?}"
            );
        }
        let db = &self.database;
        if db.is_empty()
            || db.starts_with(|c: char| c.is_ascii_digit())
            || !db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!("clickhouse.database must be letters, digits and underscores, got {db:?}");
        }
        Ok(())
    }
}
