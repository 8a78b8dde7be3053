//! Pinned baselines: a reference frozen from a stretch of history, kept as each feature's
//! histogram (bin edges or categories, and counts over every value) and a reservoir sample for
//! the tests that need raw values.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

use crate::{
    Sorted, Values,
    feature::{Kind, as_categories, kind},
    stats::bins::{CategoryCounts, QuantileBins},
};

/// Values kept per feature for the sample-based tests.
pub const RESERVOIR: usize = 10_000;

/// Where the baseline `name` is kept in `dir`, once the name is known to be a safe file name:
/// letters, digits, `-`, `_` and `.`, not starting with `.`.
pub fn file(dir: &std::path::Path, name: &str) -> Result<std::path::PathBuf, String> {
    let fine = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !fine {
        return Err(format!(
            "baseline names are letters, digits, '-', '_' and '.', got {name:?}"
        ));
    }
    Ok(dir.join(format!("{name}.json")))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub name: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    pub from: i64,
    pub to: i64,
    /// `column=value` conditions the rows matched, e.g. `model=gpt-4o`.
    pub filter: Vec<(String, String)>,
    pub features: Vec<FeatureBaseline>,
}

/// One feature's reference; `histogram` covers every row, `sample` at most [`RESERVOIR`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureBaseline {
    pub feature: String,
    pub count: u64,
    pub histogram: Histogram,
    pub sample: Sample,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Histogram {
    /// Inner edges of the reference-quantile bins, and a count per bin (one more than edges).
    Bins { edges: Vec<f64>, counts: Vec<u64> },
    Categories {
        categories: Vec<String>,
        counts: Vec<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sample {
    Numeric(Vec<f64>),
    Categorical(Vec<String>),
}

impl Sample {
    pub fn values(&self) -> Values {
        match self {
            Sample::Numeric(v) => Values::Numeric(v.clone()),
            Sample::Categorical(v) => Values::Categorical(v.clone()),
        }
    }
}

impl FeatureBaseline {
    /// Freezes a feature's values; `bins` reference-quantile bins for numbers. None when there
    /// are no values (a feature whose evaluator is off) or they are not numbers or categories.
    pub fn of(feature: &str, values: &Values, bins: usize, seed: u64) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        // Numbers with few distinct values are compared as categories, so they are kept as such.
        let categories = match (values, kind(values)) {
            (Values::Numeric(_), Kind::Categorical | Kind::Binary) => {
                as_categories(values).map(Values::Categorical)
            }
            _ => None,
        };
        let values = categories.as_ref().unwrap_or(values);
        let (histogram, sample, count) = match values {
            Values::Numeric(v) => {
                let sorted = Sorted::new(v.clone());
                let edges = QuantileBins::of(&sorted, bins);
                let counts = edges.counts(&sorted);
                let sample = reservoir(sorted.values(), seed);
                (
                    Histogram::Bins {
                        edges: edges.edges().to_vec(),
                        counts,
                    },
                    Sample::Numeric(sample),
                    sorted.len(),
                )
            }
            Values::Categorical(v) => {
                let counts = CategoryCounts::of(v, &[] as &[String]);
                (
                    Histogram::Categories {
                        categories: counts.categories,
                        counts: counts.reference,
                    },
                    Sample::Categorical(reservoir(v, seed)),
                    v.len(),
                )
            }
            Values::Text(_) | Values::Embedding(_) => return None,
        };
        Some(Self {
            feature: feature.to_owned(),
            count: count as u64,
            histogram,
            sample,
        })
    }
}

/// Algorithm R: a uniform sample of at most [`RESERVOIR`] values, seeded so a baseline made twice
/// from the same rows is the same.
fn reservoir<T: Clone>(values: &[T], seed: u64) -> Vec<T> {
    if values.len() <= RESERVOIR {
        return values.to_vec();
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut kept: Vec<T> = values[..RESERVOIR].to_vec();
    for (i, value) in values.iter().enumerate().skip(RESERVOIR) {
        let j = rng.random_range(0..=i);
        if j < RESERVOIR {
            kept[j] = value.clone();
        }
    }
    kept
}
