//! One span that is an LLM call becomes one `completion` event, read as the OpenTelemetry GenAI
//! semantic conventions (v1.37) and the older names instrumentations still emit; the README's
//! table lists every attribute. The event is then validated like any other.

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::trace::v1::{Span, status::StatusCode};
use serde_json::{Map, Value as Json};
use sightline_schemas::{
    ErrorInfo, Event, Header, ModelRef, Payload, RequestBody, ResponseBody, ResponseStatus,
    Timestamp, Timings, Usage,
};

use super::{attributes::Attributes, messages::conversation};

/// Operations that are not one model call: an agent's span wraps the calls it makes (which are
/// spans of their own), and a tool's span calls no model.
const NOT_MODEL_CALLS: [&str; 3] = ["execute_tool", "invoke_agent", "create_agent"];

/// Where a span came from: its resource and its instrumentation scope.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub resource: Attributes<'a>,
    pub scope: &'a str,
    /// The attribute, on the resource or the span, that names the Sightline project.
    pub project_attribute: &'a str,
}

/// A span is an LLM call when it names a GenAI operation or provider, and the operation is a
/// model call.
pub fn is_llm_call(span: &Span) -> bool {
    let a = Attributes(&span.attributes);
    let named = [
        "gen_ai.operation.name",
        "gen_ai.system",
        "gen_ai.provider.name",
    ]
    .iter()
    .any(|k| a.has(k));
    named
        && !a
            .text("gen_ai.operation.name")
            .is_some_and(|op| NOT_MODEL_CALLS.contains(&op))
}

/// The span's ids in OTLP/JSON's form: lowercase hex, with an empty id as none.
fn hex(id: &[u8]) -> Option<String> {
    use std::fmt::Write;
    (!id.is_empty() && id.iter().any(|&b| b != 0)).then(|| {
        id.iter()
            .fold(String::with_capacity(id.len() * 2), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
    })
}

/// The exchange an LLM-call span records. Its ids come from the span's, so an exporter's retry of
/// the same span carries the same `event_id` and is stored once.
pub fn event(span: &Span, origin: Origin<'_>) -> Event {
    let a = Attributes(&span.attributes);
    let r = origin.resource;
    let trace_id = hex(&span.trace_id);
    let span_id = hex(&span.span_id);
    let request_id = format!(
        "{}-{}",
        trace_id.as_deref().unwrap_or("0"),
        span_id.as_deref().unwrap_or("0")
    );
    let end = if span.end_time_unix_nano > 0 {
        span.end_time_unix_nano
    } else {
        span.start_time_unix_nano
    };
    let text = |s: Option<&str>, default: &str| s.unwrap_or(default).to_owned();
    let header = Header {
        schema_version: "1".into(),
        event_id: format!("otlp-{request_id}"),
        request_id,
        timestamp: Timestamp((end / 1_000_000) as i64),
        service: text(r.text("service.name"), "unknown_service"),
        environment: text(
            r.first_text(&["deployment.environment.name", "deployment.environment"]),
            "default",
        ),
        project: text(
            r.text(origin.project_attribute)
                .or_else(|| a.text(origin.project_attribute)),
            "default",
        ),
        model: Some(ModelRef {
            provider: text(a.first_text(&["gen_ai.provider.name", "gen_ai.system"]), ""),
            name: text(
                a.first_text(&["gen_ai.response.model", "gen_ai.request.model"]),
                "",
            ),
            version: String::new(),
        }),
        operation: Some(text(
            a.first_text(&["gen_ai.operation.name", "llm.request.type"]),
            "chat",
        )),
        trace_id,
        span_id,
        parent_span_id: hex(&span.parent_span_id),
        session_id: a
            .first_text(&["session.id", "gen_ai.conversation.id"])
            .map(str::to_owned),
        user_id: a.first_text(&["user.id", "enduser.id"]).map(str::to_owned),
        attributes: attributes(span, origin.scope),
    };
    let c = conversation(span);
    let request = RequestBody {
        // Instrumentations capture no content unless told to; the exchange is still worth
        // storing, with an empty prompt.
        prompt: c.input.is_empty().then(String::new),
        messages: c.input,
        params: params(a),
    };
    let mut finish_reasons = a.strings("gen_ai.response.finish_reasons");
    if finish_reasons.is_empty() {
        finish_reasons = c.finish_reasons;
    }
    let output: Vec<&str> = c.output.iter().map(|m| m.content.as_str()).collect();
    let failed = span
        .status
        .as_ref()
        .is_some_and(|s| s.code == StatusCode::Error as i32);
    let error_type = a.text("error.type");
    let response = ResponseBody {
        status: if failed || error_type.is_some() {
            ResponseStatus::Error
        } else {
            ResponseStatus::Ok
        },
        output: (!output.is_empty()).then(|| output.join("\n")),
        finish_reasons,
        error: (failed || error_type.is_some()).then(|| ErrorInfo {
            kind: text(error_type, "error"),
            message: span
                .status
                .as_ref()
                .map(|s| s.message.clone())
                .filter(|m| !m.is_empty()),
        }),
        usage: Usage {
            input_tokens: a.count(&["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]),
            output_tokens: a.count(&[
                "gen_ai.usage.output_tokens",
                "gen_ai.usage.completion_tokens",
            ]),
            cache_read_input_tokens: a.count(&[
                "gen_ai.usage.cache_read.input_tokens",
                "gen_ai.usage.cache_read_input_tokens",
            ]),
            reasoning_tokens: a.count(&[
                "gen_ai.usage.reasoning.output_tokens",
                "gen_ai.usage.reasoning_tokens",
            ]),
        },
        timings: Timings {
            latency_ms: (span.end_time_unix_nano >= span.start_time_unix_nano
                && span.start_time_unix_nano > 0)
                .then(|| (span.end_time_unix_nano - span.start_time_unix_nano) as f64 / 1e6),
            time_to_first_chunk_ms: first_chunk_ms(span),
            queue_ms: None,
        },
        cost_usd: None,
    };
    Event {
        header,
        payload: Payload::Completion { request, response },
    }
}

fn params(a: Attributes<'_>) -> Map<String, Json> {
    let mut params = Map::new();
    for (key, name) in [
        ("gen_ai.request.temperature", "temperature"),
        ("gen_ai.request.top_p", "top_p"),
    ] {
        if let Some(x) = a.number(key).and_then(serde_json::Number::from_f64) {
            params.insert(name.into(), Json::Number(x));
        }
    }
    if let Some(n) = a.count(&["gen_ai.request.max_tokens"]) {
        params.insert("max_tokens".into(), Json::from(n));
    }
    params
}

/// The time to the first chunk, from the `gen_ai.response.time_to_first_chunk` attribute (in
/// seconds), else from a first-token span event.
fn first_chunk_ms(span: &Span) -> Option<f64> {
    let a = Attributes(&span.attributes);
    a.number("gen_ai.response.time_to_first_chunk")
        .map(|s| s * 1000.0)
        .or_else(|| {
            let event = span
                .events
                .iter()
                .find(|e| matches!(e.name.as_str(), "gen_ai.first_token" | "first_token"))?;
            let at = event
                .time_unix_nano
                .checked_sub(span.start_time_unix_nano)?;
            Some(at as f64 / 1e6)
        })
}

/// What the trace view and a reader of the row want beside the GenAI fields: the span's name,
/// its instrumentation, and the provider's own response id.
fn attributes(span: &Span, scope: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            out.insert(k.to_owned(), v.to_owned());
        }
    };
    put("otel.span.name", &span.name);
    put("otel.scope.name", scope);
    if let Some(id) = Attributes(&span.attributes).text("gen_ai.response.id") {
        put("gen_ai.response.id", id);
    }
    out
}
