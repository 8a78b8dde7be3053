//! A waiting half of an exchange: its strings in one buffer, and the event as spans of it.
//!
//! A request that waits for its response outlives the message it came in, so its strings must be
//! copied. Copied into one buffer they cost one allocation, where owned strings cost one each.

use std::borrow::Cow;

use sightline_schemas::{Event, EventKind, EventView, Timestamp};

/// Where one string sits in the buffer. Distinct strings get distinct spans, so an attribute map
/// keeps every key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    start: usize,
    end: usize,
}

#[derive(Debug)]
pub struct Held {
    text: String,
    event: Event<Span>,
}

/// Most requests' strings fit, so the buffer seldom grows.
const TYPICAL_TEXT_BYTES: usize = 512;

impl Held {
    pub fn new(view: EventView<'_>) -> Self {
        let mut text = String::with_capacity(TYPICAL_TEXT_BYTES);
        let event = view.map_strings(&mut |s| {
            let start = text.len();
            text.push_str(&s);
            Span {
                start,
                end: text.len(),
            }
        });
        Self { text, event }
    }

    pub fn kind(&self) -> EventKind {
        self.event.kind()
    }

    pub fn timestamp(&self) -> Timestamp {
        self.event.header.timestamp
    }

    pub fn event_id(&self) -> &str {
        self.str(self.event.header.event_id)
    }

    fn str(&self, span: Span) -> &str {
        &self.text[span.start..span.end]
    }

    /// Lends the event as a view for as long as `f` runs.
    pub fn with_view<R>(self, f: impl FnOnce(EventView<'_>) -> R) -> R {
        let Self { text, event } = self;
        f(event.map_strings(&mut |s| Cow::Borrowed(&text[s.start..s.end])))
    }
}

#[cfg(test)]
mod tests {
    use sightline_schemas::{Limits, decode_view};

    use super::*;

    #[test]
    fn gives_back_the_event_it_was_made_from() {
        let json = r#"{"schema_version": "1", "event_id": "e\n1", "kind": "request", "request_id": "r1",
            "timestamp": 5, "service": "s", "environment": "e", "project": "p",
            "model": {"provider": "p", "name": "m", "version": "v"}, "operation": "chat",
            "attributes": {"zeta": "1", "alpha": "2", "mid": ""},
            "request": {"messages": [{"role": "user", "content": "hi"}], "params": {"top_p": 1}}}"#;
        let view = decode_view(json.as_bytes(), &Limits::default()).expect("valid");
        let owned = view.clone().into_owned();
        let held = Held::new(view);
        assert_eq!(
            (held.kind(), held.event_id(), held.timestamp().millis()),
            (EventKind::Request, "e\n1", 5)
        );
        assert_eq!(held.with_view(|view| view.into_owned()), owned);
    }
}
