//! The sink side of the pipeline: takes each closed batch, in order, as the scoring stage finishes
//! it, writes it, sends its dead letters to the dead-letter topic, and only then acknowledges the
//! batch's source positions.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sightline_schemas::{DeadLetter, Sink, SinkError, Table, TableBatch};
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
    PipelineError, batcher::Flushed, dlq::DlqPublisher, metrics::PipelineMetrics,
    offsets::OffsetTracker, process::Processor, score,
};

/// A batch being scored; the sink awaits them in the order they were closed.
pub(crate) type Scoring = JoinHandle<Result<Flushed, SinkError>>;

const DLQ_RETRY: Duration = Duration::from_secs(1);

/// Closed batches that may wait for the sink; one more blocks the reader, which is the
/// backpressure. The sink takes a batch already waiting into the write it starts next, so it may
/// write two batches at a time while the reader fills a third: the rows held stay those of four
/// batches at most.
pub(crate) const QUEUED_BATCHES: usize = 1;

pub(crate) async fn run<S: Sink>(
    mut sink: S,
    mut batches: mpsc::Receiver<Scoring>,
    dlq: Option<DlqPublisher>,
    tracker: Arc<Mutex<OffsetTracker>>,
    metrics: Arc<PipelineMetrics>,
) -> Result<(), SinkError> {
    while let Some(scoring) = batches.recv().await {
        let mut flushed = scored(scoring).await?;
        // A batch that queued while the last write ran goes out with this one. Under a backlog the
        // store gets fewer, larger inserts, which for ClickHouse means fewer parts to create and
        // merge; with no backlog nothing waits for company. One only: while it is scored the
        // reader queues another, so taking every queued batch would grow one write without end.
        if let Ok(next) = batches.try_recv() {
            flushed.absorb(scored(next).await?).map_err(|e| SinkError {
                message: format!("joining queued batches: {e}"),
                retryable: false,
            })?;
        }
        let Flushed {
            batch,
            positions,
            pairs,
            mut dead_letters,
        } = flushed;
        let started = Instant::now();
        // Exchanges, feedback and dead letters: scores are rows of their own, several per exchange.
        let rows: usize = batch
            .tables
            .iter()
            .filter(|(t, _)| *t != Table::Evaluations)
            .map(|(_, b)| b.num_rows())
            .sum();
        let rejected = sink.write(batch).await?;
        if !rejected.is_empty() {
            metrics.store_rejected.add(rejected.len() as u64);
            sink.write(dead_letter_batch(&rejected)).await?;
            dead_letters.extend(rejected);
        }
        metrics
            .sink_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.batch_rows.observe(rows as f64);
        metrics.batches.inc();
        if let Some(dlq) = &dlq {
            publish_until_delivered(dlq, &dead_letters, &metrics).await;
        }
        tracker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .done(&positions, &pairs);
    }
    Ok(())
}

async fn scored(scoring: Scoring) -> Result<Flushed, SinkError> {
    scoring.await.map_err(|e| SinkError {
        message: format!("scoring a batch failed: {e}"),
        retryable: false,
    })?
}

fn dead_letter_batch(letters: &[DeadLetter]) -> TableBatch {
    let mut batch = TableBatch::default();
    batch.push(Table::DeadLetters, score::dead_letter_batch(letters));
    batch
}

async fn publish_until_delivered(
    dlq: &DlqPublisher,
    letters: &[DeadLetter],
    metrics: &PipelineMetrics,
) {
    if letters.is_empty() {
        return;
    }
    loop {
        match dlq.publish(letters).await {
            Ok(()) => {
                metrics.dlq_published.add(letters.len() as u64);
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, topic = dlq.topic(), "dead-letter topic unavailable; retrying");
                tokio::time::sleep(DLQ_RETRY).await;
            }
        }
    }
}

/// Closes the open batch, if any, starts scoring it on the blocking pool, and hands it to the sink
/// task; waits while [`QUEUED_BATCHES`] are already queued, which is what slows the reader down
/// when the sink or the evaluators are slow.
pub(crate) async fn flush(
    processor: &mut Processor,
    batches: &mpsc::Sender<Scoring>,
    tracker: &Mutex<OffsetTracker>,
    metrics: &Arc<PipelineMetrics>,
) {
    if let Some(flushed) = processor.batcher.flush() {
        tracker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .dispatched(&flushed.positions);
        let (evaluators, metrics) = (processor.evaluators.clone(), metrics.clone());
        let scoring =
            tokio::task::spawn_blocking(move || score::score(&evaluators, flushed, &metrics));
        // Fails only once the sink task has ended, which the worker loop reports.
        let _ = batches.send(scoring).await;
    }
}

pub(crate) fn task_failed(e: tokio::task::JoinError) -> SinkError {
    SinkError {
        message: format!("sink task failed: {e}"),
        retryable: false,
    }
}

/// Why the sink task ended while the worker was still reading.
pub(crate) fn ended(
    finished: Result<Result<(), SinkError>, tokio::task::JoinError>,
) -> PipelineError {
    PipelineError::Sink(match finished {
        Ok(Ok(())) => SinkError {
            message: "sink stopped unexpectedly".into(),
            retryable: false,
        },
        Ok(Err(e)) => e,
        Err(e) => task_failed(e),
    })
}
