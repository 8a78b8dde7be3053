//! The embedded store as a [`Store`]: read-only SQL through DataFusion, streamed so a result past
//! the row limit stops early, rendered as JSON lines, CSV or an Arrow IPC stream.

use datafusion::error::DataFusionError;
use futures::StreamExt;
use sightline_schemas::{Dialect, QueryFormat, Store, StoreError, StoreErrorKind};

use super::{EmbeddedError, ParquetStore};

/// Rows a query may return, as on the ClickHouse reader's profile.
pub const MAX_RESULT_ROWS: usize = 100_000;

impl Store for ParquetStore {
    fn dialect(&self) -> Dialect {
        Dialect::DataFusion
    }

    async fn query(&self, sql: &str, format: QueryFormat) -> Result<Vec<u8>, StoreError> {
        self.collect_limited(sql)
            .await
            .map_err(classify)
            .and_then(|batches| {
                render(&batches, format)
                    .map_err(|e| StoreError::new(StoreErrorKind::Query, e.to_string()))
            })
    }
}

impl ParquetStore {
    async fn collect_limited(
        &self,
        sql: &str,
    ) -> Result<Vec<arrow::array::RecordBatch>, EmbeddedError> {
        let _reading = self.swap_lock.shared_async().await?;
        let mut stream = self.read_only(sql).await?.execute_stream().await?;
        let (mut batches, mut rows) = (Vec::new(), 0);
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            rows += batch.num_rows();
            if rows > MAX_RESULT_ROWS {
                return Err(EmbeddedError::TooManyRows(MAX_RESULT_ROWS));
            }
            batches.push(batch);
        }
        Ok(batches)
    }
}

fn classify(error: EmbeddedError) -> StoreError {
    let kind = match &error {
        EmbeddedError::TooManyRows(_) => StoreErrorKind::Limit,
        EmbeddedError::Query(DataFusionError::ResourcesExhausted(_)) => StoreErrorKind::Limit,
        EmbeddedError::Io { .. } => StoreErrorKind::Unavailable,
        _ => StoreErrorKind::Query,
    };
    StoreError::new(kind, error.to_string())
}

fn render(
    batches: &[arrow::array::RecordBatch],
    format: QueryFormat,
) -> Result<Vec<u8>, arrow::error::ArrowError> {
    let mut out = Vec::new();
    match format {
        QueryFormat::JsonLines => {
            let mut writer = arrow::json::LineDelimitedWriter::new(&mut out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
        }
        QueryFormat::Csv => {
            let mut writer = arrow::csv::Writer::new(&mut out);
            for batch in batches {
                writer.write(batch)?;
            }
        }
        QueryFormat::Arrow => {
            let Some(first) = batches.first() else {
                return Ok(out);
            };
            let mut writer = arrow::ipc::writer::StreamWriter::try_new(&mut out, &first.schema())?;
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use sightline_schemas::{
        DeadLetter, Sink, Table, TableBatch, Timestamp, side_tables::DeadLetterBuilder,
    };

    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    use super::*;
    use crate::embedded::files::Compaction;

    fn letters(from: i64, n: i64) -> TableBatch {
        let mut rows = DeadLetterBuilder::default();
        for offset in from..from + n {
            rows.push(&DeadLetter {
                source: "race".into(),
                partition: 0,
                offset,
                key: None,
                payload: b"{}".to_vec(),
                reason: "test".into(),
                reason_class: "test".into(),
                received_at: Timestamp::now(),
            });
        }
        let mut batch = TableBatch::default();
        batch.push(Table::DeadLetters, rows.finish().unwrap());
        batch
    }

    /// Compaction here rewrites the whole table every other write, far more often than the
    /// default policy; a reader must still never see a file vanish or a row twice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queries_during_constant_compaction_see_every_row_once() {
        let dir = std::env::temp_dir().join(format!(
            "sightline-race-{}-{}",
            std::process::id(),
            Timestamp::now().millis()
        ));
        let mut writer = ParquetStore::open(&dir).unwrap();
        writer.compaction = Compaction {
            every: 2,
            small_bytes: u64::MAX,
            min_files: 2,
            max_files: 64,
        };
        let reader = ParquetStore::open(&dir).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let rows = 5;
        let writing = tokio::spawn({
            let stop = stop.clone();
            async move {
                let mut writes = 0;
                while !stop.load(Ordering::Relaxed) {
                    writer.write(letters(writes * rows, rows)).await.unwrap();
                    writes += 1;
                }
                writes
            }
        });
        for query in 0..50 {
            let answer = Store::query(
                &reader,
                "SELECT count(*) = count(DISTINCT \"offset\") AS once FROM dead_letters_raw",
                QueryFormat::JsonLines,
            )
            .await
            .unwrap_or_else(|e| panic!("query {query} failed: {}", e.message));
            assert_eq!(
                answer, b"{\"once\":true}\n",
                "query {query} saw a row twice"
            );
        }
        stop.store(true, Ordering::Relaxed);
        let writes = writing.await.unwrap();
        let answer = Store::query(
            &reader,
            "SELECT count(*) AS n FROM dead_letters",
            QueryFormat::JsonLines,
        )
        .await
        .unwrap();
        assert_eq!(
            String::from_utf8(answer).unwrap().trim(),
            format!("{{\"n\":{}}}", writes * rows)
        );
        assert!(
            writes > 20,
            "only {writes} writes, {} compactions, ran beside the queries",
            writes / 2
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
