//! The Arrow layout and builder of `evaluations`: one row per (exchange, evaluator, metric), as
//! OpenTelemetry's `gen_ai.evaluation.result` has it.

use std::sync::{Arc, LazyLock};

use arrow::{
    array::{
        ArrayBuilder, AsArray, Float64Builder, RecordBatch, StringArray, StringBuilder,
        TimestampMillisecondArray, TimestampMillisecondBuilder,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit, TimestampMillisecondType},
    error::ArrowError,
};

use crate::evaluate::Score;

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let time = |name: &str| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        )
    };
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("request_id", false),
        text("event_id", false),
        time("time"),
        text("project", false),
        text("model", false),
        text("model_version", false),
        text("evaluator", false),
        text("metric", false),
        Field::new("score", DataType::Float64, true),
        text("label", true),
        text("explanation", true),
        text("evaluator_version", false),
        time("ingested_at"),
    ]))
});

pub fn evaluations_schema() -> SchemaRef {
    SCHEMA.clone()
}

/// The `llm_events` columns every score row repeats.
#[derive(Debug)]
pub struct RowContext {
    request_id: StringArray,
    event_id: StringArray,
    time: TimestampMillisecondArray,
    project: StringArray,
    model: StringArray,
    model_version: StringArray,
    ingested_at: TimestampMillisecondArray,
}

impl RowContext {
    pub fn of(llm_events: &RecordBatch) -> Result<Self, ArrowError> {
        let column = |name: &str| {
            llm_events
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| ArrowError::SchemaError(format!("llm_events has no {name}")))
        };
        let text = |name: &str| column(name).map(|c| c.as_string::<i32>().clone());
        let time =
            |name: &str| column(name).map(|c| c.as_primitive::<TimestampMillisecondType>().clone());
        Ok(Self {
            request_id: text("request_id")?,
            event_id: text("event_id")?,
            time: time("request_time")?,
            project: text("project")?,
            model: text("model")?,
            model_version: text("model_version")?,
            ingested_at: time("ingested_at")?,
        })
    }
}

#[derive(Debug)]
pub struct EvaluationsBuilder {
    request_id: StringBuilder,
    event_id: StringBuilder,
    time: TimestampMillisecondBuilder,
    project: StringBuilder,
    model: StringBuilder,
    model_version: StringBuilder,
    evaluator: StringBuilder,
    metric: StringBuilder,
    score: Float64Builder,
    label: StringBuilder,
    explanation: StringBuilder,
    evaluator_version: StringBuilder,
    ingested_at: TimestampMillisecondBuilder,
}

impl Default for EvaluationsBuilder {
    fn default() -> Self {
        let ts = || TimestampMillisecondBuilder::new().with_timezone("UTC");
        Self {
            request_id: StringBuilder::new(),
            event_id: StringBuilder::new(),
            time: ts(),
            project: StringBuilder::new(),
            model: StringBuilder::new(),
            model_version: StringBuilder::new(),
            evaluator: StringBuilder::new(),
            metric: StringBuilder::new(),
            score: Float64Builder::new(),
            label: StringBuilder::new(),
            explanation: StringBuilder::new(),
            evaluator_version: StringBuilder::new(),
            ingested_at: ts(),
        }
    }
}

impl EvaluationsBuilder {
    pub fn push(&mut self, row: &RowContext, evaluator: &str, version: &str, score: &Score) {
        let i = score.row;
        self.request_id.append_value(row.request_id.value(i));
        self.event_id.append_value(row.event_id.value(i));
        self.time.append_value(row.time.value(i));
        self.project.append_value(row.project.value(i));
        self.model.append_value(row.model.value(i));
        self.model_version.append_value(row.model_version.value(i));
        self.evaluator.append_value(evaluator);
        self.metric.append_value(score.metric);
        self.score
            .append_option(score.score.filter(|s| s.is_finite()));
        self.label.append_option(score.label.as_deref());
        self.explanation.append_option(score.explanation.as_deref());
        self.evaluator_version.append_value(version);
        self.ingested_at.append_value(row.ingested_at.value(i));
    }

    pub fn len(&self) -> usize {
        self.metric.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(
            evaluations_schema(),
            vec![
                Arc::new(self.request_id.finish()),
                Arc::new(self.event_id.finish()),
                Arc::new(self.time.finish()),
                Arc::new(self.project.finish()),
                Arc::new(self.model.finish()),
                Arc::new(self.model_version.finish()),
                Arc::new(self.evaluator.finish()),
                Arc::new(self.metric.finish()),
                Arc::new(self.score.finish()),
                Arc::new(self.label.finish()),
                Arc::new(self.explanation.finish()),
                Arc::new(self.evaluator_version.finish()),
                Arc::new(self.ingested_at.finish()),
            ],
        )
    }
}
