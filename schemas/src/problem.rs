//! Why an event was rejected: every problem found, each with the field path it concerns.

use std::fmt;

/// One validation failure. `path` is a dotted field path (`response.usage.output_tokens`,
/// `request.messages[2].role`), or `$` for the event as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// An event that cannot be accepted. Never retryable: the same bytes fail the same way, so they
/// belong in the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", summary(.problems))]
pub struct Rejection {
    pub problems: Vec<Problem>,
}

impl Rejection {
    pub const REASON_CLASSES: [&'static str; 10] = [
        "bad_json",
        "bad_utf8",
        "too_large",
        "missing_field",
        "schema_version",
        "duplicate",
        "unknown_field",
        "wrong_type",
        "invalid_value",
        "unknown",
    ];

    pub fn single(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                path: path.into(),
                reason: reason.into(),
            }],
        }
    }

    /// A short, stable label for metrics: the first problem's reason class, one of
    /// [`Rejection::REASON_CLASSES`].
    pub fn reason_class(&self) -> &'static str {
        let Some(first) = self.problems.first() else {
            return "unknown";
        };
        let r = first.reason.as_str();
        if r.starts_with("invalid JSON") {
            "bad_json"
        } else if r.starts_with("invalid UTF-8") {
            "bad_utf8"
        } else if r.starts_with("event is") {
            "too_large"
        } else if r.starts_with("missing") {
            "missing_field"
        } else if r.starts_with("unsupported schema_version") {
            "schema_version"
        } else if r.starts_with("duplicate") {
            "duplicate"
        } else if r.starts_with("unknown field") {
            "unknown_field"
        } else if r.starts_with("expected") {
            "wrong_type"
        } else {
            "invalid_value"
        }
    }
}

fn summary(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
