//! `sightline migrate` and `sightline sql`: the store's schema and read-only queries over it.

use std::process::ExitCode;

use anyhow::Context;
use sightline_storage::{
    clickhouse::{Clickhouse, migrate as apply_migrations, query_text},
    embedded::ParquetStore,
    render::{Format, render},
};

use crate::cli::{SqlArgs, SqlFormat, StoreArgs};

pub async fn connect(store: &StoreArgs) -> anyhow::Result<Clickhouse> {
    let url = store.clickhouse.as_deref().context(
        "no store given: pass --clickhouse URL (or set SIGHTLINE__CLICKHOUSE__URL), or --embedded",
    )?;
    Ok(Clickhouse::connect(url, &store.database).await?)
}

pub fn migrate(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    if args.embedded {
        let store = ParquetStore::open(&args.data_dir)?;
        eprintln!("embedded store ready in {}", store.dir().display());
        return Ok(ExitCode::SUCCESS);
    }
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
    if args.store.embedded {
        let format = match args.format {
            SqlFormat::Table => Format::Table,
            SqlFormat::Json => Format::Json,
            SqlFormat::Csv => Format::Csv,
        };
        return runtime()?.block_on(async {
            let batches = ParquetStore::open(&args.store.data_dir)?
                .query(&args.sql)
                .await?;
            print!("{}", render(&batches, format)?);
            Ok(ExitCode::SUCCESS)
        });
    }
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
