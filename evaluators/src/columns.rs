//! Typed access to the `llm_events` columns an evaluator reads.

use arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};

pub fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("the batch has no {name} column"))
}

pub fn strings<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringArray, String> {
    column(batch, name).map(|c| c.as_string::<i32>())
}
