//! A sparse TF-IDF linear text model, scored natively: the format `sightline-tfidf-linear/1` that
//! `scripts/models/export_toxicity_linear.py` writes from a scikit-learn `TfidfVectorizer` and a
//! sigmoid-calibrated linear classifier. A text costs a pass over its bytes, a hash lookup per
//! word and a few multiply-adds per known word, where the ONNX graph of the same model builds a
//! dense row of the whole vocabulary for every text.

use std::{path::Path, sync::LazyLock};

use regex::Regex;
use serde::Deserialize;

use super::ModelError;

const FORMAT: &str = "sightline-tfidf-linear/1";

/// scikit-learn's token pattern, `(?u)\b\w\w+\b`: maximal runs of two or more word characters,
/// where Python's `\w` is a letter, a number or `_` (and, unlike the regex crate's `\w`, no mark).
static WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}_]{2,}").expect("a valid pattern"));

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    source: String,
    terms: Vec<String>,
    idf: Vec<f64>,
    folds: Vec<FileFold>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFold {
    weights: Vec<f64>,
    intercept: f64,
    sigmoid_a: f64,
    sigmoid_b: f64,
}

#[derive(Debug, Clone, Copy)]
struct Fold {
    intercept: f64,
    sigmoid_a: f64,
    sigmoid_b: f64,
}

pub struct LinearTextModel {
    index: foldhash::HashMap<Box<str>, u32>,
    /// Per term, one after the other: its idf, then its weight in each fold. One term's numbers
    /// share a cache line or two, and a text touches only the terms it holds.
    table: Vec<f64>,
    folds: Vec<Fold>,
    /// In bytes: a longer word cannot be a term, so it is not looked up.
    longest_term: usize,
    /// Where the model came from, as its file says.
    source: String,
}

impl std::fmt::Debug for LinearTextModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearTextModel")
            .field("terms", &self.index.len())
            .field("folds", &self.folds.len())
            .field("source", &self.source)
            .finish()
    }
}

/// Buffers one scoring call reuses from text to text.
#[derive(Default)]
struct Scratch {
    lower: String,
    ids: Vec<u32>,
    dots: Vec<f64>,
}

impl LinearTextModel {
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let load_err = |message: String| ModelError::Load {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read(path).map_err(|e| load_err(e.to_string()))?;
        let file: File = serde_json::from_slice(&text)
            .map_err(|e| load_err(format!("not a {FORMAT} model: {e}")))?;
        Self::from_file(file).map_err(load_err)
    }

    fn from_file(file: File) -> Result<Self, String> {
        if file.format != FORMAT {
            return Err(format!(
                "format {:?} is not {FORMAT:?}; export the model with scripts/models/export_toxicity_linear.py",
                file.format
            ));
        }
        let terms = file.terms.len();
        if terms == 0 || file.folds.is_empty() {
            return Err("the model needs at least one term and one fold".into());
        }
        if file.idf.len() != terms {
            return Err(format!("{} idf weights for {terms} terms", file.idf.len()));
        }
        if let Some((k, fold)) = file
            .folds
            .iter()
            .enumerate()
            .find(|(_, f)| f.weights.len() != terms)
        {
            return Err(format!(
                "fold {k} has {} weights for {terms} terms",
                fold.weights.len()
            ));
        }
        let stride = 1 + file.folds.len();
        let mut table = Vec::with_capacity(terms * stride);
        for t in 0..terms {
            table.push(file.idf[t]);
            table.extend(file.folds.iter().map(|f| f.weights[t]));
        }
        let folds: Vec<Fold> = file
            .folds
            .iter()
            .map(|f| Fold {
                intercept: f.intercept,
                sigmoid_a: f.sigmoid_a,
                sigmoid_b: f.sigmoid_b,
            })
            .collect();
        let finite = table.iter().all(|v| v.is_finite())
            && folds.iter().all(|f| {
                f.intercept.is_finite() && f.sigmoid_a.is_finite() && f.sigmoid_b.is_finite()
            });
        if !finite {
            return Err("the model holds a number that is not finite".into());
        }
        let longest_term = file.terms.iter().map(String::len).max().unwrap_or(0);
        let mut index = foldhash::HashMap::with_capacity_and_hasher(terms, Default::default());
        for (id, term) in file.terms.into_iter().enumerate() {
            if index.insert(term.into_boxed_str(), id as u32).is_some() {
                return Err(format!("term {id} appears twice"));
            }
        }
        Ok(Self {
            index,
            table,
            folds,
            longest_term,
            source: file.source,
        })
    }

    /// The positive-class probability of each text.
    pub fn score(&self, texts: &[&str]) -> Vec<f64> {
        let mut scratch = Scratch {
            dots: vec![0.0; self.folds.len()],
            ..Scratch::default()
        };
        texts
            .iter()
            .map(|text| self.score_one(text, &mut scratch))
            .collect()
    }

    fn score_one(&self, text: &str, scratch: &mut Scratch) -> f64 {
        let Scratch { lower, ids, dots } = scratch;
        ids.clear();
        self.known_terms(text, lower, ids);
        ids.sort_unstable();
        dots.fill(0.0);
        let stride = 1 + self.folds.len();
        let mut norm2 = 0.0;
        for run in ids.chunk_by(|a, b| a == b) {
            let row = &self.table[run[0] as usize * stride..][..stride];
            let x = run.len() as f64 * row[0];
            norm2 += x * x;
            for (dot, weight) in dots.iter_mut().zip(&row[1..]) {
                *dot += x * weight;
            }
        }
        // A text with no known term is the zero vector, which L2 normalisation leaves as it is.
        let scale = if norm2 > 0.0 {
            norm2.sqrt().recip()
        } else {
            0.0
        };
        let sum: f64 = dots
            .iter()
            .zip(&self.folds)
            .map(|(dot, f)| {
                let decision = dot * scale + f.intercept;
                1.0 / (1.0 + (f.sigmoid_a * decision + f.sigmoid_b).exp())
            })
            .sum();
        sum / self.folds.len() as f64
    }

    /// Pushes the id of every word of `text` that is a term, as often as it occurs.
    fn known_terms(&self, text: &str, lower: &mut String, ids: &mut Vec<u32>) {
        let mut push = |word: &str| {
            if word.len() <= self.longest_term
                && let Some(&id) = self.index.get(word)
            {
                ids.push(id);
            }
        };
        lower.clear();
        if text.is_ascii() {
            lower.push_str(text);
            lower.make_ascii_lowercase();
            let bytes = lower.as_bytes();
            let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
            let mut i = 0;
            while i < bytes.len() {
                if !is_word(bytes[i]) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                if i - start >= 2 {
                    push(&lower[start..i]);
                }
            }
        } else {
            // Whole-string lowercasing, as Python's str.lower: a final capital sigma becomes ς.
            lower.push_str(&text.to_lowercase());
            WORDS.find_iter(lower).for_each(|m| push(m.as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two terms, one fold whose sigmoid is the identity on the decision's sign.
    fn model() -> LinearTextModel {
        LinearTextModel::from_file(File {
            format: FORMAT.into(),
            source: "test".into(),
            terms: vec!["bad".into(), "café".into(), "good".into()],
            idf: vec![2.0, 1.0, 1.0],
            folds: vec![FileFold {
                weights: vec![3.0, 1.0, -3.0],
                intercept: 0.0,
                sigmoid_a: -1.0,
                sigmoid_b: 0.0,
            }],
        })
        .expect("a valid model")
    }

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn counts_times_idf_normalised_then_dotted() {
        let m = model();
        // bad twice (x = 4) and good once (x = 1): (4*3 - 3) / sqrt(17).
        let expected = sigmoid(9.0 / 17f64.sqrt());
        let got = m.score(&["BAD bad, good!"])[0];
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    }

    #[test]
    fn unknown_and_one_letter_words_score_the_intercept() {
        let m = model();
        assert_eq!(m.score(&["", "a b c", "badly goods"]), vec![0.5; 3]);
    }

    #[test]
    fn non_ascii_text_is_lowercased_and_split_like_python() {
        let m = model();
        // "CAFÉ" lowercases to a term; the em dash and the combining mark split words.
        let one = sigmoid(1.0);
        let got = m.score(&["CAFÉ—x", "cafe\u{301}"]);
        assert!((got[0] - one).abs() < 1e-12, "{}", got[0]);
        assert_eq!(got[1], 0.5, "a combining mark is not a word character");
    }

    #[test]
    fn malformed_models_are_refused_with_the_reason() {
        let bad = |edit: fn(&mut File)| {
            let mut file = File {
                format: FORMAT.into(),
                source: String::new(),
                terms: vec!["a".into(), "b".into()],
                idf: vec![1.0, 1.0],
                folds: vec![FileFold {
                    weights: vec![1.0, 1.0],
                    intercept: 0.0,
                    sigmoid_a: -1.0,
                    sigmoid_b: 0.0,
                }],
            };
            edit(&mut file);
            LinearTextModel::from_file(file).expect_err("refused")
        };
        assert!(bad(|f| f.format = "other".into()).contains("is not"));
        assert!(
            bad(|f| {
                f.idf.pop();
            })
            .contains("idf")
        );
        assert!(bad(|f| f.folds[0].weights.push(1.0)).contains("fold 0"));
        assert!(bad(|f| f.terms[1] = "a".into()).contains("twice"));
        assert!(bad(|f| f.idf[0] = f64::NAN).contains("finite"));
    }
}
