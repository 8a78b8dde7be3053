//! The ClickHouse sink: batch inserts that retry transient failures forever, with exponential
//! backoff and jitter, and split a batch the server refuses as bad data until the bad rows stand
//! alone, so only they go to the dead-letter queue.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use arrow::array::RecordBatch;
use rand::Rng;
use sightline_schemas::{DeadLetter, Sink, SinkError, Table, TableBatch, Timestamp};

use super::{Clickhouse, ClickhouseError, migrations::storage_name, row_binary};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct ClickhouseSink {
    ch: Clickhouse,
    retries: Arc<AtomicU64>,
}

impl ClickhouseSink {
    /// A sink that counts each retried transient failure in `retries`.
    pub fn new(ch: Clickhouse, retries: Arc<AtomicU64>) -> Self {
        Self { ch, retries }
    }

    async fn insert_once(&self, table: Table, batch: &RecordBatch) -> Result<(), ClickhouseError> {
        let columns: Vec<String> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| format!("`{}`", f.name()))
            .collect();
        let sql = format!(
            "INSERT INTO {}.{} ({}) FORMAT RowBinary",
            self.ch.database(),
            storage_name(table),
            columns.join(", ")
        );
        let context = format!("inserting {} rows into {}", batch.num_rows(), table.name());
        let body = row_binary::encode(batch, self.ch.caps()).freeze();
        let mut insert = self.ch.client().insert_formatted_with(sql);
        insert
            .send(body)
            .await
            .map_err(|e| ClickhouseError::from_client(e, &context))?;
        insert
            .end()
            .await
            .map_err(|e| ClickhouseError::from_client(e, &context))
    }

    /// Inserts, retrying while the server is unavailable; returns the rows refused as bad data.
    fn insert<'a>(
        &'a self,
        table: Table,
        batch: RecordBatch,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<DeadLetter>, SinkError>> + Send + 'a>> {
        Box::pin(async move {
            let mut backoff = FIRST_BACKOFF;
            loop {
                match self.insert_once(table, &batch).await {
                    Ok(()) => return Ok(Vec::new()),
                    Err(e) if e.is_retryable() => {
                        self.retries.fetch_add(1, Ordering::Relaxed);
                        let pause = backoff.mul_f64(rand::rng().random_range(0.5..1.0));
                        tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64, "ClickHouse unavailable; retrying");
                        tokio::time::sleep(pause).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                    Err(e) if e.is_bad_data() && batch.num_rows() > 1 => {
                        let half = batch.num_rows() / 2;
                        let mut rejected = self.insert(table, batch.slice(0, half)).await?;
                        rejected.extend(
                            self.insert(table, batch.slice(half, batch.num_rows() - half))
                                .await?,
                        );
                        return Ok(rejected);
                    }
                    Err(e) if e.is_bad_data() => return Ok(vec![rejected_row(table, &batch, &e)]),
                    Err(e) => {
                        return Err(SinkError {
                            message: format!(
                                "{e}; check that `sightline migrate` has run against this database"
                            ),
                            retryable: false,
                        });
                    }
                }
            }
        })
    }
}

impl Sink for ClickhouseSink {
    /// Inserts into every table at once: the server writes each insert on a thread of its own, so
    /// a batch takes as long as its largest table rather than the sum of them.
    async fn write(&mut self, batch: TableBatch) -> Result<Vec<DeadLetter>, SinkError> {
        let inserts = batch
            .tables
            .into_iter()
            .map(|(table, rows)| self.insert(table, rows));
        let rejected = futures::future::try_join_all(inserts).await?;
        Ok(rejected.into_iter().flatten().collect())
    }
}

/// A single refused row as a dead letter, its payload the row rendered as JSON.
fn rejected_row(table: Table, row: &RecordBatch, error: &ClickhouseError) -> DeadLetter {
    let mut payload = Vec::new();
    let mut writer = arrow::json::LineDelimitedWriter::new(&mut payload);
    let _ = writer.write(row).and_then(|()| writer.finish());
    DeadLetter {
        source: format!("clickhouse:{}", table.name()),
        partition: -1,
        offset: -1,
        key: None,
        payload,
        reason: error.to_string(),
        reason_class: "store_rejected".into(),
        received_at: Timestamp::now(),
    }
}
