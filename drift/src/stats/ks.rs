//! Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(method='auto')`.

use super::{Outcome, Test, kolmogorov};
use crate::sample::Sorted;

pub use kolmogorov::KsResult;

pub fn ks_2samp(reference: &Sorted, current: &Sorted) -> KsResult {
    kolmogorov::ks_2samp_sorted(reference.values(), current.values())
}

pub fn test(reference: &Sorted, current: &Sorted, threshold: f64) -> Outcome {
    let result = ks_2samp(reference, current);
    Outcome::by_p_value(Test::Ks, result.statistic, result.p_value, threshold)
}
