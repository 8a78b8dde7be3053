//! The features the monitor checks, read from `llm_events`, and how their values become samples.

use arrow::{
    array::{Array, ArrayRef, AsArray, RecordBatch},
    compute::cast,
    datatypes::{DataType, Float64Type},
};
use serde::{Deserialize, Serialize};

use crate::{Choice, Values};

/// How a feature's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    Numeric,
    /// Numbers compared on a log scale (`ln(1 + x)`), for heavy-tailed values such as latency.
    LogNumeric,
    Categorical,
}

/// Where a feature's values come from in `llm_events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Column,
    /// The length in characters of a text column.
    LengthOf,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The name in reports; also the column it is selected as.
    pub name: String,
    pub column: String,
    pub source: Source,
    pub kind: FeatureKind,
    pub tests: Choice,
}

impl Feature {
    fn new(name: &str, column: &str, source: Source, kind: FeatureKind) -> Self {
        Self {
            name: name.to_owned(),
            column: column.to_owned(),
            source,
            kind,
            tests: Choice::Auto,
        }
    }
}

/// Null categories are a category of their own: a rise in missing finish reasons is drift too.
pub const MISSING: &str = "(none)";

/// What the monitor checks unless configured otherwise.
pub fn default_features() -> Vec<Feature> {
    use FeatureKind::*;
    use Source::*;
    vec![
        Feature::new("latency_ms", "latency_ms", Column, LogNumeric),
        Feature::new("input_tokens", "input_tokens", Column, Numeric),
        Feature::new("output_tokens", "output_tokens", Column, Numeric),
        Feature::new("cost_nusd", "cost_nusd", Column, Numeric),
        Feature::new("toxicity", "offensive_language", Column, Numeric),
        Feature::new("response_length", "output", LengthOf, Numeric),
        Feature::new("finish_reason", "finish_reason", Column, Categorical),
        Feature::new("model_version", "model_version", Column, Categorical),
        Feature::new("error_class", "error_class", Column, Categorical),
    ]
}

/// The feature's values from a batch that has a column named after it; nulls are left out of
/// numbers and counted as [`MISSING`] in categories.
pub fn values(feature: &Feature, batch: &RecordBatch) -> Option<Values> {
    let column: &ArrayRef = batch.column_by_name(&feature.name)?;
    Some(match feature.kind {
        FeatureKind::Numeric | FeatureKind::LogNumeric => {
            let floats = cast(column, &DataType::Float64).ok()?;
            let floats = floats.as_primitive::<Float64Type>();
            let log = feature.kind == FeatureKind::LogNumeric;
            Values::Numeric(
                floats
                    .iter()
                    .flatten()
                    .filter(|v| v.is_finite())
                    .map(|v| if log { v.max(0.0).ln_1p() } else { v })
                    .collect(),
            )
        }
        FeatureKind::Categorical => {
            let strings = cast(column, &DataType::Utf8).ok()?;
            let strings = strings.as_string::<i32>();
            Values::Categorical(
                (0..strings.len())
                    .map(|i| {
                        if strings.is_null(i) {
                            MISSING
                        } else {
                            strings.value(i)
                        }
                        .to_owned()
                    })
                    .collect(),
            )
        }
    })
}
