//! Event types of schema v1: one event per request, response, completion or feedback.
//!
//! Events are built only by [`crate::decode_event`], which validates them; serializing an event gives
//! JSON that decodes back to the same event.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{money::NanoUsd, timestamp::Timestamp};

/// A validated event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    #[serde(flatten)]
    pub header: Header,
    #[serde(flatten)]
    pub payload: Payload,
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self.payload {
            Payload::Request { .. } => EventKind::Request,
            Payload::Response { .. } => EventKind::Response,
            Payload::Completion { .. } => EventKind::Completion,
            Payload::Feedback { .. } => EventKind::Feedback,
        }
    }
}

/// Fields every kind of event carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub schema_version: String,
    /// Unique per event; the deduplication key downstream.
    pub event_id: String,
    pub request_id: String,
    pub timestamp: Timestamp,
    pub service: String,
    pub environment: String,
    pub project: String,
    /// Present on every kind but feedback, where it is optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelRef>,
    /// Present on every kind but feedback, where it is optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ModelRef {
    /// `gen_ai.provider.name`, e.g. `openai`.
    pub provider: String,
    /// `gen_ai.request.model`.
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Request,
    Response,
    Completion,
    Feedback,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        Self::Request,
        Self::Response,
        Self::Completion,
        Self::Feedback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::Completion => "completion",
            Self::Feedback => "feedback",
        }
    }
}

/// The kind-specific body; `kind` on the wire selects the variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Payload {
    Request {
        request: RequestBody,
    },
    Response {
        response: ResponseBody,
    },
    Completion {
        request: RequestBody,
        response: ResponseBody,
    },
    Feedback {
        feedback: Feedback,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    /// Free-form call parameters; `temperature`, `top_p`, `max_tokens` and `stream` are type-checked.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl RequestBody {
    /// The text to score: the prompt, or the last user message.
    pub fn text(&self) -> Option<&str> {
        self.prompt.as_deref().or_else(|| {
            self.messages
                .iter()
                .rev()
                .find(|m| m.role == "user")
                .map(|m| m.content.as_str())
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseBody {
    pub status: ResponseStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// `gen_ai.response.finish_reasons`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finish_reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    #[serde(skip_serializing_if = "Usage::is_empty")]
    pub usage: Usage,
    #[serde(skip_serializing_if = "Timings::is_empty")]
    pub timings: Timings,
    /// A cost the publisher computed itself; it wins over Sightline's, and both are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<NanoUsd>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseStatus {
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// `error.type`: a low-cardinality class such as `timeout` or `rate_limit`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Token counts, named as in OTel's `gen_ai.usage.*`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Durations in milliseconds, measured by the publisher.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// `gen_ai.response.time_to_first_chunk`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_first_chunk_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_ms: Option<f64>,
}

impl Timings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A user's rating of an earlier exchange, named by the event's `request_id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    /// From -1 (worst) to 1 (best); below zero counts as negative.
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}
