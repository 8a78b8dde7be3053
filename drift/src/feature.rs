//! A feature's values on one side of a comparison, and what kind of feature that makes it.

use ndarray::Array2;

use crate::embed::hashed_bag_of_words;

/// Values of one feature in one window or baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Numeric(Vec<f64>),
    Categorical(Vec<String>),
    /// Free text, compared through hashed bags of words.
    Text(Vec<String>),
    /// One row per observation.
    Embedding(Array2<f64>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Numeric(v) => v.iter().filter(|x| x.is_finite()).count(),
            Values::Categorical(v) | Values::Text(v) => v.len(),
            Values::Embedding(m) => m.nrows(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows for the multivariate tests.
    pub fn as_matrix(&self) -> Array2<f64> {
        match self {
            Values::Numeric(v) => {
                let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                Array2::from_shape_vec((finite.len(), 1), finite).unwrap_or_default()
            }
            Values::Categorical(v) | Values::Text(v) => hashed_bag_of_words(v),
            Values::Embedding(m) => m.clone(),
        }
    }
}

/// How the automatic choice sees a feature, from its reference values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Numeric with more than 5 distinct values.
    Continuous,
    /// Few distinct values, compared as categories.
    Categorical,
    /// Exactly two distinct values.
    Binary,
    Text,
    Embedding,
}

/// Numeric features with at most this many distinct reference values are treated as categories.
pub const LOW_CARDINALITY: usize = 5;

/// The kind of a feature from its reference values.
pub fn kind(reference: &Values) -> Kind {
    match reference {
        Values::Numeric(v) => match distinct_up_to(v, LOW_CARDINALITY) {
            2 => Kind::Binary,
            d if d > LOW_CARDINALITY => Kind::Continuous,
            _ => Kind::Categorical,
        },
        Values::Categorical(v) => {
            let mut distinct: Vec<&String> = v.iter().collect();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() == 2 {
                Kind::Binary
            } else {
                Kind::Categorical
            }
        }
        Values::Text(_) => Kind::Text,
        Values::Embedding(_) => Kind::Embedding,
    }
}

/// Distinct finite values, counted up to `limit + 1` (enough to tell "more than limit"), so a
/// continuous feature stops the scan within its first few values.
fn distinct_up_to(values: &[f64], limit: usize) -> usize {
    let mut seen: Vec<f64> = Vec::with_capacity(limit + 1);
    for &v in values.iter().filter(|v| v.is_finite()) {
        let v = v + 0.0; // -0 and 0 are one value
        if !seen.contains(&v) {
            seen.push(v);
            if seen.len() > limit {
                break;
            }
        }
    }
    seen.len()
}

/// Category labels for a numeric feature treated as categorical; `-0` and `0` are one category.
pub fn as_categories(values: &Values) -> Option<Vec<String>> {
    match values {
        Values::Numeric(v) => Some(
            v.iter()
                .filter(|x| x.is_finite())
                .map(|x| (x + 0.0).to_string())
                .collect(),
        ),
        Values::Categorical(v) => Some(v.clone()),
        Values::Text(_) | Values::Embedding(_) => None,
    }
}
