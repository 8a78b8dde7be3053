//! Arrow layout of the `drift_reports` table: one row per window, feature and test.

use std::sync::{Arc, LazyLock};

use arrow::{
    array::{
        ArrayRef, Float64Builder, RecordBatch, StringBuilder, TimestampMillisecondBuilder,
        UInt8Builder, UInt64Builder,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
    error::ArrowError,
};

use crate::Timestamp;

static DRIFT_REPORTS: LazyLock<SchemaRef> = LazyLock::new(|| {
    let time = |name: &str| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        )
    };
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    let float = |name: &str, nullable| Field::new(name, DataType::Float64, nullable);
    Arc::new(Schema::new(vec![
        time("window_start"),
        time("window_end"),
        text("project", false),
        text("model", false),
        text("model_version", false),
        text("feature", false),
        text("test", false),
        float("statistic", false),
        float("normed", true),
        float("p_value", true),
        float("threshold", false),
        Field::new("drifted", DataType::UInt8, false),
        Field::new("n_ref", DataType::UInt64, false),
        Field::new("n_cur", DataType::UInt64, false),
        text("baseline", true),
        time("created_at"),
    ]))
});

pub fn drift_reports_schema() -> SchemaRef {
    DRIFT_REPORTS.clone()
}

/// One test of one feature in one window.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftReport {
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    pub project: String,
    pub model: String,
    /// Empty when the window covers every version of the model.
    pub model_version: String,
    pub feature: String,
    pub test: String,
    pub statistic: f64,
    pub normed: Option<f64>,
    pub p_value: Option<f64>,
    pub threshold: f64,
    pub drifted: bool,
    pub n_ref: u64,
    pub n_cur: u64,
    /// The pinned baseline compared against; none for a trailing window.
    pub baseline: Option<String>,
    pub created_at: Timestamp,
}

pub fn drift_reports_batch(rows: &[DriftReport]) -> Result<RecordBatch, ArrowError> {
    let times = || TimestampMillisecondBuilder::new().with_timezone("UTC");
    let (mut start, mut end, mut created) = (times(), times(), times());
    let mut text: Vec<StringBuilder> = (0..5).map(|_| StringBuilder::new()).collect();
    let (mut statistic, mut normed, mut p_value, mut threshold) = (
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
    );
    let mut drifted = UInt8Builder::new();
    let (mut n_ref, mut n_cur) = (UInt64Builder::new(), UInt64Builder::new());
    let mut baseline = StringBuilder::new();
    for r in rows {
        start.append_value(r.window_start.millis());
        end.append_value(r.window_end.millis());
        for (builder, value) in
            text.iter_mut()
                .zip([&r.project, &r.model, &r.model_version, &r.feature, &r.test])
        {
            builder.append_value(value);
        }
        statistic.append_value(r.statistic);
        normed.append_option(r.normed);
        p_value.append_option(r.p_value);
        threshold.append_value(r.threshold);
        drifted.append_value(u8::from(r.drifted));
        n_ref.append_value(r.n_ref);
        n_cur.append_value(r.n_cur);
        baseline.append_option(r.baseline.as_deref());
        created.append_value(r.created_at.millis());
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(start.finish()), Arc::new(end.finish())];
    columns.extend(text.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.extend([
        Arc::new(statistic.finish()) as ArrayRef,
        Arc::new(normed.finish()),
        Arc::new(p_value.finish()),
        Arc::new(threshold.finish()),
        Arc::new(drifted.finish()),
        Arc::new(n_ref.finish()),
        Arc::new(n_cur.finish()),
        Arc::new(baseline.finish()),
        Arc::new(created.finish()),
    ]);
    RecordBatch::try_new(drift_reports_schema(), columns)
}
