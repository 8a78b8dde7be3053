//! Statistical drift tests, windows and baselines, and drift reports.
//!
//! The tests (`stats`) match scipy where scipy has them; `compare` chooses and runs them per
//! feature the way Evidently does.

pub mod baseline;
pub mod compare;
pub mod embed;
pub mod feature;
pub mod from_arrow;
pub mod monitor;
pub mod sample;
pub mod stats;

pub use compare::{
    Choice, CompareConfig, CompareError, FeatureReport, compare, compare_to_baseline, dataset_drift,
};
pub use feature::{Kind, Values};
pub use sample::Sorted;
pub use stats::{Outcome, Test};
