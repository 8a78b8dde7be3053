//! Arrow layout of the monitor's own tables: `alert_events`, one row per alert state transition,
//! and `webhook_deliveries`, one row per webhook attempt.

use std::sync::{Arc, LazyLock};

use arrow::{
    array::{
        ArrayRef, Float64Builder, RecordBatch, StringBuilder, TimestampMillisecondBuilder,
        UInt8Builder, UInt16Builder, UInt32Builder,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
    error::ArrowError,
};

use crate::Timestamp;

fn time() -> Field {
    Field::new(
        "time",
        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        false,
    )
}

fn text(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn times() -> TimestampMillisecondBuilder {
    TimestampMillisecondBuilder::new().with_timezone("UTC")
}

static ALERT_EVENTS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        time(),
        text("rule", false),
        text("fingerprint", false),
        text("labels", false),
        text("from_state", false),
        text("to_state", false),
        Field::new("value", DataType::Float64, true),
        text("message", false),
        text("monitor_id", false),
    ]))
});

pub fn alert_events_schema() -> SchemaRef {
    ALERT_EVENTS.clone()
}

/// One transition of one alert: a rule and one label set.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    pub time: Timestamp,
    pub rule: String,
    /// Identifies the label set within the rule.
    pub fingerprint: String,
    /// The label set as a JSON object.
    pub labels: String,
    pub from_state: String,
    pub to_state: String,
    /// The metric's value at the transition; none once the series has no rows.
    pub value: Option<f64>,
    pub message: String,
    pub monitor_id: String,
}

pub fn alert_events_batch(rows: &[AlertEvent]) -> Result<RecordBatch, ArrowError> {
    let mut time = times();
    let mut text: Vec<StringBuilder> = (0..7).map(|_| StringBuilder::new()).collect();
    let mut value = Float64Builder::new();
    for r in rows {
        time.append_value(r.time.millis());
        for (builder, v) in text.iter_mut().zip([
            &r.rule,
            &r.fingerprint,
            &r.labels,
            &r.from_state,
            &r.to_state,
            &r.message,
            &r.monitor_id,
        ]) {
            builder.append_value(v);
        }
        value.append_option(r.value);
    }
    let mut text = text
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef);
    let mut next = || text.next().expect("seven text columns");
    let columns: Vec<ArrayRef> = vec![
        Arc::new(time.finish()),
        next(),
        next(),
        next(),
        next(),
        next(),
        Arc::new(value.finish()),
        next(),
        next(),
    ];
    RecordBatch::try_new(alert_events_schema(), columns)
}

static WEBHOOK_DELIVERIES: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        time(),
        text("delivery_id", false),
        text("idempotency_key", false),
        text("rule", false),
        text("action", false),
        text("url", false),
        Field::new("attempt", DataType::UInt32, false),
        Field::new("status_code", DataType::UInt16, true),
        Field::new("ok", DataType::UInt8, false),
        text("error", true),
        Field::new("duration_ms", DataType::Float64, false),
        // What the receiver answered that matters, such as the version a rollback made active.
        text("detail", true),
    ]))
});

pub fn webhook_deliveries_schema() -> SchemaRef {
    WEBHOOK_DELIVERIES.clone()
}

/// One attempt to deliver one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    pub time: Timestamp,
    /// The same for every attempt of one delivery.
    pub delivery_id: String,
    /// The same for every delivery of one notification, across retries and restarts.
    pub idempotency_key: String,
    pub rule: String,
    pub action: String,
    pub url: String,
    /// From 1.
    pub attempt: u32,
    pub status_code: Option<u16>,
    pub ok: bool,
    pub error: Option<String>,
    pub duration_ms: f64,
    pub detail: Option<String>,
}

pub fn webhook_deliveries_batch(rows: &[WebhookDelivery]) -> Result<RecordBatch, ArrowError> {
    let mut time = times();
    let mut text: Vec<StringBuilder> = (0..5).map(|_| StringBuilder::new()).collect();
    let (mut attempt, mut status, mut ok) = (
        UInt32Builder::new(),
        UInt16Builder::new(),
        UInt8Builder::new(),
    );
    let (mut error, mut duration, mut detail) = (
        StringBuilder::new(),
        Float64Builder::new(),
        StringBuilder::new(),
    );
    for r in rows {
        time.append_value(r.time.millis());
        for (builder, v) in text.iter_mut().zip([
            &r.delivery_id,
            &r.idempotency_key,
            &r.rule,
            &r.action,
            &r.url,
        ]) {
            builder.append_value(v);
        }
        attempt.append_value(r.attempt);
        status.append_option(r.status_code);
        ok.append_value(u8::from(r.ok));
        error.append_option(r.error.as_deref());
        duration.append_value(r.duration_ms);
        detail.append_option(r.detail.as_deref());
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(time.finish())];
    columns.extend(
        text.into_iter()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef),
    );
    columns.extend([
        Arc::new(attempt.finish()) as ArrayRef,
        Arc::new(status.finish()),
        Arc::new(ok.finish()),
        Arc::new(error.finish()),
        Arc::new(duration.finish()),
        Arc::new(detail.finish()),
    ]);
    RecordBatch::try_new(webhook_deliveries_schema(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_match_their_schemas() {
        let event = AlertEvent {
            time: Timestamp(1_000),
            rule: "slow".into(),
            fingerprint: "ab".into(),
            labels: "{}".into(),
            from_state: "pending".into(),
            to_state: "firing".into(),
            value: None,
            message: String::new(),
            monitor_id: "m".into(),
        };
        assert_eq!(alert_events_batch(&[event]).unwrap().num_rows(), 1);
        let delivery = WebhookDelivery {
            time: Timestamp(1_000),
            delivery_id: "d".into(),
            idempotency_key: "k".into(),
            rule: "slow".into(),
            action: "rollback".into(),
            url: "http://127.0.0.1/".into(),
            attempt: 1,
            status_code: Some(500),
            ok: false,
            error: Some("HTTP 500".into()),
            duration_ms: 1.5,
            detail: None,
        };
        let batch = webhook_deliveries_batch(&[delivery]).unwrap();
        assert_eq!(batch.num_rows(), 1);
        assert_eq!(batch.schema(), webhook_deliveries_schema());
    }
}
