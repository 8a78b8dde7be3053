//! The embedded store: each table is a directory of Parquet files under the data directory, written
//! one file per batch and queried with DataFusion.
//!
//! As in ClickHouse, rows land in `<table>_raw` and `<table>` is a view that keeps the latest row
//! per dedup key, so the same SQL reads deduplicated data in both modes.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use arrow::{array::RecordBatch, datatypes::SchemaRef};
use datafusion::{
    execution::context::{SQLOptions, SessionContext},
    prelude::ParquetReadOptions,
};
use parquet::{arrow::ArrowWriter, basic::Compression, file::properties::WriterProperties};
use sightline_schemas::{DeadLetter, Sink, SinkError, Table, TableBatch, llm_events, side_tables};

/// Tables the embedded store keeps: schema, dedup key, and the column whose latest value wins.
fn layout(table: Table) -> Option<(SchemaRef, &'static str, &'static str)> {
    match table {
        Table::LlmEvents => Some((llm_events::schema(), "event_id", "ingested_at")),
        Table::Feedback => Some((side_tables::feedback_schema(), "event_id", "ingested_at")),
        Table::DeadLetters => Some((
            side_tables::dead_letters_schema(),
            "source, \"partition\", \"offset\"",
            "received_at",
        )),
        _ => None,
    }
}

#[derive(Debug)]
pub struct ParquetStore {
    dir: PathBuf,
    sequence: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("data directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("{0}")]
    Query(#[from] datafusion::error::DataFusionError),
    #[error("{0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

impl ParquetStore {
    /// Opens (creating if needed) the data directory.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, EmbeddedError> {
        let dir = dir.into();
        for table in Table::ALL.into_iter().filter(|t| layout(*t).is_some()) {
            let path = dir.join(table.name());
            fs::create_dir_all(&path).map_err(|source| EmbeddedError::Io { path, source })?;
        }
        Ok(Self {
            dir,
            sequence: AtomicU64::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A DataFusion session over the store's tables, with the deduplicating views.
    pub async fn session(&self) -> Result<SessionContext, EmbeddedError> {
        let ctx = SessionContext::new();
        for table in Table::ALL {
            let Some((schema, key, version)) = layout(table) else {
                continue;
            };
            let name = table.name();
            let path = self.dir.join(name);
            let options = ParquetReadOptions {
                schema: Some(&schema),
                ..ParquetReadOptions::default()
            };
            ctx.register_parquet(format!("{name}_raw"), path.display().to_string(), options)
                .await?;
            let view = format!(
                "CREATE VIEW {name} AS SELECT * EXCLUDE (sightline_rank) FROM \
                 (SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY {version} DESC) AS sightline_rank FROM {name}_raw) \
                 WHERE sightline_rank = 1"
            );
            ctx.sql(&view).await?;
        }
        Ok(ctx)
    }

    /// Runs a read-only query. DataFusion itself refuses DDL, DML and statements here.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>, EmbeddedError> {
        let ctx = self.session().await?;
        let read_only = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        Ok(ctx
            .sql_with_options(sql, read_only)
            .await?
            .collect()
            .await?)
    }
}

/// Writes one batch as a new Parquet file, made visible only once complete.
fn write_file(
    dir: &Path,
    seq: u64,
    table: Table,
    batch: &RecordBatch,
) -> Result<(), EmbeddedError> {
    let name = format!(
        "part-{}-{}-{seq:06}.parquet",
        chrono_millis(),
        std::process::id()
    );
    let dir = dir.join(table.name());
    let tmp = dir.join(format!(".{name}.tmp"));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| EmbeddedError::Io { path, source }
    };
    let file = fs::File::create(&tmp).map_err(io(&tmp))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))?;
    writer.write(batch)?;
    writer.close()?;
    fs::rename(&tmp, dir.join(&name)).map_err(io(&tmp))
}

fn chrono_millis() -> i64 {
    sightline_schemas::Timestamp::now().millis()
}

impl Sink for ParquetStore {
    async fn write(&mut self, batch: TableBatch) -> Result<Vec<DeadLetter>, SinkError> {
        for (table, rows) in batch.tables {
            let dir = self.dir.clone();
            let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
            // File I/O and Parquet encoding block; keep them off the async workers.
            let written = tokio::task::spawn_blocking(move || write_file(&dir, seq, table, &rows))
                .await
                .map_err(|e| SinkError {
                    message: format!("storing {} rows: {e}", table.name()),
                    retryable: false,
                })?;
            // A local disk that refuses a write will not do better on a retry loop; stop loudly.
            written.map_err(|e| SinkError {
                message: format!("storing {} rows: {e}", table.name()),
                retryable: false,
            })?;
        }
        Ok(Vec::new())
    }
}
