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
        match self.collect_limited_once(sql).await {
            Err(EmbeddedError::Query(e)) if vanished(&e) => self.collect_limited_once(sql).await,
            other => other,
        }
    }

    async fn collect_limited_once(
        &self,
        sql: &str,
    ) -> Result<Vec<arrow::array::RecordBatch>, EmbeddedError> {
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

/// Compaction may remove a file a query listed; the next listing will not have it.
pub(super) fn vanished(error: &DataFusionError) -> bool {
    matches!(error, DataFusionError::ObjectStore(_)) || error.to_string().contains("No such file")
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
