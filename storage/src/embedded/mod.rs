//! The embedded store: each table is a directory of Parquet files under the data directory, written
//! one file per batch, compacted as they accumulate, and queried with DataFusion.
//!
//! As in ClickHouse, rows land in `<table>_raw` and `<table>` is a view that keeps the latest row
//! per dedup key, so the same SQL reads deduplicated data in both modes.

mod files;
mod read;
mod swap_lock;

pub use read::MAX_RESULT_ROWS;

/// Memory one query may hold.
const MAX_QUERY_MEMORY: usize = 2 << 30;

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
};

use arrow::{array::RecordBatch, datatypes::SchemaRef};
use datafusion::{
    dataframe::DataFrame,
    execution::{
        context::{SQLOptions, SessionContext},
        runtime_env::RuntimeEnvBuilder,
    },
    prelude::ParquetReadOptions,
    prelude::SessionConfig,
};
use sightline_schemas::{DeadLetter, Sink, SinkError, Table, TableBatch};

/// Tables the embedded store keeps: schema, dedup key, and the column whose latest value wins.
fn layout(table: Table) -> (SchemaRef, &'static str, &'static str) {
    let (key, version) = match table {
        Table::LlmEvents | Table::Feedback => ("event_id", "ingested_at"),
        Table::Evaluations => ("request_id, evaluator, metric", "ingested_at"),
        Table::DeadLetters => ("source, \"partition\", \"offset\"", "received_at"),
        Table::DriftReports => (
            "project, model, feature, test, window_start, window_end",
            "created_at",
        ),
        // Append-only on ClickHouse; the key only folds a batch written twice.
        Table::AlertEvents => ("rule, fingerprint, time, to_state, monitor_id", "time"),
        Table::WebhookDeliveries => ("delivery_id, attempt", "time"),
    };
    (table.arrow_schema(), key, version)
}

#[derive(Debug)]
pub struct ParquetStore {
    dir: PathBuf,
    sequence: u64,
    /// Files written since each table was last compacted.
    written: HashMap<Table, usize>,
    compaction: files::Compaction,
    swap_lock: swap_lock::SwapLock,
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
    #[error("the result has more than {0} rows; narrow the query or add a LIMIT")]
    TooManyRows(usize),
}

impl ParquetStore {
    /// Opens (creating if needed) the data directory.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, EmbeddedError> {
        let dir = dir.into();
        for table in Table::ALL {
            let path = dir.join(table.name());
            fs::create_dir_all(&path).map_err(|source| EmbeddedError::Io { path, source })?;
        }
        Ok(Self {
            swap_lock: swap_lock::SwapLock::new(&dir),
            dir,
            sequence: 0,
            written: HashMap::new(),
            compaction: files::Compaction::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A DataFusion session over the store's tables, with the deduplicating views. Private: only
    /// a query holding the swap lock may plan over it.
    async fn session(&self) -> Result<SessionContext, EmbeddedError> {
        // Queries past this much memory fail rather than take the machine, as on the ClickHouse
        // reader's profile.
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(MAX_QUERY_MEMORY, 1.0)
            .build_arc()?;
        let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
        for table in Table::ALL {
            let (schema, key, version) = layout(table);
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

    /// Runs a read-only query.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>, EmbeddedError> {
        let _reading = self.swap_lock.shared_async().await?;
        Ok(self.read_only(sql).await?.collect().await?)
    }

    /// Plans `sql` over the registered tables only. DataFusion itself refuses DDL, DML and
    /// statements here, so nothing can create, change or attach a table.
    async fn read_only(&self, sql: &str) -> Result<DataFrame, EmbeddedError> {
        let ctx = self.session().await?;
        let read_only = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        Ok(ctx.sql_with_options(sql, read_only).await?)
    }
}

impl Sink for ParquetStore {
    async fn write(&mut self, batch: TableBatch) -> Result<Vec<DeadLetter>, SinkError> {
        for (table, rows) in batch.tables {
            let dir = self.dir.join(table.name());
            self.sequence += 1;
            let seq = self.sequence;
            let written = self.written.entry(table).or_default();
            *written += 1;
            let compact = (*written >= self.compaction.every)
                .then(|| (self.compaction, layout(table).0, self.swap_lock.clone()));
            if compact.is_some() {
                *written = 0;
            }
            // File I/O and Parquet encoding block; keep them off the async workers. Compaction
            // runs in the same call, so a store busy compacting, or waiting for the queries
            // running to end before its swap, slows the pipeline rather than letting files pile up.
            let stored = tokio::task::spawn_blocking(move || {
                files::write(&dir, seq, &rows)?;
                match compact {
                    Some((policy, schema, lock)) => {
                        files::compact(&dir, seq, policy, &schema, &lock).map(|_| ())
                    }
                    None => Ok(()),
                }
            })
            .await
            .map_err(|e| SinkError {
                message: format!("storing {} rows: {e}", table.name()),
                retryable: false,
            })?;
            // A local disk that refuses a write will not do better on a retry loop; stop loudly.
            stored.map_err(|e| SinkError {
                message: format!("storing {} rows: {e}", table.name()),
                retryable: false,
            })?;
        }
        Ok(Vec::new())
    }
}
