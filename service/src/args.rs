//! The flags that say where the data lives and where events come from, shared by every command
//! that touches a store or the bus; each overrides its config section.

use std::path::PathBuf;

use clap::Args;

use crate::settings::{ClickhouseConfig, KafkaConfig, StorageConfig};

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
    pub fn apply(&self, storage: &mut StorageConfig, clickhouse: &mut ClickhouseConfig) {
        storage.embedded |= self.embedded;
        set(&mut storage.data_dir, &self.data_dir);
        if self.clickhouse.is_some() {
            clickhouse.url.clone_from(&self.clickhouse);
        }
        set(&mut clickhouse.database, &self.database);
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
    pub fn apply(&self, kafka: &mut KafkaConfig) {
        if self.brokers.is_some() {
            kafka.brokers.clone_from(&self.brokers);
        }
        set(&mut kafka.topic, &self.topic);
        set(&mut kafka.group, &self.group);
        set(&mut kafka.partitions, &self.partitions);
    }
}

/// Overrides a setting with its flag, when the flag is given.
pub fn set<T: Clone>(setting: &mut T, flag: &Option<T>) {
    if let Some(value) = flag {
        setting.clone_from(value);
    }
}
