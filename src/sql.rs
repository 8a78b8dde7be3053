//! `sightline migrate` and `sightline sql`: the store's schema and read-only queries over it.

use std::process::ExitCode;

use anyhow::Context;
use sightline_storage::clickhouse::{Clickhouse, migrate as apply_migrations, query_text};

use crate::cli::{SqlArgs, SqlFormat, StoreArgs};

pub async fn connect(store: &StoreArgs) -> anyhow::Result<Clickhouse> {
    let url = store
        .clickhouse
        .as_deref()
        .context("no store given: pass --clickhouse URL (or set SIGHTLINE__CLICKHOUSE__URL)")?;
    Ok(Clickhouse::connect(url, &store.database).await?)
}

pub fn migrate(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let ch = connect(args).await?;
        let applied = apply_migrations(&ch).await?;
        if applied.is_empty() {
            eprintln!(
                "database {} is up to date (ClickHouse {})",
                args.database,
                ch.caps().version
            );
        } else {
            eprintln!(
                "applied migrations {applied:?} to {} (ClickHouse {})",
                args.database,
                ch.caps().version
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run(args: &SqlArgs) -> anyhow::Result<ExitCode> {
    let format = match args.format {
        SqlFormat::Table => "PrettyCompactNoEscapes",
        SqlFormat::Json => "JSONEachRow",
        SqlFormat::Csv => "CSVWithNames",
    };
    runtime()?.block_on(async {
        let ch = connect(&args.store).await?;
        let text = query_text(&ch, &args.sql, format, true).await?;
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
