//! The tables Sightline writes, and the batch of rows a sink receives.
//!
//! Every table travels as an Arrow `RecordBatch`, so one encoder per store serves them all.

use arrow::{array::RecordBatch, datatypes::SchemaRef};

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

    pub fn num_rows(&self) -> usize {
        self.tables.iter().map(|(_, b)| b.num_rows()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.num_rows() == 0
    }
}
