//! OpenTelemetry in: OTLP trace exports, as protobuf or OTLP/JSON, whose LLM-call spans become
//! `completion` events that travel the same path as any other event.
//!
//! The messages are `opentelemetry-proto`'s, generated from the official definitions; nothing here
//! reads the wire format by hand.

mod attributes;
mod messages;
pub mod route;
mod span;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use serde::Deserialize;
use sightline_schemas::{Limits, Rejection, decode_event};

use self::{
    attributes::Attributes,
    span::{Origin, event, is_llm_call},
};

/// `[otlp]`: how spans map onto Sightline's fields where the conventions leave a choice.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpConfig {
    /// The resource (or span) attribute that names the project; without it, `default`.
    pub project_attribute: String,
}

impl Default for OtlpConfig {
    fn default() -> Self {
        Self {
            project_attribute: "sightline.project".into(),
        }
    }
}

/// An export's two encodings: OTLP/HTTP's content types, and the OpenTelemetry Collector Kafka
/// exporter's `otlp_proto` and `otlp_json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The export in `body`, or what it is not and why (`not an OTLP/JSON ...: ...`).
    pub fn decode(self, body: &[u8]) -> Result<ExportTraceServiceRequest, String> {
        match self {
            Self::Protobuf => ExportTraceServiceRequest::decode(body)
                .map_err(|e| format!("not an OTLP ExportTraceServiceRequest in protobuf: {e}")),
            Self::Json => serde_json::from_slice(body)
                .map_err(|e| format!("not an OTLP/JSON ExportTraceServiceRequest: {e}")),
        }
    }
}

/// One span's event as Sightline JSON, not yet validated.
#[derive(Debug)]
pub struct MappedSpan {
    pub request_id: String,
    pub json: Vec<u8>,
}

impl MappedSpan {
    pub fn validate(&self, limits: &Limits) -> Result<(), Rejection> {
        decode_event(&self.json, limits).map(drop)
    }
}

/// What an export held: the events of its LLM-call spans, and how many spans were something else.
#[derive(Debug, Default)]
pub struct Mapped {
    pub events: Vec<MappedSpan>,
    pub not_llm_calls: u64,
}

/// Maps every LLM-call span of an export to its event.
pub fn map_export(request: &ExportTraceServiceRequest, config: &OtlpConfig) -> Mapped {
    let mut mapped = Mapped::default();
    for resource_spans in &request.resource_spans {
        let resource = resource_spans
            .resource
            .as_ref()
            .map_or(&[][..], |r| &r.attributes[..]);
        for scope_spans in &resource_spans.scope_spans {
            let origin = Origin {
                resource: Attributes(resource),
                scope: scope_spans.scope.as_ref().map_or("", |s| &s.name),
                project_attribute: &config.project_attribute,
            };
            for span in &scope_spans.spans {
                if !is_llm_call(span) {
                    mapped.not_llm_calls += 1;
                    continue;
                }
                let event = event(span, origin);
                let json = serde_json::to_vec(&event).expect("an event serializes");
                mapped.events.push(MappedSpan {
                    request_id: event.header.request_id,
                    json,
                });
            }
        }
    }
    mapped
}

/// The attributes an event field comes from, where a span that lacks them is the likely cause.
const SOURCES: [(&str, &str); 2] = [
    (
        "model.name",
        "gen_ai.response.model or gen_ai.request.model",
    ),
    ("model.provider", "gen_ai.provider.name or gen_ai.system"),
];

/// A rejected span, named as the exporter knows it: by its span id, and by the attributes the
/// failing field was read from.
pub fn describe_rejection(span: &MappedSpan, rejection: &Rejection) -> String {
    let problems: Vec<String> = rejection
        .problems
        .iter()
        .map(
            |p| match SOURCES.iter().find(|(field, _)| p.path == *field) {
                Some((_, from)) => format!("{} (from {from}): {}", p.path, p.reason),
                None => format!("{}: {}", p.path, p.reason),
            },
        )
        .collect();
    let span_id = span.request_id.rsplit('-').next().unwrap_or_default();
    format!("span {span_id}: {}", problems.join("; "))
}

/// Spans taken in, by what became of them, for `/metrics`.
#[derive(Debug, Default)]
pub struct OtlpCounters {
    exchanges: AtomicU64,
    not_llm_calls: AtomicU64,
    rejected: AtomicU64,
}

impl OtlpCounters {
    pub fn record(&self, exchanges: u64, not_llm_calls: u64, rejected: u64) {
        self.exchanges.fetch_add(exchanges, Relaxed);
        self.not_llm_calls.fetch_add(not_llm_calls, Relaxed);
        self.rejected.fetch_add(rejected, Relaxed);
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP sightline_otlp_spans_total OTLP spans received, by outcome: stored as an exchange, not an LLM call (counted, not stored), or rejected by validation (sent to the dead-letter queue).\n\
             # TYPE sightline_otlp_spans_total counter\n",
        );
        for (outcome, n) in [
            ("exchange", &self.exchanges),
            ("not_llm_call", &self.not_llm_calls),
            ("rejected", &self.rejected),
        ] {
            out.push_str(&format!(
                "sightline_otlp_spans_total{{outcome=\"{outcome}\"}} {}\n",
                n.load(Relaxed)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;
