//! What every Sightline process shares, whatever its role: the bus and store settings and the
//! flags that override them, connecting to ClickHouse, making sure topics exist, the async
//! runtime, the stop signal, and what the host hands the process (its name, keys).

pub mod args;
pub mod host;
pub mod settings;
pub mod topics;

pub use args::{SourceArgs, StoreArgs, set};
pub use settings::{ClickhouseConfig, KafkaConfig, StorageConfig, duration};

use anyhow::Context;
use sightline_storage::clickhouse::Clickhouse;

/// Every role runs its work on one multi-threaded runtime, made here.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The configured ClickHouse, or an error that says how to name one.
pub async fn connect(clickhouse: &ClickhouseConfig) -> anyhow::Result<Clickhouse> {
    let url = clickhouse.url.as_deref().context(
        "no store given: pass --clickhouse URL (or set clickhouse.url in the config, or SIGHTLINE__CLICKHOUSE__URL), or --embedded",
    )?;
    Ok(Clickhouse::connect(url, &clickhouse.database).await?)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn terminated() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
