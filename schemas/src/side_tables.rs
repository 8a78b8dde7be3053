//! Arrow layouts and builders of the `feedback` and `dead_letters` tables.

use std::sync::{Arc, LazyLock};

use arrow::{
    array::{
        ArrayRef, BinaryBuilder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
        StringBuilder, TimestampMillisecondBuilder,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
    error::ArrowError,
};

use crate::{event::Event, event::Payload, timestamp::Timestamp};

fn utc_millis(name: &str) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        false,
    )
}

fn timestamps() -> TimestampMillisecondBuilder {
    TimestampMillisecondBuilder::new().with_timezone("UTC")
}

static FEEDBACK: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::Utf8, false),
        Field::new("request_id", DataType::Utf8, false),
        utc_millis("time"),
        Field::new("service", DataType::Utf8, false),
        Field::new("project", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("label", DataType::Utf8, true),
        Field::new("comment", DataType::Utf8, true),
        utc_millis("ingested_at"),
    ]))
});

pub fn feedback_schema() -> SchemaRef {
    FEEDBACK.clone()
}

/// Rows of `feedback`, one per feedback event.
#[derive(Debug)]
pub struct FeedbackBuilder {
    event_id: StringBuilder,
    request_id: StringBuilder,
    time: TimestampMillisecondBuilder,
    service: StringBuilder,
    project: StringBuilder,
    score: Float64Builder,
    label: StringBuilder,
    comment: StringBuilder,
    ingested_at: TimestampMillisecondBuilder,
}

impl Default for FeedbackBuilder {
    fn default() -> Self {
        Self {
            event_id: StringBuilder::new(),
            request_id: StringBuilder::new(),
            time: timestamps(),
            service: StringBuilder::new(),
            project: StringBuilder::new(),
            score: Float64Builder::new(),
            label: StringBuilder::new(),
            comment: StringBuilder::new(),
            ingested_at: timestamps(),
        }
    }
}

impl FeedbackBuilder {
    /// Adds a feedback event; other kinds are ignored. Returns the bytes of its label and comment,
    /// the parts of a row with no small bound on their size.
    pub fn push<S: AsRef<str>>(&mut self, event: &Event<S>, ingested_at: Timestamp) -> usize {
        let Payload::Feedback { feedback } = &event.payload else {
            return 0;
        };
        let h = &event.header;
        let label = feedback.label.as_ref().map(S::as_ref);
        let comment = feedback.comment.as_ref().map(S::as_ref);
        self.event_id.append_value(&h.event_id);
        self.request_id.append_value(&h.request_id);
        self.time.append_value(h.timestamp.millis());
        self.service.append_value(&h.service);
        self.project.append_value(&h.project);
        self.score.append_value(feedback.score);
        self.label.append_option(label);
        self.comment.append_option(comment);
        self.ingested_at.append_value(ingested_at.millis());
        label.map_or(0, str::len) + comment.map_or(0, str::len)
    }

    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.event_id.finish()),
            Arc::new(self.request_id.finish()),
            Arc::new(self.time.finish()),
            Arc::new(self.service.finish()),
            Arc::new(self.project.finish()),
            Arc::new(self.score.finish()),
            Arc::new(self.label.finish()),
            Arc::new(self.comment.finish()),
            Arc::new(self.ingested_at.finish()),
        ];
        RecordBatch::try_new(feedback_schema(), columns)
    }
}

static DEAD_LETTERS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("partition", DataType::Int32, false),
        Field::new("offset", DataType::Int64, false),
        Field::new("key", DataType::Binary, true),
        Field::new("payload", DataType::Binary, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("reason_class", DataType::Utf8, false),
        utc_millis("received_at"),
    ]))
});

pub fn dead_letters_schema() -> SchemaRef {
    DEAD_LETTERS.clone()
}

/// A rejected event: where it came from, its original bytes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The topic, or `http` / `channel` for the embedded sources.
    pub source: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
    pub reason: String,
    pub reason_class: String,
    pub received_at: Timestamp,
}

/// Rows of `dead_letters`.
#[derive(Debug)]
pub struct DeadLetterBuilder {
    source: StringBuilder,
    partition: Int32Builder,
    offset: Int64Builder,
    key: BinaryBuilder,
    payload: BinaryBuilder,
    reason: StringBuilder,
    reason_class: StringBuilder,
    received_at: TimestampMillisecondBuilder,
}

impl Default for DeadLetterBuilder {
    fn default() -> Self {
        Self {
            source: StringBuilder::new(),
            partition: Int32Builder::new(),
            offset: Int64Builder::new(),
            key: BinaryBuilder::new(),
            payload: BinaryBuilder::new(),
            reason: StringBuilder::new(),
            reason_class: StringBuilder::new(),
            received_at: timestamps(),
        }
    }
}

impl DeadLetterBuilder {
    pub fn push(&mut self, d: &DeadLetter) {
        self.source.append_value(&d.source);
        self.partition.append_value(d.partition);
        self.offset.append_value(d.offset);
        self.key.append_option(d.key.as_deref());
        self.payload.append_value(&d.payload);
        self.reason.append_value(&d.reason);
        self.reason_class.append_value(&d.reason_class);
        self.received_at.append_value(d.received_at.millis());
    }

    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.source.finish()),
            Arc::new(self.partition.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.key.finish()),
            Arc::new(self.payload.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.reason_class.finish()),
            Arc::new(self.received_at.finish()),
        ];
        RecordBatch::try_new(dead_letters_schema(), columns)
    }
}
