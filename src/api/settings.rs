//! `sightline api`'s flags, its key commands, and its `[api]` section.

use std::{path::PathBuf, time::Duration};

use anyhow::bail;
use clap::{Args, Subcommand};
use serde::Deserialize;
use sightline_service::{SourceArgs, StorageConfig, StoreArgs, duration, set};

use crate::config::Config;

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

impl ApiConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "api.listen must be an address such as 127.0.0.1:8000, got {:?}",
                self.listen
            );
        }
        for part in &self.open {
            sightline_api::Part::parse(part).map_err(anyhow::Error::msg)?;
        }
        if self.query_timeout.is_zero() || self.max_body_bytes == 0 {
            bail!("api.query_timeout and api.max_body_bytes must be above 0");
        }
        Ok(())
    }
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
        self.store
            .apply(&mut config.storage, &mut config.clickhouse);
        self.source.apply(&mut config.kafka);
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
