//! `sightline migrate` and `sightline sql`: the store's schema and read-only queries over it.

use std::process::ExitCode;

use sightline_storage::{
    clickhouse::{migrate as apply_migrations, query_text},
    embedded::ParquetStore,
    render::{Format, render},
};

use clap::Args;
use sightline_service::StoreArgs;

use crate::config::Config;

pub fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    if config.storage.embedded {
        let store = ParquetStore::open(&config.storage.data_dir)?;
        eprintln!("embedded store ready in {}", store.dir().display());
        return Ok(ExitCode::SUCCESS);
    }
    sightline_service::runtime()?.block_on(async {
        let ch = sightline_service::connect(&config.clickhouse).await?;
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
        return sightline_service::runtime()?.block_on(async {
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
    sightline_service::runtime()?.block_on(async {
        let ch = sightline_service::connect(&config.clickhouse).await?;
        let text = query_text(&ch, sql, format, true).await?;
        print!("{text}");
        Ok(ExitCode::SUCCESS)
    })
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
