//! Versioned schema migrations. Each runs once per database, in order, and is recorded in
//! `schema_migrations`. The DDL adapts its types to the server; column names never change.
//!
//! Every worker migrates on start, so several may migrate the same database at once. Each
//! statement is idempotent (`IF NOT EXISTS`), a creation that loses a race to a concurrent one
//! counts as done, and `schema_migrations` is a MergeTree, which takes concurrent inserts.
//!
//! Tables that deduplicate keep their rows in `<table>_raw` (ReplacingMergeTree on the dedup key)
//! and expose `<table>` as a view over `<table>_raw FINAL`, so every query through the view reads
//! each event once however often it was delivered.

use std::sync::Arc;

use arrow::datatypes::{DataType, Schema, SchemaRef};
use sightline_schemas::{Table, evaluations, llm_events, side_tables};

use super::{Capabilities, Clickhouse, ClickhouseError};

/// One migration: a version, a name, and the statements it runs.
#[derive(Debug)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub statements: fn(&Capabilities, &str) -> Vec<String>,
}

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "initial tables",
    statements: initial,
}];

/// Columns that hold a small set of repeated values, dictionary-encoded where the server can.
const LABEL_COLUMNS: [&str; 17] = [
    "service",
    "environment",
    "project",
    "provider",
    "model",
    "model_version",
    "operation",
    "status",
    "error_type",
    "finish_reason",
    "evaluator",
    "evaluator_version",
    "metric",
    "error_class",
    "price_id",
    "reason_class",
    "source",
];

/// Applies every migration the database has not seen yet; returns the versions applied.
pub async fn migrate(ch: &Clickhouse) -> Result<Vec<u32>, ClickhouseError> {
    let db = ch.database();
    run(ch, &format!("CREATE DATABASE IF NOT EXISTS {db}")).await?;
    run(ch, &format!(
        "CREATE TABLE IF NOT EXISTS {db}.schema_migrations (version UInt32, name String, applied_at DateTime) ENGINE = ReplacingMergeTree ORDER BY version"
    ))
    .await?;
    let applied: Vec<u32> = ch
        .client()
        .query(&format!(
            "SELECT DISTINCT version FROM {db}.schema_migrations"
        ))
        .fetch_all()
        .await
        .map_err(|e| ClickhouseError::from_client(e, "reading schema_migrations"))?;
    let mut done = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        for statement in (m.statements)(ch.caps(), db) {
            run(ch, &statement).await?;
        }
        run(ch, &format!(
            "INSERT INTO {db}.schema_migrations (version, name, applied_at) VALUES ({}, '{}', now())",
            m.version, m.name
        ))
        .await?;
        tracing::info!(
            version = m.version,
            name = m.name,
            database = db,
            "migration applied"
        );
        done.push(m.version);
    }
    add_missing_columns(ch).await?;
    Ok(done)
}

/// Adds the columns a newer schema has and the database lacks, and recreates the view over a
/// deduplicated table so that it shows them. Columns are only ever added, never changed or dropped, so a
/// database made by an older release keeps working with a newer one.
async fn add_missing_columns(ch: &Clickhouse) -> Result<(), ClickhouseError> {
    let db = ch.database();
    for (table, schema) in Table::ALL.into_iter().map(|t| (t, t.arrow_schema())) {
        let raw = storage_name(table);
        let present: Vec<String> = ch
            .client()
            .query("SELECT name FROM system.columns WHERE database = ? AND table = ?")
            .bind(db)
            .bind(raw.as_str())
            .fetch_all()
            .await
            .map_err(|e| ClickhouseError::from_client(e, "reading system.columns"))?;
        let missing: Vec<_> = schema
            .fields()
            .iter()
            .filter(|f| !present.iter().any(|p| p == f.name()))
            .cloned()
            .collect();
        if missing.is_empty() {
            continue;
        }
        for field in &missing {
            let definition = columns_of(&Arc::new(Schema::new(vec![field.clone()])), ch.caps());
            run(
                ch,
                &format!("ALTER TABLE {db}.{raw} ADD COLUMN {definition}"),
            )
            .await?;
        }
        let name = table.name();
        if raw != name {
            run(ch, &format!("DROP TABLE IF EXISTS {db}.{name}")).await?;
            run(
                ch,
                &format!("CREATE VIEW IF NOT EXISTS {db}.{name} AS SELECT * FROM {db}.{raw} FINAL"),
            )
            .await?;
        }
        tracing::info!(
            table = name,
            added = missing.len(),
            database = db,
            "columns added"
        );
    }
    Ok(())
}

/// ClickHouse's codes for "table already exists", "database already exists" and "column already
/// exists": what a concurrent `CREATE ... IF NOT EXISTS` or `ADD COLUMN` reports when another
/// worker did it first.
const ALREADY_EXISTS: [u32; 4] = [57, 82, 15, 44];

async fn run(ch: &Clickhouse, sql: &str) -> Result<(), ClickhouseError> {
    let what = sql.split('(').next().unwrap_or(sql).trim();
    match ch.client().query(sql).execute().await {
        Ok(()) => Ok(()),
        Err(e) => match ClickhouseError::from_client(e, what) {
            ClickhouseError::Refused { code: Some(c), .. } if ALREADY_EXISTS.contains(&c) => Ok(()),
            other => Err(other),
        },
    }
}

fn initial(caps: &Capabilities, db: &str) -> Vec<String> {
    let t = caps.time_type();
    let l = caps.label_type();
    let mut out = Vec::new();
    let mut deduplicated = |table: Table,
                            columns: String,
                            version: &str,
                            partition: &str,
                            order: &str| {
        let name = table.name();
        out.push(format!(
            "CREATE TABLE IF NOT EXISTS {db}.{name}_raw ({columns}) ENGINE = ReplacingMergeTree({version}) {partition} ORDER BY ({order})"
        ));
        out.push(format!(
            "CREATE VIEW IF NOT EXISTS {db}.{name} AS SELECT * FROM {db}.{name}_raw FINAL"
        ));
    };
    deduplicated(
        Table::LlmEvents,
        columns_of(&llm_events::schema(), caps),
        "ingested_at",
        "PARTITION BY toYYYYMM(request_time)",
        "project, model, request_time, event_id",
    );
    deduplicated(
        Table::Feedback,
        columns_of(&side_tables::feedback_schema(), caps),
        "ingested_at",
        "PARTITION BY toYYYYMM(time)",
        "project, time, event_id",
    );
    deduplicated(
        Table::DeadLetters,
        columns_of(&side_tables::dead_letters_schema(), caps),
        "received_at",
        "PARTITION BY toYYYYMM(received_at)",
        "source, `partition`, `offset`",
    );
    deduplicated(
        Table::Evaluations,
        columns_of(&evaluations::evaluations_schema(), caps),
        "ingested_at",
        "PARTITION BY toYYYYMM(time)",
        "project, evaluator, metric, time, request_id",
    );
    deduplicated(
        Table::DriftReports,
        format!(
            "window_start {t}, window_end {t}, project {l}, model {l}, model_version {l}, feature {l}, \
             test {l}, statistic Float64, normed Nullable(Float64), p_value Nullable(Float64), \
             threshold Float64, drifted UInt8, n_ref UInt64, n_cur UInt64, baseline Nullable(String), \
             created_at {t}"
        ),
        "created_at",
        "PARTITION BY toYYYYMM(window_start)",
        "project, model, feature, test, window_start, window_end",
    );
    // Append-only: every transition and every attempt is a row of its own.
    for (table, order) in [
        (Table::AlertEvents, "rule, fingerprint, time"),
        (Table::WebhookDeliveries, "rule, time, delivery_id, attempt"),
    ] {
        out.push(format!(
            "CREATE TABLE IF NOT EXISTS {db}.{} ({}) ENGINE = MergeTree PARTITION BY toYYYYMM(time) ORDER BY ({order})",
            table.name(),
            columns_of(&table.arrow_schema(), caps)
        ));
    }
    out
}

/// ClickHouse column definitions for an Arrow schema.
pub(crate) fn columns_of(schema: &SchemaRef, caps: &Capabilities) -> String {
    schema
        .fields()
        .iter()
        .map(|f| {
            let base = match f.data_type() {
                DataType::Utf8
                    if LABEL_COLUMNS.contains(&f.name().as_str()) && !f.is_nullable() =>
                {
                    caps.label_type()
                }
                DataType::Utf8 | DataType::Binary => "String",
                DataType::Float64 => "Float64",
                DataType::UInt64 => "UInt64",
                DataType::UInt32 => "UInt32",
                DataType::UInt16 => "UInt16",
                DataType::Int64 => "Int64",
                DataType::Int32 => "Int32",
                DataType::UInt8 => "UInt8",
                DataType::Timestamp(..) => caps.time_type(),
                other => unreachable!("no ClickHouse mapping for {other}"),
            };
            if f.is_nullable() {
                format!("`{}` Nullable({base})", f.name())
            } else {
                format!("`{}` {base}", f.name())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table rows are inserted into: the `_raw` table behind a deduplicating view, or the table.
pub(crate) fn storage_name(table: Table) -> String {
    match table {
        Table::AlertEvents | Table::WebhookDeliveries => table.name().to_owned(),
        _ => format!("{}_raw", table.name()),
    }
}
