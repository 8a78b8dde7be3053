//! Latency: output tokens per second of generation, and a small fixed set of error classes, next
//! to the end-to-end latency, time to first token and queueing time the join already measured.
//!
//! Columns only: these are measurements of the exchange, not judgements of it, and copying them
//! into `evaluations` as well would store four more rows for every exchange.

use std::sync::Arc;

use arrow::{
    array::{Array, AsArray, Float64Array, Float64Builder, RecordBatch, StringBuilder},
    datatypes::{Float64Type, UInt64Type},
};
use sightline_schemas::{Evaluator, EvaluatorError, Scored};

use crate::columns::{column, strings};

#[derive(Debug, Default)]
pub struct LatencyEvaluator;

/// Sorts a provider's error type into a class alert rules can count on. Checked in order, against
/// the error type lowercased with `_`, `-` and spaces removed, so `RateLimitError`,
/// `rate_limit_error` and `rate-limit` read alike.
const ERROR_CLASSES: &[(&str, &[&str])] = &[
    ("timeout", &["timeout", "timedout", "deadline"]),
    ("rate_limited", &["ratelimit", "429", "quota", "throttl"]),
    (
        "content_filtered",
        &["contentfilter", "safety", "moderation", "blocked"],
    ),
    (
        "overloaded",
        &["overload", "capacity", "529", "503", "unavailable"],
    ),
    (
        "server_error",
        &["server", "internal", "apierror", "500", "502", "504", "5xx"],
    ),
    ("cancelled", &["cancel", "abort"]),
    (
        "client_error",
        &[
            "invalid",
            "badrequest",
            "notfound",
            "permission",
            "unprocessable",
            "conflict",
            "400",
            "401",
            "403",
            "404",
            "409",
            "422",
            "contextlength",
            "auth",
        ],
    ),
];

pub fn error_class(error_type: &str) -> &'static str {
    let lower: String = error_type
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    ERROR_CLASSES
        .iter()
        .find(|(_, needles)| needles.iter().any(|n| lower.contains(n)))
        .map_or("other", |(class, _)| class)
}

impl Evaluator for LatencyEvaluator {
    fn name(&self) -> &'static str {
        "latency"
    }

    fn version(&self) -> String {
        "1".into()
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<Scored, EvaluatorError> {
        let err = |message: String| EvaluatorError {
            evaluator: "latency",
            message,
        };
        let float = |name: &str| -> Result<Float64Array, EvaluatorError> {
            Ok(column(batch, name)
                .map_err(err)?
                .as_primitive::<Float64Type>()
                .clone())
        };
        let (latency, ttft) = (float("latency_ms")?, float("ttft_ms")?);
        let output_tokens = column(batch, "output_tokens")
            .map_err(err)?
            .as_primitive::<UInt64Type>();
        let status = strings(batch, "status").map_err(err)?;
        let error_type = strings(batch, "error_type").map_err(err)?;

        let rows = batch.num_rows();
        let mut rate = Float64Builder::with_capacity(rows);
        let mut class = StringBuilder::new();
        let get = |a: &Float64Array, row: usize| (!a.is_null(row)).then(|| a.value(row));
        for row in 0..rows {
            // Generation time starts at the first token where the event says when that was.
            let generating_ms = get(&latency, row).map(|l| l - get(&ttft, row).unwrap_or(0.0));
            let tokens_per_s = match (generating_ms, output_tokens.is_null(row)) {
                (Some(ms), false) if ms > 0.0 => {
                    Some(output_tokens.value(row) as f64 * 1000.0 / ms)
                }
                _ => None,
            };
            rate.append_option(tokens_per_s);
            let failed = status.value(row) == "error";
            class.append_option(failed.then(|| {
                if error_type.is_null(row) {
                    "other"
                } else {
                    error_class(error_type.value(row))
                }
            }));
        }
        Ok(Scored {
            columns: vec![
                ("tokens_per_s", Arc::new(rate.finish())),
                ("error_class", Arc::new(class.finish())),
            ],
            scores: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_sort_into_classes() {
        assert_eq!(error_class("RateLimitError"), "rate_limited");
        assert_eq!(error_class("429"), "rate_limited");
        assert_eq!(error_class("timeout"), "timeout");
        assert_eq!(error_class("overloaded_error"), "overloaded");
        assert_eq!(error_class("InternalServerError"), "server_error");
        assert_eq!(error_class("context_length_exceeded"), "client_error");
        assert_eq!(error_class("BadRequestError"), "client_error");
        assert_eq!(error_class("not_found_error"), "client_error");
        assert_eq!(error_class("api_error"), "server_error");
        assert_eq!(error_class("something odd"), "other");
    }
}
