//! The scoring stage between the batcher and the sink. Each closed batch is scored on the blocking
//! pool, so CPU-bound evaluators never stall the reader, and the sink awaits batches in the order
//! they closed, so acknowledgements stay in order. Dead letters are redacted here too, before they
//! are stored or republished.

use std::time::Instant;

use sightline_schemas::{
    DeadLetter, Evaluators, SinkError, Table, TableBatch, side_tables::DeadLetterBuilder,
};

use crate::{batcher::Flushed, metrics::PipelineMetrics};

/// Widens and scores the batch's `llm_events`, adds its `evaluations`, and builds its
/// `dead_letters` from the (possibly redacted) letters. An evaluator that fails leaves its columns
/// empty for the batch; only a batch that cannot be assembled at all, which is a defect, stops the
/// pipeline, so that its rows are read again rather than lost.
pub(crate) fn score(
    evaluators: &Evaluators,
    mut flushed: Flushed,
    metrics: &PipelineMetrics,
) -> Result<Flushed, SinkError> {
    let started = Instant::now();
    evaluators.redact_dead_letters(&mut flushed.dead_letters);
    let mut scored = TableBatch::default();
    for (table, batch) in std::mem::take(&mut flushed.batch.tables) {
        if table != Table::LlmEvents {
            scored.push(table, batch);
            continue;
        }
        let evaluated = evaluators.apply(&batch).map_err(|e| SinkError {
            message: format!("assembling a scored batch: {e}"),
            retryable: false,
        })?;
        for failure in &evaluated.failures {
            metrics.evaluator_failed(failure.evaluator);
            tracing::warn!(error = %failure, "evaluator failed; its columns stay empty for this batch");
        }
        scored.push(Table::LlmEvents, evaluated.llm_events);
        scored.push(Table::Evaluations, evaluated.evaluations);
    }
    scored.push(Table::DeadLetters, dead_letter_batch(&flushed.dead_letters));
    flushed.batch = scored;
    metrics
        .evaluate_seconds
        .observe(started.elapsed().as_secs_f64());
    Ok(flushed)
}

pub(crate) fn dead_letter_batch(letters: &[DeadLetter]) -> arrow::array::RecordBatch {
    let mut builder = DeadLetterBuilder::default();
    letters.iter().for_each(|l| builder.push(l));
    // The builder's schema is fixed, so building cannot fail.
    builder.finish().expect("dead_letters batch")
}
