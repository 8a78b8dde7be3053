//! The `Sink` trait: where batches of rows go, in either mode.

use std::future::Future;

use crate::{side_tables::DeadLetter, tables::TableBatch};

/// Writes batches durably. Implementations retry transient failures themselves, for as long as it
/// takes, so a returned `Ok` means every row is stored or was rejected on its own merits.
pub trait Sink: Send + 'static {
    /// Stores the batch. Rows the store refused permanently come back as dead letters, each with the
    /// store's reason; the rest of the batch is stored.
    fn write(
        &mut self,
        batch: TableBatch,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, SinkError>> + Send;
}

/// A failure the sink could not retry its way out of: misconfiguration, not bad data.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SinkError {
    pub message: String,
    /// Whether trying again later could succeed (the store is unreachable), as opposed to a setup
    /// problem such as a missing table.
    pub retryable: bool,
}
