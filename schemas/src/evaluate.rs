//! The evaluator contract: an evaluator reads an `llm_events` batch and returns columns for it
//! (new ones, or replacements such as redacted text) and scores for the `evaluations` table.
//! [`Evaluators`] runs a configured list of them over a batch, in order, so a later evaluator sees
//! the columns of an earlier one.

use std::sync::Arc;

use arrow::{
    array::{ArrayRef, RecordBatch, new_null_array},
    error::ArrowError,
};

use crate::{
    DeadLetter,
    evaluations::{EvaluationsBuilder, RowContext},
};

/// One score of one exchange, for the long-format `evaluations` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// The row of the batch the score belongs to.
    pub row: usize,
    pub metric: &'static str,
    pub score: Option<f64>,
    pub label: Option<String>,
    pub explanation: Option<String>,
}

/// What an evaluator made of a batch.
#[derive(Debug, Default)]
pub struct Scored {
    /// `llm_events` columns by name, one value per row.
    pub columns: Vec<(&'static str, ArrayRef)>,
    pub scores: Vec<Score>,
}

#[derive(Debug, thiserror::Error)]
#[error("evaluator {evaluator}: {message}")]
pub struct EvaluatorError {
    pub evaluator: &'static str,
    pub message: String,
}

pub trait Evaluator: Send + Sync + std::fmt::Debug {
    /// The name used in config and in the `evaluator` column.
    fn name(&self) -> &'static str;

    /// Recorded with every score, so scores from different versions can be told apart.
    fn version(&self) -> String;

    fn evaluate(&self, batch: &RecordBatch) -> Result<Scored, EvaluatorError>;

    /// Counters the evaluator keeps, as (outcome, total), exported per evaluator.
    fn counters(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    /// Masks what must not be stored in text kept outside `llm_events`, such as dead letters.
    fn redact_text(&self, _text: &str) -> Option<String> {
        None
    }

    /// Columns that must not be stored as they are if this evaluator fails on a batch: a redactor
    /// names the texts it would have rewritten, and they are stored empty instead.
    fn withhold_on_failure(&self) -> &[&'static str] {
        &[]
    }
}

/// The evaluators a pipeline runs, in order.
#[derive(Debug, Clone, Default)]
pub struct Evaluators {
    list: Arc<Vec<Box<dyn Evaluator>>>,
}

/// An evaluated batch: `llm_events` with every evaluator column, its scores, and the evaluators
/// that failed on it, whose columns stay null.
#[derive(Debug)]
pub struct Evaluated {
    pub llm_events: RecordBatch,
    pub evaluations: RecordBatch,
    pub failures: Vec<EvaluatorError>,
}

impl Evaluators {
    pub fn new(list: Vec<Box<dyn Evaluator>>) -> Self {
        Self {
            list: Arc::new(list),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Evaluator> {
        self.list.iter().map(|e| e.as_ref())
    }

    /// Widens a base `llm_events` batch to the full schema and runs every evaluator over it. An
    /// evaluator that fails is recorded and skipped; an error here means the columns an evaluator
    /// returned do not fit the schema, which is a defect.
    pub fn apply(&self, base: &RecordBatch) -> Result<Evaluated, ArrowError> {
        let mut batch = Self::widen(base)?;
        let context = RowContext::of(&batch)?;
        let mut evaluations = EvaluationsBuilder::default();
        let mut failures = Vec::new();
        for evaluator in self.iter() {
            // A panic in one evaluator is that evaluator's failure, not the pipeline's: otherwise
            // one unlucky text would stop every worker that reads it, again and again.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                evaluator.evaluate(&batch)
            }))
            .unwrap_or_else(|_| {
                Err(EvaluatorError {
                    evaluator: evaluator.name(),
                    message: "panicked; see the log".into(),
                })
            });
            let scored = match outcome {
                Ok(scored) => scored,
                Err(e) => {
                    failures.push(e);
                    let withheld = evaluator
                        .withhold_on_failure()
                        .iter()
                        .filter_map(|name| {
                            let field = batch.schema().field_with_name(name).ok()?.clone();
                            Some((*name, new_null_array(field.data_type(), batch.num_rows())))
                        })
                        .collect();
                    batch = replace_columns(&batch, withheld)?;
                    continue;
                }
            };
            batch = replace_columns(&batch, scored.columns)?;
            let version = evaluator.version();
            for score in &scored.scores {
                evaluations.push(&context, evaluator.name(), &version, score);
            }
        }
        Ok(Evaluated {
            llm_events: batch,
            evaluations: evaluations.finish()?,
            failures,
        })
    }

    /// The base batch with a null column for each evaluator column it lacks.
    pub fn widen(base: &RecordBatch) -> Result<RecordBatch, ArrowError> {
        let full = crate::llm_events::schema();
        let rows = base.num_rows();
        let columns = full
            .fields()
            .iter()
            .map(|f| match base.column_by_name(f.name()) {
                Some(c) => c.clone(),
                None => new_null_array(f.data_type(), rows),
            })
            .collect();
        RecordBatch::try_new(full, columns)
    }

    /// Redacts dead letters, payload and reason (which may quote the payload), with every
    /// evaluator that redacts.
    pub fn redact_dead_letters(&self, letters: &mut [DeadLetter]) {
        for evaluator in self.iter() {
            for letter in letters.iter_mut() {
                let text = String::from_utf8_lossy(&letter.payload);
                if let Some(redacted) = evaluator.redact_text(&text) {
                    letter.payload = redacted.into_bytes();
                }
                if let Some(redacted) = evaluator.redact_text(&letter.reason) {
                    letter.reason = redacted;
                }
            }
        }
    }
}

fn replace_columns(
    batch: &RecordBatch,
    replacements: Vec<(&'static str, ArrayRef)>,
) -> Result<RecordBatch, ArrowError> {
    let schema = batch.schema();
    let mut columns = batch.columns().to_vec();
    for (name, column) in replacements {
        let index = schema.index_of(name)?;
        if column.data_type() != schema.field(index).data_type() || column.len() != batch.num_rows()
        {
            return Err(ArrowError::SchemaError(format!(
                "column {name}: an evaluator returned {} values of {}, expected {} of {}",
                column.len(),
                column.data_type(),
                batch.num_rows(),
                schema.field(index).data_type()
            )));
        }
        columns[index] = column;
    }
    RecordBatch::try_new(schema, columns)
}
