//! The checker: walks a parsed event field by field, builds its [`EventView`] and records every
//! problem with its field path.

use std::{borrow::Cow, collections::BTreeMap};

use serde_json::{Map, Value};

use super::{
    Limits,
    json::{Json, Object},
    path::Path,
    rules::{
        MAX_ATTRIBUTE_KEY_CHARS, MAX_ATTRIBUTE_VALUE_CHARS, MAX_FINISH_REASONS, MAX_ID_CHARS,
        MAX_NAME_CHARS, MESSAGE_ROLES, chars_over, cost_of_number, epoch_millis, is_plain_decimal,
    },
};
use crate::{
    event::{
        ErrorInfo, Event, EventKind, Feedback, Header, Message, ModelRef, Payload, RequestBody,
        ResponseBody, ResponseStatus, Timings, Usage,
    },
    money::NanoUsd,
    problem::Problem,
    timestamp::Timestamp,
    view::EventView,
};

/// The header's fields, then the bodies'.
const EVENT_FIELDS: [&str; 19] = [
    "schema_version",
    "event_id",
    "kind",
    "request_id",
    "timestamp",
    "service",
    "environment",
    "project",
    "model",
    "operation",
    "trace_id",
    "span_id",
    "parent_span_id",
    "session_id",
    "user_id",
    "attributes",
    "request",
    "response",
    "feedback",
];
const BODY_FIELDS: &[&str] = EVENT_FIELDS.split_at(16).1;

/// A string of the event: borrowed from the input unless it had escapes.
type Str<'a> = Cow<'a, str>;

/// A JSON object of the tree `'t`, whose strings borrow from the input `'a`, and where it sits in
/// the event.
pub(super) struct Obj<'t, 'a, 'p> {
    pub map: &'t Object<'a>,
    pub path: Path<'p>,
}

impl Obj<'_, '_, '_> {
    fn path_of(&self, key: &str) -> String {
        Path::Key(&self.path, key).to_string()
    }
}

pub(super) struct Checker<'l> {
    pub problems: Vec<Problem>,
    pub limits: &'l Limits,
}

impl Checker<'_> {
    fn fail(&mut self, path: String, reason: impl Into<String>) {
        self.problems.push(Problem {
            path,
            reason: reason.into(),
        });
    }

    pub fn event<'a>(&mut self, root: &Obj<'_, 'a, '_>) -> Option<EventView<'a>> {
        self.reject_unknown(root, &EVENT_FIELDS);

        let kind = self.kind(root);
        let header = self.header(root, kind);
        let payload = kind.and_then(|kind| self.payload(root, kind));
        Some(Event {
            header: header?,
            payload: payload?,
        })
    }

    fn kind(&mut self, root: &Obj<'_, '_, '_>) -> Option<EventKind> {
        let text = self.string(root, "kind", true, MAX_ID_CHARS)?;
        let kind = EventKind::ALL.into_iter().find(|k| k.as_str() == text);
        if kind.is_none() {
            self.fail(
                "kind".into(),
                format!("expected one of request, response, completion, feedback, got {text:?}"),
            );
        }
        kind
    }

    fn header<'a>(
        &mut self,
        root: &Obj<'_, 'a, '_>,
        kind: Option<EventKind>,
    ) -> Option<Header<Str<'a>>> {
        let model_required = kind.is_some_and(|k| k != EventKind::Feedback);
        let schema_version = self.string(root, "schema_version", true, MAX_ID_CHARS);
        let event_id = self.id(root, "event_id", true);
        let request_id = self.id(root, "request_id", true);
        let timestamp = self.timestamp(root);
        let service = self.name(root, "service", true);
        let environment = self.name(root, "environment", true);
        let project = self.name(root, "project", true);
        let model = self
            .object(root, "model", model_required)
            .and_then(|m| self.model(&m));
        let operation = self.name(root, "operation", model_required);
        let trace_id = self.id(root, "trace_id", false);
        let span_id = self.id(root, "span_id", false);
        let parent_span_id = self.id(root, "parent_span_id", false);
        let session_id = self.id(root, "session_id", false);
        let user_id = self.id(root, "user_id", false);
        let attributes = self.attributes(root);
        Some(Header {
            schema_version: schema_version?,
            event_id: event_id?,
            request_id: request_id?,
            timestamp: timestamp?,
            service: service?,
            environment: environment?,
            project: project?,
            model,
            operation,
            trace_id,
            span_id,
            parent_span_id,
            session_id,
            user_id,
            attributes,
        })
    }

    fn model<'a>(&mut self, m: &Obj<'_, 'a, '_>) -> Option<ModelRef<Str<'a>>> {
        self.reject_unknown(m, &["provider", "name", "version"]);
        let provider = self.name(m, "provider", true);
        let name = self.name(m, "name", true);
        let version = self.string(m, "version", true, MAX_NAME_CHARS);
        Some(ModelRef {
            provider: provider?,
            name: name?,
            version: version?,
        })
    }

    fn payload<'a>(&mut self, root: &Obj<'_, 'a, '_>, kind: EventKind) -> Option<Payload<Str<'a>>> {
        let wanted: &[&str] = match kind {
            EventKind::Request => &["request"],
            EventKind::Response => &["response"],
            EventKind::Completion => &["request", "response"],
            EventKind::Feedback => &["feedback"],
        };
        for body in BODY_FIELDS.iter().filter(|b| !wanted.contains(b)) {
            if root.map.contains_key(body) {
                self.fail(
                    body.to_string(),
                    format!("not allowed when kind is {:?}", kind.as_str()),
                );
            }
        }
        let request = wanted.contains(&"request").then(|| {
            self.object(root, "request", true)
                .and_then(|o| self.request(&o))
        });
        let response = wanted.contains(&"response").then(|| {
            self.object(root, "response", true)
                .and_then(|o| self.response(&o))
        });
        Some(match kind {
            EventKind::Request => Payload::Request {
                request: request.flatten()?,
            },
            EventKind::Response => Payload::Response {
                response: response.flatten()?,
            },
            EventKind::Completion => Payload::Completion {
                request: request.flatten()?,
                response: response.flatten()?,
            },
            EventKind::Feedback => {
                let feedback = self
                    .object(root, "feedback", true)
                    .and_then(|o| self.feedback(&o));
                Payload::Feedback {
                    feedback: feedback?,
                }
            }
        })
    }

    fn request<'a>(&mut self, r: &Obj<'_, 'a, '_>) -> Option<RequestBody<Str<'a>>> {
        self.reject_unknown(r, &["prompt", "messages", "params"]);
        let max = self.limits.max_text_chars;
        let prompt = self.string(r, "prompt", false, max);
        let messages = self.messages(r);
        if !r.map.contains_key("prompt") && !r.map.contains_key("messages") {
            self.fail(
                r.path.to_string(),
                "missing prompt or messages; give at least one",
            );
        }
        let params = self.params(r);
        Some(RequestBody {
            prompt,
            messages: messages?,
            params: params?,
        })
    }

    fn messages<'a>(&mut self, r: &Obj<'_, 'a, '_>) -> Option<Vec<Message<Str<'a>>>> {
        let items = self.array(r, "messages", self.limits.max_messages, "messages")?;
        let path = Path::Key(&r.path, "messages");
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let item_path = Path::Index(&path, i);
            let Json::Object(map) = item else {
                self.fail(
                    item_path.to_string(),
                    format!("expected object, got {}", item.describe()),
                );
                ok = false;
                continue;
            };
            let m = Obj {
                map,
                path: item_path,
            };
            self.reject_unknown(&m, &["role", "content"]);
            let role = self.string(&m, "role", true, MAX_ID_CHARS);
            if let Some(role) = &role
                && !MESSAGE_ROLES.contains(&role.as_ref())
            {
                self.fail(
                    m.path_of("role"),
                    format!("expected one of {}, got {role:?}", MESSAGE_ROLES.join(", ")),
                );
            }
            let content = self.string(&m, "content", true, self.limits.max_text_chars);
            match (role, content) {
                (Some(role), Some(content)) => out.push(Message { role, content }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn params(&mut self, r: &Obj<'_, '_, '_>) -> Option<Map<String, Value>> {
        if !r.map.contains_key("params") {
            return Some(Map::new());
        }
        let p = self.object(r, "params", true)?;
        self.non_negative(&p, "temperature");
        self.non_negative(&p, "top_p");
        self.unsigned(&p, "max_tokens");
        if let Some(v) = p.map.get("stream")
            && !v.is_boolean()
        {
            self.fail(
                p.path_of("stream"),
                format!("expected boolean, got {}", v.describe()),
            );
        }
        Some(p.map.to_map())
    }

    fn response<'a>(&mut self, r: &Obj<'_, 'a, '_>) -> Option<ResponseBody<Str<'a>>> {
        self.reject_unknown(
            r,
            &[
                "status",
                "output",
                "finish_reasons",
                "error",
                "usage",
                "timings",
                "cost_usd",
            ],
        );
        let status = self
            .string(r, "status", true, MAX_ID_CHARS)
            .and_then(|s| match s.as_ref() {
                "ok" => Some(ResponseStatus::Ok),
                "error" => Some(ResponseStatus::Error),
                other => {
                    self.fail(
                        r.path_of("status"),
                        format!("expected one of ok, error, got {other:?}"),
                    );
                    None
                }
            });
        let output = self.string(r, "output", false, self.limits.max_text_chars);
        let finish_reasons = self.finish_reasons(r);
        let error = self
            .object(r, "error", false)
            .and_then(|e| self.error_info(&e));
        if status == Some(ResponseStatus::Error) && !r.map.contains_key("error") {
            self.fail(
                r.path_of("error"),
                "missing required field when status is \"error\"",
            );
        }
        let usage = self.object(r, "usage", false).map(|u| self.usage(&u));
        let timings = self.object(r, "timings", false).map(|t| self.timings(&t));
        let cost_usd = self.cost(r);
        Some(ResponseBody {
            status: status?,
            output,
            finish_reasons: finish_reasons?,
            error,
            usage: usage.unwrap_or_default(),
            timings: timings.unwrap_or_default(),
            cost_usd,
        })
    }

    fn finish_reasons<'a>(&mut self, r: &Obj<'_, 'a, '_>) -> Option<Vec<Str<'a>>> {
        let items = self.array(r, "finish_reasons", MAX_FINISH_REASONS, "items")?;
        let path = Path::Key(&r.path, "finish_reasons");
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Json::String(s) if (1..=MAX_ID_CHARS).contains(&s.chars().count()) => {
                    out.push(s.clone())
                }
                Json::String(s) => self.fail(
                    format!("{path}[{i}]"),
                    format!(
                        "must be 1 to {MAX_ID_CHARS} characters, got {}",
                        s.chars().count()
                    ),
                ),
                _ => self.fail(
                    format!("{path}[{i}]"),
                    format!("expected string, got {}", item.describe()),
                ),
            }
        }
        Some(out)
    }

    fn error_info<'a>(&mut self, e: &Obj<'_, 'a, '_>) -> Option<ErrorInfo<Str<'a>>> {
        self.reject_unknown(e, &["type", "message"]);
        let kind = self.name(e, "type", true);
        let message = self.string(e, "message", false, self.limits.max_text_chars);
        Some(ErrorInfo {
            kind: kind?,
            message,
        })
    }

    fn usage(&mut self, u: &Obj<'_, '_, '_>) -> Usage {
        self.reject_unknown(
            u,
            &[
                "input_tokens",
                "output_tokens",
                "cache_read_input_tokens",
                "reasoning_tokens",
            ],
        );
        Usage {
            input_tokens: self.unsigned(u, "input_tokens"),
            output_tokens: self.unsigned(u, "output_tokens"),
            cache_read_input_tokens: self.unsigned(u, "cache_read_input_tokens"),
            reasoning_tokens: self.unsigned(u, "reasoning_tokens"),
        }
    }

    fn timings(&mut self, t: &Obj<'_, '_, '_>) -> Timings {
        self.reject_unknown(t, &["latency_ms", "time_to_first_chunk_ms", "queue_ms"]);
        Timings {
            latency_ms: self.non_negative(t, "latency_ms"),
            time_to_first_chunk_ms: self.non_negative(t, "time_to_first_chunk_ms"),
            queue_ms: self.non_negative(t, "queue_ms"),
        }
    }

    fn cost(&mut self, r: &Obj<'_, '_, '_>) -> Option<NanoUsd> {
        let value = r.map.get("cost_usd")?;
        let parsed = match value {
            Json::Number(n) => cost_of_number(n),
            Json::String(s) if is_plain_decimal(s) => NanoUsd::parse_decimal(s),
            other => Err(format!(
                "expected non-negative number or decimal string, got {}",
                other.describe()
            )),
        };
        parsed
            .map_err(|reason| self.fail(r.path_of("cost_usd"), reason))
            .ok()
    }

    fn feedback<'a>(&mut self, f: &Obj<'_, 'a, '_>) -> Option<Feedback<Str<'a>>> {
        self.reject_unknown(f, &["score", "label", "comment"]);
        let score = match f.map.get("score") {
            None => {
                self.fail(f.path_of("score"), "missing required field");
                None
            }
            Some(v) => match v.as_f64() {
                Some(s) if (-1.0..=1.0).contains(&s) => Some(s),
                _ => {
                    self.fail(
                        f.path_of("score"),
                        format!("expected number from -1 to 1, got {}", v.describe()),
                    );
                    None
                }
            },
        };
        let label = self.name(f, "label", false);
        let comment = self.string(f, "comment", false, self.limits.max_text_chars);
        Some(Feedback {
            score: score?,
            label,
            comment,
        })
    }

    fn timestamp(&mut self, root: &Obj<'_, '_, '_>) -> Option<Timestamp> {
        let value = self.field(root, "timestamp", true)?;
        let expected = "expected RFC 3339 string or integer epoch milliseconds";
        let parsed = match (value, value.as_whole_number()) {
            (Json::String(s), _) => Timestamp::parse_rfc3339(s),
            (_, Some(ms)) => epoch_millis(ms),
            (other, None) => Err(format!("{expected}, got {}", other.describe())),
        };
        parsed
            .map_err(|reason| self.fail("timestamp".into(), reason))
            .ok()
    }

    fn attributes<'a>(&mut self, root: &Obj<'_, 'a, '_>) -> BTreeMap<Str<'a>, Str<'a>> {
        let mut out = BTreeMap::new();
        let Some(a) = self.object(root, "attributes", false) else {
            return out;
        };
        let keys = a.map.keys();
        if keys.len() > self.limits.max_attributes {
            self.fail(
                a.path.to_string(),
                format!(
                    "has {} entries, over the limit of {}",
                    keys.len(),
                    self.limits.max_attributes
                ),
            );
            // Reading each of a huge map's entries would cost the square of its size.
            return out;
        }
        for key in keys {
            let key_chars = key.chars().count();
            if !(1..=MAX_ATTRIBUTE_KEY_CHARS).contains(&key_chars) {
                self.fail(
                    a.path_of(key),
                    format!("key must be 1 to {MAX_ATTRIBUTE_KEY_CHARS} characters"),
                );
            }
            if let Some(v) = self.string(&a, key, true, MAX_ATTRIBUTE_VALUE_CHARS) {
                out.insert(key.clone(), v);
            }
        }
        out
    }

    // ----- typed field readers; each reports its own problem and returns None on failure -----

    fn field<'t, 'a>(
        &mut self,
        obj: &Obj<'t, 'a, '_>,
        key: &str,
        required: bool,
    ) -> Option<&'t Json<'a>> {
        let value = obj.map.get(key);
        if value.is_none() && required {
            self.fail(obj.path_of(key), "missing required field");
        }
        value
    }

    fn string<'a>(
        &mut self,
        obj: &Obj<'_, 'a, '_>,
        key: &str,
        required: bool,
        max_chars: usize,
    ) -> Option<Str<'a>> {
        let value = self.field(obj, key, required)?;
        let Json::String(s) = value else {
            self.fail(
                obj.path_of(key),
                format!("expected string, got {}", value.describe()),
            );
            return None;
        };
        if let Some(chars) = chars_over(s, max_chars) {
            self.fail(
                obj.path_of(key),
                format!("is {chars} characters, over the limit of {max_chars}"),
            );
            return None;
        }
        Some(s.clone())
    }

    /// A non-empty string of bounded length.
    fn bounded<'a>(
        &mut self,
        obj: &Obj<'_, 'a, '_>,
        key: &str,
        required: bool,
        max: usize,
    ) -> Option<Str<'a>> {
        let s = self.string(obj, key, required, max)?;
        if s.is_empty() {
            self.fail(
                obj.path_of(key),
                format!("must be 1 to {max} characters, got an empty string"),
            );
            return None;
        }
        Some(s)
    }

    fn id<'a>(&mut self, obj: &Obj<'_, 'a, '_>, key: &str, required: bool) -> Option<Str<'a>> {
        self.bounded(obj, key, required, MAX_ID_CHARS)
    }

    fn name<'a>(&mut self, obj: &Obj<'_, 'a, '_>, key: &str, required: bool) -> Option<Str<'a>> {
        self.bounded(obj, key, required, MAX_NAME_CHARS)
    }

    fn unsigned(&mut self, obj: &Obj<'_, '_, '_>, key: &str) -> Option<u64> {
        let value = self.field(obj, key, false)?;
        let n = value.as_whole_number().and_then(|n| u64::try_from(n).ok());
        if n.is_none() {
            self.fail(
                obj.path_of(key),
                format!("expected unsigned integer, got {}", value.describe()),
            );
        }
        n
    }

    fn non_negative(&mut self, obj: &Obj<'_, '_, '_>, key: &str) -> Option<f64> {
        let value = self.field(obj, key, false)?;
        match value.as_f64() {
            Some(x) if x >= 0.0 => Some(x),
            _ => {
                self.fail(
                    obj.path_of(key),
                    format!("expected non-negative number, got {}", value.describe()),
                );
                None
            }
        }
    }

    fn object<'t, 'a, 'p>(
        &mut self,
        obj: &'p Obj<'t, 'a, '_>,
        key: &'p str,
        required: bool,
    ) -> Option<Obj<'t, 'a, 'p>> {
        let value = self.field(obj, key, required)?;
        let Json::Object(map) = value else {
            self.fail(
                obj.path_of(key),
                format!("expected object, got {}", value.describe()),
            );
            return None;
        };
        Some(Obj {
            map,
            path: Path::Key(&obj.path, key),
        })
    }

    /// An optional array, empty when absent; one over `max` entries is reported and still read.
    fn array<'t, 'a>(
        &mut self,
        obj: &Obj<'t, 'a, '_>,
        key: &str,
        max: usize,
        noun: &str,
    ) -> Option<&'t [Json<'a>]> {
        let Some(value) = self.field(obj, key, false) else {
            return Some(&[]);
        };
        let Json::Array(items) = value else {
            self.fail(
                obj.path_of(key),
                format!("expected array, got {}", value.describe()),
            );
            return None;
        };
        if items.len() > max {
            self.fail(
                obj.path_of(key),
                format!("has {} {noun}, over the limit of {max}", items.len()),
            );
        }
        Some(items)
    }

    fn reject_unknown(&mut self, obj: &Obj<'_, '_, '_>, known: &[&str]) {
        if obj.map.keys_within(known) {
            return;
        }
        for key in obj.map.keys() {
            if known.contains(&key.as_ref()) {
                continue;
            }
            self.fail(obj.path_of(key), "unknown field");
        }
    }
}
