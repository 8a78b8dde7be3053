//! PII: counts of personal data per type in the prompt and the response, and, when configured,
//! redaction of the stored texts and of dead-letter copies: `mask` replaces each find with its
//! type, `hash` with its type and a salted HMAC-SHA256 digest, so equal values stay joinable
//! without being readable. Only finds at or above the confidence threshold count or are redacted;
//! the evaluation's explanation lists every find with its confidence.

mod checks;
mod context;
mod detect;
mod phone;

use std::sync::Arc;

use arrow::array::{Array, RecordBatch, StringArray, StringBuilder, UInt64Builder};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use sightline_schemas::{Evaluator, EvaluatorError, Score, Scored};

pub use detect::{Found, PiiKind, detect};

use crate::columns::strings;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Redaction {
    #[default]
    Off,
    Mask,
    Hash,
}

/// A secret that never prints, not even in an error about its type.
#[derive(Clone, Default)]
pub struct Secret(String);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Scalar;
        impl serde::de::Visitor<'_> for Scalar {
            type Value = Secret;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a secret string")
            }
            fn visit_str<E>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_owned()))
            }
            // A salt of digits arrives from the environment as a number.
            fn visit_i64<E>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(E::custom("the salt must be text; quote it"))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(E::custom("the salt must be text; quote it"))
            }
        }
        d.deserialize_any(Scalar)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "(unset)"
        } else {
            "(secret)"
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PiiConfig {
    pub redact: Redaction,
    /// The HMAC key for `hash`; set it through SIGHTLINE__EVALUATORS__PII__SALT rather than a file.
    pub salt: Secret,
    /// The confidence, in [0, 1], from which a find counts and is redacted.
    pub threshold: f32,
}

impl Default for PiiConfig {
    fn default() -> Self {
        Self {
            redact: Redaction::Off,
            salt: Secret::default(),
            threshold: 0.5,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PiiConfigError {
    #[error(
        "evaluators.pii.redact = \"hash\" needs a salt: set SIGHTLINE__EVALUATORS__PII__SALT (at least 16 bytes)"
    )]
    MissingSalt,
    #[error("evaluators.pii.threshold is {0}; it must be a confidence between 0 and 1")]
    Threshold(f32),
}

#[derive(Debug)]
pub struct PiiEvaluator {
    redact: Redaction,
    key: Option<Hmac<Sha256>>,
    threshold: f32,
}

impl PiiEvaluator {
    pub fn new(config: &PiiConfig) -> Result<Self, PiiConfigError> {
        if !(0.0..=1.0).contains(&config.threshold) {
            return Err(PiiConfigError::Threshold(config.threshold));
        }
        let key = match config.redact {
            Redaction::Hash if config.salt.0.len() < 16 => return Err(PiiConfigError::MissingSalt),
            Redaction::Hash => Some(
                Hmac::<Sha256>::new_from_slice(config.salt.0.as_bytes())
                    .expect("HMAC takes a key of any length"),
            ),
            _ => None,
        };
        Ok(Self {
            redact: config.redact,
            key,
            threshold: config.threshold,
        })
    }

    /// The finds in `text` that count: those at or above the threshold.
    pub fn detect(&self, text: &str) -> Vec<Found> {
        let mut found = detect(text);
        found.retain(|f| f.confidence >= self.threshold);
        found
    }

    /// The text with every find replaced, or None when there is nothing to replace.
    pub fn redacted(&self, text: &str, found: &[Found]) -> Option<String> {
        if self.redact == Redaction::Off || found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for f in found {
            out.push_str(&text[at..f.start]);
            let kind = f.kind.as_str().to_ascii_uppercase();
            match &self.key {
                Some(key) => {
                    let mut mac = key.clone();
                    mac.update(&text.as_bytes()[f.start..f.end]);
                    let digest = mac.finalize().into_bytes();
                    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
                    out.push_str(&format!("[{kind}:{hex}]"));
                }
                None => out.push_str(&format!("[{kind}]")),
            }
            at = f.end;
        }
        out.push_str(&text[at..]);
        Some(out)
    }
}

impl PiiEvaluator {
    /// Every find with its confidence, those that did not count marked so: "credit_card 0.95,
    /// phone 0.30 (below 0.50)". Never the found text itself.
    fn explain(&self, weighed: &[(PiiKind, f32)]) -> Option<String> {
        if weighed.is_empty() {
            return None;
        }
        let parts: Vec<String> = weighed
            .iter()
            .map(|(kind, confidence)| {
                let below = if *confidence < self.threshold {
                    format!(" (below {:.2})", self.threshold)
                } else {
                    String::new()
                };
                format!("{} {confidence:.2}{below}", kind.as_str())
            })
            .collect();
        Some(parts.join(", "))
    }
}

impl Evaluator for PiiEvaluator {
    fn name(&self) -> &'static str {
        "pii"
    }

    fn version(&self) -> String {
        format!(
            "2 (redact {}, threshold {:.2})",
            format!("{:?}", self.redact).to_lowercase(),
            self.threshold
        )
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<Scored, EvaluatorError> {
        let err = |message: String| EvaluatorError {
            evaluator: "pii",
            message,
        };
        let prompts = strings(batch, "prompt").map_err(err)?;
        let outputs = strings(batch, "output").map_err(err)?;
        let rows = batch.num_rows();
        let mut counts: Vec<UInt64Builder> = PiiKind::ALL
            .iter()
            .map(|_| UInt64Builder::with_capacity(rows))
            .collect();
        let mut new_prompts = StringBuilder::new();
        let mut new_outputs = StringBuilder::new();
        let mut scores = Vec::with_capacity(rows);
        for row in 0..rows {
            let mut per_kind = [0u64; PiiKind::ALL.len()];
            let mut weighed = Vec::new();
            for (column, rewritten) in [(prompts, &mut new_prompts), (outputs, &mut new_outputs)] {
                if column.is_null(row) {
                    rewritten.append_null();
                    continue;
                }
                let text = column.value(row);
                let mut found = detect(text);
                weighed.extend(found.iter().map(|f| (f.kind, f.confidence)));
                found.retain(|f| f.confidence >= self.threshold);
                for f in &found {
                    per_kind[PiiKind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0)] += 1;
                }
                match self.redacted(text, &found) {
                    Some(r) => rewritten.append_value(r),
                    None => rewritten.append_value(text),
                }
            }
            for (builder, n) in counts.iter_mut().zip(per_kind) {
                builder.append_value(n);
            }
            let kinds: Vec<&str> = PiiKind::ALL
                .iter()
                .zip(per_kind)
                .filter(|(_, n)| *n > 0)
                .map(|(k, _)| k.as_str())
                .collect();
            scores.push(Score {
                row,
                metric: "pii_found",
                score: Some(per_kind.iter().sum::<u64>() as f64),
                label: Some(if kinds.is_empty() {
                    "none".into()
                } else {
                    kinds.join(",")
                }),
                explanation: self.explain(&weighed),
            });
        }
        let mut columns: Vec<(&'static str, Arc<dyn Array>)> = PiiKind::ALL
            .iter()
            .zip(counts.iter_mut())
            .map(|(kind, b)| (kind.column(), Arc::new(b.finish()) as Arc<dyn Array>))
            .collect();
        if self.redact != Redaction::Off {
            let prompt: StringArray = new_prompts.finish();
            let output: StringArray = new_outputs.finish();
            columns.push(("prompt", Arc::new(prompt)));
            columns.push(("output", Arc::new(output)));
        }
        Ok(Scored { columns, scores })
    }

    fn redact_text(&self, text: &str) -> Option<String> {
        self.redacted(text, &self.detect(text))
    }

    fn withhold_on_failure(&self) -> &[&'static str] {
        match self.redact {
            Redaction::Off => &[],
            Redaction::Mask | Redaction::Hash => &["prompt", "output"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_hashes_without_leaking() {
        let text = "mail bob@example.com, card 4069 0067 9218 8143";
        let mask = PiiEvaluator::new(&PiiConfig {
            redact: Redaction::Mask,
            ..PiiConfig::default()
        })
        .unwrap();
        assert_eq!(
            mask.redact_text(text).unwrap(),
            "mail [EMAIL], card [CREDIT_CARD]"
        );
        let config = PiiConfig {
            redact: Redaction::Hash,
            salt: Secret("0123456789abcdef".into()),
            ..PiiConfig::default()
        };
        let hash = PiiEvaluator::new(&config).unwrap();
        let once = hash.redact_text(text).unwrap();
        assert!(!once.contains("bob@") && !once.contains("4069"), "{once}");
        assert_eq!(once, hash.redact_text(text).unwrap(), "hashing is stable");
        assert!(format!("{config:?}").contains("(secret)"));
        assert!(
            PiiEvaluator::new(&PiiConfig {
                redact: Redaction::Hash,
                ..PiiConfig::default()
            })
            .is_err()
        );
    }

    #[test]
    fn finds_below_the_threshold_are_explained_but_neither_counted_nor_redacted() {
        let text = "use the test card 4242 4242 4242 4242, or mail bob@example.com";
        let prompt: Arc<dyn Array> = Arc::new(StringArray::from(vec![text]));
        let output: Arc<dyn Array> = Arc::new(StringArray::from(vec![None::<&str>]));
        let batch = RecordBatch::try_from_iter([("prompt", prompt), ("output", output)]).unwrap();
        let mask = PiiEvaluator::new(&PiiConfig {
            redact: Redaction::Mask,
            ..PiiConfig::default()
        })
        .unwrap();
        let scored = mask.evaluate(&batch).unwrap();
        let score = &scored.scores[0];
        assert_eq!(score.score, Some(1.0), "the email only");
        assert_eq!(
            score.explanation.as_deref(),
            Some("credit_card 0.10 (below 0.50), email 0.95")
        );
        assert_eq!(
            mask.redact_text(text).unwrap(),
            "use the test card 4242 4242 4242 4242, or mail [EMAIL]"
        );

        let everything = PiiEvaluator::new(&PiiConfig {
            redact: Redaction::Mask,
            threshold: 0.0,
            ..PiiConfig::default()
        })
        .unwrap();
        assert_eq!(
            everything.redact_text(text).unwrap(),
            "use the test card [CREDIT_CARD], or mail [EMAIL]"
        );
        let err = PiiEvaluator::new(&PiiConfig {
            threshold: 1.5,
            ..PiiConfig::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
    }
}
