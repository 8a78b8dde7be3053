//! The Arrow layout of `llm_events` and a builder that turns exchanges into a `RecordBatch`.
//!
//! Column names are part of the user interface: data scientists query them in ClickHouse and in the
//! embedded Parquet store alike. The builder makes the base columns; the evaluators fill the columns
//! after them, which stay null where an evaluator is switched off.

use std::{
    collections::BTreeMap,
    sync::{Arc, LazyLock},
};

use arrow::{
    array::{
        ArrayBuilder, ArrayRef, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
        TimestampMillisecondBuilder, UInt64Builder,
    },
    datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit},
    error::ArrowError,
};
use serde::{Serialize, Serializer};

use crate::{exchange::Exchange, timestamp::Timestamp};

fn utc_millis() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

fn text(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn float(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

fn count(name: &str) -> Field {
    Field::new(name, DataType::UInt64, true)
}

static BASE: LazyLock<SchemaRef> = LazyLock::new(|| {
    let (s, f, u) = (text, float, count);
    Arc::new(Schema::new(vec![
        s("event_id", false),
        s("request_id", false),
        s("trace_id", true),
        s("span_id", true),
        s("parent_span_id", true),
        s("session_id", true),
        s("user_id", true),
        s("service", false),
        s("environment", false),
        s("project", false),
        s("provider", false),
        s("model", false),
        s("model_version", false),
        s("operation", false),
        s("status", false),
        s("error_type", true),
        s("finish_reason", true),
        Field::new("request_time", utc_millis(), false),
        Field::new("response_time", utc_millis(), true),
        f("latency_ms"),
        f("ttft_ms"),
        f("queue_ms"),
        u("input_tokens"),
        u("output_tokens"),
        u("cache_read_tokens"),
        u("reasoning_tokens"),
        Field::new("cost_supplied_nusd", DataType::Int64, true),
        s("prompt", true),
        s("output", true),
        s("attributes", false),
        Field::new("ingested_at", utc_millis(), false),
    ]))
});

static FULL: LazyLock<SchemaRef> = LazyLock::new(|| {
    let nano_usd = |name: &str| Field::new(name, DataType::Int64, true);
    let mut fields: Vec<Field> = BASE.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.extend([
        // latency
        float("tokens_per_s"),
        text("error_class", true),
        // cost: the effective cost is the supplied one when there is one, else the computed one
        nano_usd("cost_nusd"),
        nano_usd("cost_computed_nusd"),
        text("price_id", true),
        // toxicity
        float("offensive_language"),
        float("offensive_language_prompt"),
        text("offensive_label", true),
        // bias: comma-separated axis:group tags
        text("identity_groups_prompt", true),
        text("identity_groups_output", true),
        float("counterfactual_gap"),
        // PII: detections per type, in prompt and output together
        count("pii_email"),
        count("pii_phone"),
        count("pii_credit_card"),
        count("pii_ip"),
        count("pii_iban"),
        count("pii_national_id"),
    ]);
    Arc::new(Schema::new(fields))
});

/// Every column of `llm_events`, the base ones then the evaluators'.
pub fn schema() -> SchemaRef {
    FULL.clone()
}

/// The columns the builder makes, before evaluators add theirs.
pub fn base_schema() -> SchemaRef {
    BASE.clone()
}

/// Accumulates exchanges column by column.
#[derive(Debug)]
pub struct LlmEventsBuilder {
    event_id: StringBuilder,
    request_id: StringBuilder,
    trace_id: StringBuilder,
    span_id: StringBuilder,
    parent_span_id: StringBuilder,
    session_id: StringBuilder,
    user_id: StringBuilder,
    service: StringBuilder,
    environment: StringBuilder,
    project: StringBuilder,
    provider: StringBuilder,
    model: StringBuilder,
    model_version: StringBuilder,
    operation: StringBuilder,
    status: StringBuilder,
    error_type: StringBuilder,
    finish_reason: StringBuilder,
    request_time: TimestampMillisecondBuilder,
    response_time: TimestampMillisecondBuilder,
    latency_ms: Float64Builder,
    ttft_ms: Float64Builder,
    queue_ms: Float64Builder,
    input_tokens: UInt64Builder,
    output_tokens: UInt64Builder,
    cache_read_tokens: UInt64Builder,
    reasoning_tokens: UInt64Builder,
    cost_supplied_nusd: Int64Builder,
    prompt: StringBuilder,
    output: StringBuilder,
    attributes: StringBuilder,
    ingested_at: TimestampMillisecondBuilder,
    /// Where a row's attributes are written as JSON before they are appended.
    scratch: Vec<u8>,
}

impl Default for LlmEventsBuilder {
    fn default() -> Self {
        let ts = || TimestampMillisecondBuilder::new().with_timezone("UTC");
        Self {
            event_id: StringBuilder::new(),
            request_id: StringBuilder::new(),
            trace_id: StringBuilder::new(),
            span_id: StringBuilder::new(),
            parent_span_id: StringBuilder::new(),
            session_id: StringBuilder::new(),
            user_id: StringBuilder::new(),
            service: StringBuilder::new(),
            environment: StringBuilder::new(),
            project: StringBuilder::new(),
            provider: StringBuilder::new(),
            model: StringBuilder::new(),
            model_version: StringBuilder::new(),
            operation: StringBuilder::new(),
            status: StringBuilder::new(),
            error_type: StringBuilder::new(),
            finish_reason: StringBuilder::new(),
            request_time: ts(),
            response_time: ts(),
            latency_ms: Float64Builder::new(),
            ttft_ms: Float64Builder::new(),
            queue_ms: Float64Builder::new(),
            input_tokens: UInt64Builder::new(),
            output_tokens: UInt64Builder::new(),
            cache_read_tokens: UInt64Builder::new(),
            reasoning_tokens: UInt64Builder::new(),
            cost_supplied_nusd: Int64Builder::new(),
            prompt: StringBuilder::new(),
            output: StringBuilder::new(),
            attributes: StringBuilder::new(),
            ingested_at: ts(),
            scratch: Vec::new(),
        }
    }
}

impl LlmEventsBuilder {
    pub fn len(&self) -> usize {
        self.event_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a row; returns the bytes of its texts and attributes, the parts of a row with no
    /// small bound on their size.
    pub fn push<S: AsRef<str>>(&mut self, x: &Exchange<S>, ingested_at: Timestamp) -> usize {
        let h = &x.header;
        let model = h.model.as_ref();
        let response = x.response.as_ref();
        let usage = response.map(|r| r.usage).unwrap_or_default();
        let timings = response.map(|r| r.timings).unwrap_or_default();

        self.event_id.append_value(&h.event_id);
        self.request_id.append_value(&h.request_id);
        self.trace_id.append_option(as_str(&h.trace_id));
        self.span_id.append_option(as_str(&h.span_id));
        self.parent_span_id.append_option(as_str(&h.parent_span_id));
        self.session_id.append_option(as_str(&h.session_id));
        self.user_id.append_option(as_str(&h.user_id));
        self.service.append_value(&h.service);
        self.environment.append_value(&h.environment);
        self.project.append_value(&h.project);
        self.provider
            .append_value(model.map_or("", |m| m.provider.as_ref()));
        self.model
            .append_value(model.map_or("", |m| m.name.as_ref()));
        self.model_version
            .append_value(model.map_or("", |m| m.version.as_ref()));
        self.operation
            .append_value(as_str(&h.operation).unwrap_or(""));
        self.status.append_value(x.status.as_str());
        self.error_type.append_option(
            response
                .and_then(|r| r.error.as_ref())
                .map(|e| e.kind.as_ref()),
        );
        self.finish_reason
            .append_option(response.and_then(|r| r.finish_reasons.first()));
        self.request_time.append_value(x.time().millis());
        self.response_time
            .append_option(x.response_time.map(Timestamp::millis));
        self.latency_ms.append_option(x.latency_ms());
        self.ttft_ms.append_option(timings.time_to_first_chunk_ms);
        self.queue_ms.append_option(timings.queue_ms);
        self.input_tokens.append_option(usage.input_tokens);
        self.output_tokens.append_option(usage.output_tokens);
        self.cache_read_tokens
            .append_option(usage.cache_read_input_tokens);
        self.reasoning_tokens.append_option(usage.reasoning_tokens);
        self.cost_supplied_nusd
            .append_option(response.and_then(|r| r.cost_usd).map(|c| c.nanos()));
        let prompt = x.request.as_ref().and_then(|r| r.text());
        let output = response.and_then(|r| as_str(&r.output));
        self.scratch.clear();
        serde_json::to_writer(&mut self.scratch, &JsonObject(&h.attributes))
            .expect("a map of strings serializes");
        let attributes = std::str::from_utf8(&self.scratch).expect("serde_json writes UTF-8");
        let bytes = prompt.map_or(0, str::len) + output.map_or(0, str::len) + attributes.len();
        self.prompt.append_option(prompt);
        self.output.append_option(output);
        self.attributes.append_value(attributes);
        self.ingested_at.append_value(ingested_at.millis());
        bytes
    }

    /// Takes the rows gathered so far; the builder is empty again afterwards.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.event_id.finish()),
            Arc::new(self.request_id.finish()),
            Arc::new(self.trace_id.finish()),
            Arc::new(self.span_id.finish()),
            Arc::new(self.parent_span_id.finish()),
            Arc::new(self.session_id.finish()),
            Arc::new(self.user_id.finish()),
            Arc::new(self.service.finish()),
            Arc::new(self.environment.finish()),
            Arc::new(self.project.finish()),
            Arc::new(self.provider.finish()),
            Arc::new(self.model.finish()),
            Arc::new(self.model_version.finish()),
            Arc::new(self.operation.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.error_type.finish()),
            Arc::new(self.finish_reason.finish()),
            Arc::new(self.request_time.finish()),
            Arc::new(self.response_time.finish()),
            Arc::new(self.latency_ms.finish()),
            Arc::new(self.ttft_ms.finish()),
            Arc::new(self.queue_ms.finish()),
            Arc::new(self.input_tokens.finish()),
            Arc::new(self.output_tokens.finish()),
            Arc::new(self.cache_read_tokens.finish()),
            Arc::new(self.reasoning_tokens.finish()),
            Arc::new(self.cost_supplied_nusd.finish()),
            Arc::new(self.prompt.finish()),
            Arc::new(self.output.finish()),
            Arc::new(self.attributes.finish()),
            Arc::new(self.ingested_at.finish()),
        ];
        RecordBatch::try_new(base_schema(), columns)
    }
}

fn as_str<S: AsRef<str>>(s: &Option<S>) -> Option<&str> {
    s.as_ref().map(S::as_ref)
}

/// Attributes as the JSON object the `attributes` column holds, whatever their string type.
struct JsonObject<'m, S>(&'m BTreeMap<S, S>);

impl<S: AsRef<str>> Serialize for JsonObject<'_, S> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
    }
}
