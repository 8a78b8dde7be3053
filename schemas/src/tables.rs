//! The tables Sightline writes, and the batch of rows a sink receives.
//!
//! Every table travels as an Arrow `RecordBatch`, so one encoder per store serves them all.

use arrow::{array::RecordBatch, compute::concat_batches, datatypes::SchemaRef, error::ArrowError};

use crate::{alert_tables, drift_reports, evaluations, llm_events, side_tables};

/// A table of the data model. Names are part of the user interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    LlmEvents,
    Evaluations,
    DriftReports,
    AlertEvents,
    WebhookDeliveries,
    Feedback,
    DeadLetters,
}

impl Table {
    pub const ALL: [Table; 7] = [
        Self::LlmEvents,
        Self::Evaluations,
        Self::DriftReports,
        Self::AlertEvents,
        Self::WebhookDeliveries,
        Self::Feedback,
        Self::DeadLetters,
    ];

    /// The Arrow layout of a table: what its rows are built as, and what the embedded store keeps.
    pub fn arrow_schema(self) -> SchemaRef {
        match self {
            Self::LlmEvents => llm_events::schema(),
            Self::Evaluations => evaluations::evaluations_schema(),
            Self::Feedback => side_tables::feedback_schema(),
            Self::DeadLetters => side_tables::dead_letters_schema(),
            Self::DriftReports => drift_reports::drift_reports_schema(),
            Self::AlertEvents => alert_tables::alert_events_schema(),
            Self::WebhookDeliveries => alert_tables::webhook_deliveries_schema(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::LlmEvents => "llm_events",
            Self::Evaluations => "evaluations",
            Self::DriftReports => "drift_reports",
            Self::AlertEvents => "alert_events",
            Self::WebhookDeliveries => "webhook_deliveries",
            Self::Feedback => "feedback",
            Self::DeadLetters => "dead_letters",
        }
    }
}

/// Rows for one or more tables, written together and acknowledged together.
#[derive(Debug, Clone, Default)]
pub struct TableBatch {
    pub tables: Vec<(Table, RecordBatch)>,
}

impl TableBatch {
    pub fn push(&mut self, table: Table, batch: RecordBatch) {
        if batch.num_rows() > 0 {
            self.tables.push((table, batch));
        }
    }

    /// Adds another batch's rows, table by table, after this one's.
    pub fn append(&mut self, other: TableBatch) -> Result<(), ArrowError> {
        for (table, rows) in other.tables {
            match self.tables.iter_mut().find(|(t, _)| *t == table) {
                Some((_, mine)) => *mine = concat_batches(&mine.schema(), [&*mine, &rows])?,
                None => self.tables.push((table, rows)),
            }
        }
        Ok(())
    }

    pub fn num_rows(&self) -> usize {
        self.tables.iter().map(|(_, b)| b.num_rows()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.num_rows() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::{
        array::{AsArray, Int64Array},
        datatypes::{DataType, Field, Int64Type, Schema},
    };

    use super::*;

    fn rows(values: &[i64]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(values.to_vec()))]).unwrap()
    }

    #[test]
    fn appending_joins_each_table_in_order() {
        let mut first = TableBatch::default();
        first.push(Table::LlmEvents, rows(&[1, 2]));
        let mut second = TableBatch::default();
        second.push(Table::LlmEvents, rows(&[3]));
        second.push(Table::Feedback, rows(&[9]));
        first.append(second).unwrap();

        assert_eq!(first.tables.len(), 2);
        let (table, joined) = &first.tables[0];
        assert_eq!(*table, Table::LlmEvents);
        let values: Vec<i64> = joined
            .column(0)
            .as_primitive::<Int64Type>()
            .values()
            .to_vec();
        assert_eq!(values, [1, 2, 3]);
        assert_eq!(first.tables[1].0, Table::Feedback);
        assert_eq!(first.num_rows(), 4);
    }
}
