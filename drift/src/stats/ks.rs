//! Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(method='auto')`.

use super::{Outcome, Test, binned::Pair, kolmogorov};
use crate::sample::Sorted;

pub use kolmogorov::KsResult;

/// On sorted samples, by merging them: the reference the binned path is checked against.
pub fn ks_2samp(reference: &Sorted, current: &Sorted) -> KsResult {
    kolmogorov::ks_2samp_sorted(reference.values(), current.values())
}

pub fn test(pair: &Pair, threshold: f64) -> Outcome {
    let result = pair.ks();
    Outcome::by_p_value(Test::Ks, result.statistic, result.p_value, threshold)
}
