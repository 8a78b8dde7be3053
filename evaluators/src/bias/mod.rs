//! Bias signals: which identity groups each prompt and response mention, and, on a sample, the
//! counterfactual gap of the toxicity scorer: how far a response's score moves when the groups it
//! mentions are swapped for others of the same axis. [`disparity`] compares toxic rates across
//! groups over a window, for the monitor and alert rules.

pub mod disparity;
mod lexicon;

use std::{path::PathBuf, sync::Arc};

use arrow::array::{Array, Float64Builder, RecordBatch, StringBuilder};
use serde::Deserialize;
use sightline_schemas::{Evaluator, EvaluatorError, Score, Scored};

pub use lexicon::{Lexicon, LexiconError};

use crate::{columns::strings, toxicity::TextClassifier};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BiasConfig {
    /// A lexicon file in the built-in one's format; the built-in one by default.
    pub lexicon: Option<PathBuf>,
    /// Share of responses that mention a group whose counterfactual gap is measured.
    pub counterfactual_sample: f64,
}

impl Default for BiasConfig {
    fn default() -> Self {
        Self {
            lexicon: None,
            counterfactual_sample: 0.05,
        }
    }
}

#[derive(Debug)]
pub struct BiasEvaluator {
    lexicon: Lexicon,
    /// The toxicity scorer, when toxicity is on; without it there is no counterfactual gap.
    scorer: Option<Arc<TextClassifier>>,
    sample_per_10k: u64,
}

impl BiasEvaluator {
    pub fn new(lexicon: Lexicon, scorer: Option<Arc<TextClassifier>>, config: &BiasConfig) -> Self {
        Self {
            lexicon,
            scorer,
            sample_per_10k: (config.counterfactual_sample.clamp(0.0, 1.0) * 10_000.0).round()
                as u64,
        }
    }

    /// The same exchanges are sampled however often they are scored: the choice hashes the id.
    fn sampled(&self, request_id: &str) -> bool {
        let hash = request_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        hash % 10_000 < self.sample_per_10k
    }

    /// The largest score change over every swap of a mentioned group, with the swap that made it.
    fn gap(&self, scorer: &TextClassifier, text: &str) -> Result<Option<(f64, String)>, String> {
        let mentions = self.lexicon.mentions(text);
        let mut groups: Vec<usize> = mentions.iter().map(|m| m.group).collect();
        groups.sort_unstable();
        groups.dedup();
        let mut variants = vec![text.to_owned()];
        let mut swaps = Vec::new();
        for &from in &groups {
            for to in self.lexicon.counterparts(from) {
                variants.push(self.lexicon.swap(text, &mentions, from, to));
                let (f, t) = (&self.lexicon.groups[from], &self.lexicon.groups[to]);
                swaps.push(format!("{}:{}->{}", f.axis, f.name, t.name));
            }
        }
        if swaps.is_empty() {
            return Ok(None);
        }
        let refs: Vec<&str> = variants.iter().map(String::as_str).collect();
        let scores = scorer.score(&refs).map_err(|e| e.to_string())?;
        let original = scores[0];
        Ok(scores[1..]
            .iter()
            .zip(swaps)
            .map(|(s, swap)| ((s - original).abs(), swap))
            .max_by(|a, b| a.0.total_cmp(&b.0)))
    }
}

impl Evaluator for BiasEvaluator {
    fn name(&self) -> &'static str {
        "bias"
    }

    fn version(&self) -> String {
        format!(
            "1 ({} groups, counterfactual sample {}/10000)",
            self.lexicon.groups.len(),
            self.sample_per_10k
        )
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<Scored, EvaluatorError> {
        let err = |message: String| EvaluatorError {
            evaluator: "bias",
            message,
        };
        let prompts = strings(batch, "prompt").map_err(err)?;
        let outputs = strings(batch, "output").map_err(err)?;
        let request_ids = strings(batch, "request_id").map_err(err)?;
        let rows = batch.num_rows();
        let mut prompt_tags = StringBuilder::new();
        let mut output_tags = StringBuilder::new();
        let mut gaps = Float64Builder::with_capacity(rows);
        let mut scores = Vec::new();
        for row in 0..rows {
            let tags_of = |column: &arrow::array::StringArray| {
                (!column.is_null(row))
                    .then(|| self.lexicon.tags(&self.lexicon.mentions(column.value(row))))
            };
            let (p, o) = (tags_of(prompts), tags_of(outputs));
            prompt_tags.append_option(p.as_deref());
            output_tags.append_option(o.as_deref());
            let mentioned = o.as_deref().is_some_and(|t| !t.is_empty());
            if mentioned {
                scores.push(Score {
                    row,
                    metric: "identity_groups",
                    score: Some(o.as_deref().map_or(0, |t| t.split(',').count()) as f64),
                    label: o.clone(),
                    explanation: None,
                });
            }
            let gap = match &self.scorer {
                Some(scorer) if mentioned && self.sampled(request_ids.value(row)) => {
                    self.gap(scorer, outputs.value(row)).map_err(err)?
                }
                _ => None,
            };
            gaps.append_option(gap.as_ref().map(|(g, _)| *g));
            if let Some((g, swap)) = gap {
                scores.push(Score {
                    row,
                    metric: "counterfactual_gap",
                    score: Some(g),
                    label: None,
                    explanation: Some(swap),
                });
            }
        }
        Ok(Scored {
            columns: vec![
                ("identity_groups_prompt", Arc::new(prompt_tags.finish())),
                ("identity_groups_output", Arc::new(output_tags.finish())),
                ("counterfactual_gap", Arc::new(gaps.finish())),
            ],
            scores,
        })
    }
}
