//! The single pass: serde reads the bytes straight into typed structs whose strings borrow from
//! them, and the rules serde cannot state run on what it read. No tree is built, no path is
//! spelled, and nothing of a plain string is copied.
//!
//! It accepts part of what the checker accepts and builds the same view from it. Anything else, a
//! problem or only something unusual (a repeated key, a null, a count written `12.0`), makes it
//! step aside, and the tree and the checker decide and explain; so the dead-letter reasons are
//! the checker's, word for word, and no event is accepted that the checker would refuse.

use std::{borrow::Cow, collections::BTreeMap, fmt, marker::PhantomData};

use serde::{
    Deserialize, Deserializer,
    de::{self, MapAccess, Visitor, value::MapAccessDeserializer},
};
use serde_json::{Map, Number, Value};

use super::{
    Limits,
    rules::{
        MAX_ATTRIBUTE_KEY_CHARS, MAX_ATTRIBUTE_VALUE_CHARS, MAX_FINISH_REASONS, MAX_ID_CHARS,
        MAX_NAME_CHARS, MESSAGE_ROLES, chars_over, cost_of_number, epoch_millis, is_bounded,
        is_plain_decimal, is_supported_version, unsigned, whole_number,
    },
};
use crate::{
    event::{
        ErrorInfo, Event, EventKind, Feedback, Header, Message, ModelRef, Payload, RequestBody,
        ResponseBody, ResponseStatus, Timings, Usage,
    },
    money::NanoUsd,
    timestamp::Timestamp,
    view::EventView,
};

/// The event in `text`, when it is valid and plainly written; `None` leaves it to the checker.
pub(super) fn decode<'a>(text: &'a str, limits: &Limits) -> Option<EventView<'a>> {
    let ObjectOf(event) = serde_json::from_str::<ObjectOf<WireEvent<'a>>>(text).ok()?;
    event.check(limits)
}

type Str<'a> = Cow<'a, str>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEvent<'a> {
    #[serde(borrow)]
    schema_version: Text<'a>,
    #[serde(borrow)]
    event_id: Text<'a>,
    #[serde(borrow)]
    kind: Text<'a>,
    #[serde(borrow)]
    request_id: Text<'a>,
    timestamp: WireTime,
    #[serde(borrow)]
    service: Text<'a>,
    #[serde(borrow)]
    environment: Text<'a>,
    #[serde(borrow)]
    project: Text<'a>,
    #[serde(default, borrow, deserialize_with = "present")]
    model: Option<ObjectOf<WireModel<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    operation: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    trace_id: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    span_id: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    parent_span_id: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    session_id: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    user_id: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    attributes: Option<Attributes<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    request: Option<ObjectOf<WireRequest<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    response: Option<ObjectOf<WireResponse<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    feedback: Option<ObjectOf<WireFeedback<'a>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireModel<'a> {
    #[serde(borrow)]
    provider: Text<'a>,
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(borrow)]
    version: Text<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRequest<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    prompt: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    messages: Option<Vec<ObjectOf<WireMessage<'a>>>>,
    #[serde(default, deserialize_with = "present")]
    params: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireMessage<'a> {
    #[serde(borrow)]
    role: Text<'a>,
    #[serde(borrow)]
    content: Text<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireResponse<'a> {
    #[serde(borrow)]
    status: Text<'a>,
    #[serde(default, borrow, deserialize_with = "present")]
    output: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    finish_reasons: Option<Vec<Text<'a>>>,
    #[serde(default, borrow, deserialize_with = "present")]
    error: Option<ObjectOf<WireError<'a>>>,
    #[serde(default, deserialize_with = "present")]
    usage: Option<ObjectOf<WireUsage>>,
    #[serde(default, deserialize_with = "present")]
    timings: Option<ObjectOf<WireTimings>>,
    #[serde(default, deserialize_with = "present")]
    cost_usd: Option<WireCost>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireError<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(default, borrow, deserialize_with = "present")]
    message: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireUsage {
    #[serde(default, deserialize_with = "present")]
    input_tokens: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    output_tokens: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    cache_read_input_tokens: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    reasoning_tokens: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireTimings {
    #[serde(default, deserialize_with = "present")]
    latency_ms: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    time_to_first_chunk_ms: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    queue_ms: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireFeedback<'a> {
    score: f64,
    #[serde(default, borrow, deserialize_with = "present")]
    label: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    comment: Option<Text<'a>>,
}

impl<'a> WireEvent<'a> {
    fn check(self, limits: &Limits) -> Option<EventView<'a>> {
        let kind = EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == self.kind.0)?;
        let version = self.schema_version.0;
        if !is_supported_version(&version) || chars_over(&version, MAX_ID_CHARS).is_some() {
            return None;
        }
        let body_required = kind != EventKind::Feedback;
        if body_required && (self.model.is_none() || self.operation.is_none()) {
            return None;
        }
        let header = Header {
            schema_version: version,
            event_id: id(self.event_id)?,
            request_id: id(self.request_id)?,
            timestamp: self.timestamp.0,
            service: name(self.service)?,
            environment: name(self.environment)?,
            project: name(self.project)?,
            model: optional(self.model, |ObjectOf(m)| m.check())?,
            operation: optional(self.operation, name)?,
            trace_id: optional(self.trace_id, id)?,
            span_id: optional(self.span_id, id)?,
            parent_span_id: optional(self.parent_span_id, id)?,
            session_id: optional(self.session_id, id)?,
            user_id: optional(self.user_id, id)?,
            attributes: match self.attributes {
                Some(a) => a.check(limits)?,
                None => BTreeMap::new(),
            },
        };
        let payload = match (
            kind,
            inner(self.request),
            inner(self.response),
            inner(self.feedback),
        ) {
            (EventKind::Request, Some(request), None, None) => Payload::Request {
                request: request.check(limits)?,
            },
            (EventKind::Response, None, Some(response), None) => Payload::Response {
                response: response.check(limits)?,
            },
            (EventKind::Completion, Some(request), Some(response), None) => Payload::Completion {
                request: request.check(limits)?,
                response: response.check(limits)?,
            },
            (EventKind::Feedback, None, None, Some(feedback)) => Payload::Feedback {
                feedback: feedback.check(limits)?,
            },
            _ => return None,
        };
        Some(Event { header, payload })
    }
}

impl<'a> WireModel<'a> {
    fn check(self) -> Option<ModelRef<Str<'a>>> {
        Some(ModelRef {
            provider: name(self.provider)?,
            name: name(self.name)?,
            version: within(self.version, MAX_NAME_CHARS)?,
        })
    }
}

impl<'a> WireRequest<'a> {
    fn check(self, limits: &Limits) -> Option<RequestBody<Str<'a>>> {
        let max = limits.max_text_chars;
        if self.prompt.is_none() && self.messages.is_none() {
            return None;
        }
        let messages = self.messages.unwrap_or_default();
        if messages.len() > limits.max_messages {
            return None;
        }
        let messages = messages
            .into_iter()
            .map(|ObjectOf(m)| {
                MESSAGE_ROLES.contains(&m.role.0.as_ref()).then_some(())?;
                Some(Message {
                    role: m.role.0,
                    content: within(m.content, max)?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let params = self.params.unwrap_or_default();
        let non_negative = |key: &str| {
            params
                .get(key)
                .is_none_or(|v| v.as_f64().is_some_and(|x| x >= 0.0))
        };
        let counts = |key: &str| match params.get(key) {
            None => true,
            Some(Value::Number(n)) => unsigned(n).is_some(),
            Some(_) => false,
        };
        let stream_ok = params.get("stream").is_none_or(Value::is_boolean);
        if !(non_negative("temperature") && non_negative("top_p") && counts("max_tokens"))
            || !stream_ok
        {
            return None;
        }
        Some(RequestBody {
            prompt: optional(self.prompt, |p| within(p, max))?,
            messages,
            params,
        })
    }
}

impl<'a> WireResponse<'a> {
    fn check(self, limits: &Limits) -> Option<ResponseBody<Str<'a>>> {
        let max = limits.max_text_chars;
        let status = match self.status.0.as_ref() {
            "ok" => ResponseStatus::Ok,
            "error" => ResponseStatus::Error,
            _ => return None,
        };
        if status == ResponseStatus::Error && self.error.is_none() {
            return None;
        }
        let finish_reasons = self.finish_reasons.unwrap_or_default();
        if finish_reasons.len() > MAX_FINISH_REASONS {
            return None;
        }
        let usage = self.usage.map_or_else(Usage::default, |ObjectOf(u)| Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_read_input_tokens: u.cache_read_input_tokens,
            reasoning_tokens: u.reasoning_tokens,
        });
        let timings = match self.timings {
            None => Timings::default(),
            Some(ObjectOf(t)) => Timings {
                latency_ms: non_negative(t.latency_ms)?,
                time_to_first_chunk_ms: non_negative(t.time_to_first_chunk_ms)?,
                queue_ms: non_negative(t.queue_ms)?,
            },
        };
        Some(ResponseBody {
            status,
            output: optional(self.output, |o| within(o, max))?,
            finish_reasons: finish_reasons
                .into_iter()
                .map(|r| bounded(r, MAX_ID_CHARS))
                .collect::<Option<_>>()?,
            error: optional(self.error, |ObjectOf(e)| {
                Some(ErrorInfo {
                    kind: name(e.kind)?,
                    message: optional(e.message, |m| within(m, max))?,
                })
            })?,
            usage,
            timings,
            cost_usd: self.cost_usd.map(|c| c.0),
        })
    }
}

impl<'a> WireFeedback<'a> {
    fn check(self, limits: &Limits) -> Option<Feedback<Str<'a>>> {
        if !(-1.0..=1.0).contains(&self.score) {
            return None;
        }
        Some(Feedback {
            score: self.score,
            label: optional(self.label, name)?,
            comment: optional(self.comment, |c| within(c, limits.max_text_chars))?,
        })
    }
}

fn inner<T>(object: Option<ObjectOf<T>>) -> Option<T> {
    object.map(|ObjectOf(t)| t)
}

/// `Some(None)` when absent, `Some(Some(_))` when present and valid, `None` when present and not.
fn optional<T, U>(value: Option<T>, check: impl FnOnce(T) -> Option<U>) -> Option<Option<U>> {
    match value {
        None => Some(None),
        Some(v) => check(v).map(Some),
    }
}

fn within(text: Text<'_>, max: usize) -> Option<Str<'_>> {
    chars_over(&text.0, max).is_none().then_some(text.0)
}

fn bounded(text: Text<'_>, max: usize) -> Option<Str<'_>> {
    is_bounded(&text.0, max).then_some(text.0)
}

fn id(text: Text<'_>) -> Option<Str<'_>> {
    bounded(text, MAX_ID_CHARS)
}

fn name(text: Text<'_>) -> Option<Str<'_>> {
    bounded(text, MAX_NAME_CHARS)
}

fn non_negative(value: Option<f64>) -> Option<Option<f64>> {
    optional(value, |x| (x >= 0.0).then_some(x))
}

/// An optional field that, when present, must hold a value: serde would read `null` as absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A JSON string, borrowed from the input unless it had escapes.
struct Text<'a>(Str<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(s)))
    }
}

/// `T` read only from a JSON object: a derived struct would also take an array of its fields in
/// order, which the schema does not allow.
struct ObjectOf<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOf<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectVisitor(PhantomData))
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = ObjectOf<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(ObjectOf)
    }
}

/// The attribute map as read: a repeated key keeps its last value, as in the checker.
struct Attributes<'a>(BTreeMap<Str<'a>, Str<'a>>);

impl<'a> Attributes<'a> {
    fn check(self, limits: &Limits) -> Option<BTreeMap<Str<'a>, Str<'a>>> {
        let valid = self.0.len() <= limits.max_attributes
            && self.0.iter().all(|(key, value)| {
                is_bounded(key, MAX_ATTRIBUTE_KEY_CHARS)
                    && chars_over(value, MAX_ATTRIBUTE_VALUE_CHARS).is_none()
            });
        valid.then_some(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attributes<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AttributesVisitor(PhantomData))
    }
}

struct AttributesVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for AttributesVisitor<'a> {
    type Value = Attributes<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((Text(key), Text(value))) = map.next_entry::<Text<'a>, Text<'a>>()? {
            out.insert(key, value);
        }
        Ok(Attributes(out))
    }
}

/// `timestamp`: RFC 3339 text or whole epoch milliseconds; anything else is the checker's to name.
struct WireTime(Timestamp);

impl<'de> Deserialize<'de> for WireTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOrText(
            |n: Number| {
                whole_number(&n)
                    .ok_or(())
                    .and_then(|ms| epoch_millis(ms).map_err(drop))
            },
            |s: &str| Timestamp::parse_rfc3339(s).map_err(drop),
        ))
        .map(WireTime)
    }
}

/// `cost_usd`: a non-negative JSON number or a string of plain decimal digits.
struct WireCost(NanoUsd);

impl<'de> Deserialize<'de> for WireCost {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOrText(
            |n: Number| cost_of_number(&n).map_err(drop),
            |s: &str| {
                if is_plain_decimal(s) {
                    NanoUsd::parse_decimal(s).map_err(drop)
                } else {
                    Err(())
                }
            },
        ))
        .map(WireCost)
    }
}

/// A value written as a number or a string, each read by its own function; serde_json's own
/// `Number`, built as the tree builds it, keeps both passes reading the same digits the same way.
struct NumberOrText<N, S>(N, S);

impl<'de, T, N, S> Visitor<'de> for NumberOrText<N, S>
where
    N: FnOnce(Number) -> Result<T, ()>,
    S: FnOnce(&str) -> Result<T, ()>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a string")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<T, E> {
        (self.0)(n.into()).map_err(|()| E::custom("out of range"))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<T, E> {
        (self.0)(n.into()).map_err(|()| E::custom("out of range"))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<T, E> {
        let n = Number::from_f64(n).ok_or_else(|| E::custom("not finite"))?;
        (self.0)(n).map_err(|()| E::custom("out of range"))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        (self.1)(s).map_err(|()| E::custom("not valid"))
    }
}
