//! PII: counts of personal data per type in the prompt and the response, and, when configured,
//! redaction of the stored texts and of dead-letter copies: `mask` replaces each find with its
//! type, `hash` with its type and a salted HMAC-SHA256 digest, so equal values stay joinable
//! without being readable.

mod detect;

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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PiiConfig {
    pub redact: Redaction,
    /// The HMAC key for `hash`; set it through SIGHTLINE__EVALUATORS__PII__SALT rather than a file.
    pub salt: Secret,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "evaluators.pii.redact = \"hash\" needs a salt: set SIGHTLINE__EVALUATORS__PII__SALT (at least 16 bytes)"
)]
pub struct MissingSalt;

#[derive(Debug)]
pub struct PiiEvaluator {
    redact: Redaction,
    key: Option<Hmac<Sha256>>,
}

impl PiiEvaluator {
    pub fn new(config: &PiiConfig) -> Result<Self, MissingSalt> {
        let key = match config.redact {
            Redaction::Hash if config.salt.0.len() < 16 => return Err(MissingSalt),
            Redaction::Hash => Some(
                Hmac::<Sha256>::new_from_slice(config.salt.0.as_bytes())
                    .expect("HMAC takes a key of any length"),
            ),
            _ => None,
        };
        Ok(Self {
            redact: config.redact,
            key,
        })
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

impl Evaluator for PiiEvaluator {
    fn name(&self) -> &'static str {
        "pii"
    }

    fn version(&self) -> String {
        format!("1 (redact {:?})", self.redact).to_lowercase()
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
            for (column, rewritten) in [(prompts, &mut new_prompts), (outputs, &mut new_outputs)] {
                if column.is_null(row) {
                    rewritten.append_null();
                    continue;
                }
                let text = column.value(row);
                let found = detect(text);
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
                explanation: None,
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
        self.redacted(text, &detect(text))
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
        let text = "mail bob@example.com, card 4111 1111 1111 1111";
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
        };
        let hash = PiiEvaluator::new(&config).unwrap();
        let once = hash.redact_text(text).unwrap();
        assert!(!once.contains("bob@") && !once.contains("4111"), "{once}");
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
}
