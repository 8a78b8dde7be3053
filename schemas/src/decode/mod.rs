//! Bytes to a validated event, or a [`Rejection`] listing every problem with its field path.
//!
//! The rules here and `inference-event.v1.schema.json` describe the same language; a test runs both
//! over the fixture corpus and requires them to agree.

mod checker;
mod json;
mod path;
mod rules;
#[cfg(test)]
mod tests;
mod wire;

use checker::{Checker, Obj};
use json::Json;
use path::Path;

use rules::is_supported_version;

use crate::{SCHEMA_MAJOR, event::Event, problem::Rejection, view::EventView};

/// Size limits. The defaults are the ones the JSON Schema states.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_event_bytes: usize,
    /// Characters (Unicode scalar values) in any one text: prompt, message, output, comment.
    pub max_text_chars: usize,
    pub max_attributes: usize,
    pub max_messages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_event_bytes: 1 << 20,
            max_text_chars: 262_144,
            max_attributes: 64,
            max_messages: 1024,
        }
    }
}

/// Validates one event into an owned [`Event`]. Never panics, whatever the bytes.
pub fn decode_event(bytes: &[u8], limits: &Limits) -> Result<Event, Rejection> {
    decode_view(bytes, limits).map(EventView::into_owned)
}

/// Validates one event into a view that borrows its plain strings from `bytes`. Never panics,
/// whatever the bytes.
///
/// A valid event is read in one pass ([`wire`]); one that the pass does not accept is parsed into
/// a tree and walked by the checker, which finds every problem and names its path.
pub fn decode_view<'a>(bytes: &'a [u8], limits: &Limits) -> Result<EventView<'a>, Rejection> {
    if bytes.len() > limits.max_event_bytes {
        return Err(Rejection::single(
            "$",
            format!(
                "event is {} bytes, over the limit of {}",
                bytes.len(),
                limits.max_event_bytes
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Rejection::single("$", format!("invalid UTF-8 at byte {}", e.valid_up_to()))
    })?;
    match wire::decode(text, limits) {
        Some(event) => Ok(event),
        None => checked(text, limits),
    }
}

/// The tree and the checker: every problem, each with its path.
fn checked<'a>(text: &'a str, limits: &Limits) -> Result<EventView<'a>, Rejection> {
    let value =
        Json::parse(text).map_err(|e| Rejection::single("$", format!("invalid JSON: {e}")))?;
    let Json::Object(map) = &value else {
        return Err(Rejection::single(
            "$",
            format!("expected object, got {}", value.describe()),
        ));
    };
    let mut cx = Checker {
        problems: Vec::new(),
        limits,
    };
    let root = Obj {
        map,
        path: Path::Root,
    };
    // Read without recording a problem: the header check below reports a missing or mistyped
    // version once.
    if let Some(Json::String(version)) = root.map.get("schema_version")
        && !is_supported_version(version)
    {
        return Err(Rejection::single(
            "schema_version",
            format!("unsupported schema_version {version:?}; this worker reads {SCHEMA_MAJOR}.x"),
        ));
    }
    let event = cx.event(&root);
    match event {
        Some(event) if cx.problems.is_empty() => Ok(event),
        _ => Err(Rejection {
            problems: cx.problems,
        }),
    }
}
