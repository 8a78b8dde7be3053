//! Event types of schema v1: one event per request, response, completion or feedback.
//!
//! Events are built only by the decoder, which validates them; serializing an event gives JSON that
//! decodes back to the same event. Each type is generic over its string type: an owned [`Event`]
//! holds `String`s, the decoder's [`crate::EventView`] borrows from the bytes it was read from, and
//! [`Event::map_strings`] moves an event from one to another.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{money::NanoUsd, timestamp::Timestamp};

/// A validated event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event<S = String> {
    #[serde(flatten)]
    pub header: Header<S>,
    #[serde(flatten)]
    pub payload: Payload<S>,
}

impl<S> Event<S> {
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
pub struct Header<S = String> {
    pub schema_version: S,
    /// Unique per event; the deduplication key downstream.
    pub event_id: S,
    pub request_id: S,
    pub timestamp: Timestamp,
    pub service: S,
    pub environment: S,
    pub project: S,
    /// Present on every kind but feedback, where it is optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelRef<S>>,
    /// Present on every kind but feedback, where it is optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_id: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<S>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<S, S>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ModelRef<S = String> {
    /// `gen_ai.provider.name`, e.g. `openai`.
    pub provider: S,
    /// `gen_ai.request.model`.
    pub name: S,
    pub version: S,
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
pub enum Payload<S = String> {
    Request {
        request: RequestBody<S>,
    },
    Response {
        response: ResponseBody<S>,
    },
    Completion {
        request: RequestBody<S>,
        response: ResponseBody<S>,
    },
    Feedback {
        feedback: Feedback<S>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestBody<S = String> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<S>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message<S>>,
    /// Free-form call parameters; `temperature`, `top_p`, `max_tokens` and `stream` are type-checked.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl<S: AsRef<str>> RequestBody<S> {
    /// The text to score: the prompt, or the last user message.
    pub fn text(&self) -> Option<&str> {
        self.prompt.as_ref().map(S::as_ref).or_else(|| {
            self.messages
                .iter()
                .rev()
                .find(|m| m.role.as_ref() == "user")
                .map(|m| m.content.as_ref())
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message<S = String> {
    pub role: S,
    pub content: S,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseBody<S = String> {
    pub status: ResponseStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<S>,
    /// `gen_ai.response.finish_reasons`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finish_reasons: Vec<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo<S>>,
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
pub struct ErrorInfo<S = String> {
    /// `error.type`: a low-cardinality class such as `timeout` or `rate_limit`.
    #[serde(rename = "type")]
    pub kind: S,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<S>,
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
pub struct Feedback<S = String> {
    /// From -1 (worst) to 1 (best); below zero counts as negative.
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<S>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<S>,
}
