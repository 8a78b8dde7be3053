//! `sightline migrate` and `sightline sql`: the store's schema and read-only queries over it.

use std::process::ExitCode;

use anyhow::Context;
use sightline_storage::{
    clickhouse::{Clickhouse, migrate as apply_migrations, query_text},
    embedded::ParquetStore,
    render::{Format, render},
};

use crate::{cli::SqlFormat, config::Config};

pub async fn connect(config: &Config) -> anyhow::Result<Clickhouse> {
    let url = config.clickhouse.url.as_deref().context(
        "no store given: pass --clickhouse URL (or set clickhouse.url in the config, or SIGHTLINE__CLICKHOUSE__URL), or --embedded",
    )?;
    Ok(Clickhouse::connect(url, &config.clickhouse.database).await?)
}

pub fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    if config.storage.embedded {
        let store = ParquetStore::open(&config.storage.data_dir)?;
        eprintln!("embedded store ready in {}", store.dir().display());
        return Ok(ExitCode::SUCCESS);
    }
    runtime()?.block_on(async {
        let ch = connect(config).await?;
        let database = &config.clickhouse.database;
        let applied = apply_migrations(&ch).await?;
        if applied.is_empty() {
            eprintln!(
                "database {database} is up to date (ClickHouse {})",
                ch.caps().version
            );
        } else {
            eprintln!(
                "applied migrations {applied:?} to {database} (ClickHouse {})",
                ch.caps().version
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run(config: &Config, sql: &str, format: SqlFormat) -> anyhow::Result<ExitCode> {
    if config.storage.embedded {
        let format = match format {
            SqlFormat::Table => Format::Table,
            SqlFormat::Json => Format::Json,
            SqlFormat::Csv => Format::Csv,
        };
        return runtime()?.block_on(async {
            let batches = ParquetStore::open(&config.storage.data_dir)?
                .query(sql)
                .await?;
            print!("{}", render(&batches, format)?);
            Ok(ExitCode::SUCCESS)
        });
    }
    let format = match format {
        SqlFormat::Table => "PrettyCompactNoEscapes",
        SqlFormat::Json => "JSONEachRow",
        SqlFormat::Csv => "CSVWithNames",
    };
    runtime()?.block_on(async {
        let ch = connect(config).await?;
        let text = query_text(&ch, sql, format, true).await?;
        print!("{text}");
        Ok(ExitCode::SUCCESS)
    })
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
