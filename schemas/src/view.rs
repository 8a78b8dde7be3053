//! The decoder's borrowed view of an event, and the one pass that moves an event's strings into
//! another form: owned `String`s, or whatever compact form a holder of waiting events chooses.
//!
//! The reader decodes every message into a view, which borrows each plain string from the bytes it
//! was read from, and writes it to the Arrow builders from there; only an event that must outlive
//! its message is copied.

use std::{borrow::Cow, collections::BTreeMap};

use crate::event::{
    ErrorInfo, Event, Feedback, Header, Message, ModelRef, Payload, RequestBody, ResponseBody,
};

/// An event whose strings borrow from the bytes it was decoded from where they can; a string with
/// escapes in its JSON is unescaped into an owned one.
pub type EventView<'a> = Event<Cow<'a, str>>;

impl EventView<'_> {
    pub fn into_owned(self) -> Event {
        self.map_strings(&mut Cow::into_owned)
    }

    /// The same view, no longer tied to the bytes it was decoded from.
    pub fn into_static(self) -> EventView<'static> {
        self.map_strings(&mut |s| Cow::Owned(s.into_owned()))
    }
}

impl<S> Event<S> {
    /// Passes every string through `f`: the header's in field order, then the body's.
    ///
    /// Attributes are passed key, value, key, value, in key order, so a `T` whose order follows
    /// the order `f` made them in (an offset into one buffer, say) keeps the map sorted by key.
    pub fn map_strings<T: Ord>(self, f: &mut impl FnMut(S) -> T) -> Event<T> {
        Event {
            header: self.header.map_strings(f),
            payload: self.payload.map_strings(f),
        }
    }
}

impl<S> Header<S> {
    fn map_strings<T: Ord>(self, f: &mut impl FnMut(S) -> T) -> Header<T> {
        Header {
            schema_version: f(self.schema_version),
            event_id: f(self.event_id),
            request_id: f(self.request_id),
            timestamp: self.timestamp,
            service: f(self.service),
            environment: f(self.environment),
            project: f(self.project),
            model: self.model.map(|m| ModelRef {
                provider: f(m.provider),
                name: f(m.name),
                version: f(m.version),
            }),
            operation: self.operation.map(&mut *f),
            trace_id: self.trace_id.map(&mut *f),
            span_id: self.span_id.map(&mut *f),
            parent_span_id: self.parent_span_id.map(&mut *f),
            session_id: self.session_id.map(&mut *f),
            user_id: self.user_id.map(&mut *f),
            attributes: map_attributes(self.attributes, f),
        }
    }
}

fn map_attributes<S, T: Ord>(
    attributes: BTreeMap<S, S>,
    f: &mut impl FnMut(S) -> T,
) -> BTreeMap<T, T> {
    attributes.into_iter().map(|(k, v)| (f(k), f(v))).collect()
}

impl<S> Payload<S> {
    fn map_strings<T>(self, f: &mut impl FnMut(S) -> T) -> Payload<T> {
        match self {
            Self::Request { request } => Payload::Request {
                request: request.map_strings(f),
            },
            Self::Response { response } => Payload::Response {
                response: response.map_strings(f),
            },
            Self::Completion { request, response } => Payload::Completion {
                request: request.map_strings(f),
                response: response.map_strings(f),
            },
            Self::Feedback { feedback } => Payload::Feedback {
                feedback: Feedback {
                    score: feedback.score,
                    label: feedback.label.map(&mut *f),
                    comment: feedback.comment.map(&mut *f),
                },
            },
        }
    }
}

impl<S> RequestBody<S> {
    fn map_strings<T>(self, f: &mut impl FnMut(S) -> T) -> RequestBody<T> {
        RequestBody {
            prompt: self.prompt.map(&mut *f),
            messages: self
                .messages
                .into_iter()
                .map(|m| Message {
                    role: f(m.role),
                    content: f(m.content),
                })
                .collect(),
            params: self.params,
        }
    }
}

impl<S> ResponseBody<S> {
    fn map_strings<T>(self, f: &mut impl FnMut(S) -> T) -> ResponseBody<T> {
        ResponseBody {
            status: self.status,
            output: self.output.map(&mut *f),
            finish_reasons: self.finish_reasons.into_iter().map(&mut *f).collect(),
            error: self.error.map(|e| ErrorInfo {
                kind: f(e.kind),
                message: e.message.map(&mut *f),
            }),
            usage: self.usage,
            timings: self.timings,
            cost_usd: self.cost_usd,
        }
    }
}
