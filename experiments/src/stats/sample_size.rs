//! How many exchanges per arm a fixed-horizon test needs to detect a given relative change of the
//! control's value, at α = 0.05 (two-sided) and 80 % power: the normal-theory formulas that
//! sample-size tables use.

use super::{CONFIDENCE, normal_quantile};

pub const POWER: f64 = 0.8;

fn z_sum() -> f64 {
    normal_quantile(0.5 + CONFIDENCE / 2.0) + normal_quantile(POWER)
}

/// For a difference of means, given the control's mean and variance.
pub fn means(mean: f64, variance: f64, relative_change: f64) -> Option<u64> {
    let delta = (mean * relative_change).abs();
    (delta > 0.0 && variance.is_finite())
        .then(|| (2.0 * z_sum().powi(2) * variance / (delta * delta)).ceil() as u64)
}

/// For Mann–Whitney: the means' figure over the test's asymptotic relative efficiency to the t-test
/// on normal data, 3/π.
pub fn ranks(mean: f64, variance: f64, relative_change: f64) -> Option<u64> {
    means(mean, variance, relative_change)
        .map(|n| (n as f64 * std::f64::consts::PI / 3.0).ceil() as u64)
}

/// For a difference of rates, from the control's rate to `rate × (1 + relative_change)`.
pub fn rates(rate: f64, relative_change: f64) -> Option<u64> {
    let (p1, p2) = (rate, (rate * (1.0 + relative_change)).clamp(0.0, 1.0));
    if p1 == p2 {
        return None;
    }
    let (za, zb) = (
        normal_quantile(0.5 + CONFIDENCE / 2.0),
        normal_quantile(POWER),
    );
    let mean = (p1 + p2) / 2.0;
    let root =
        za * (2.0 * mean * (1.0 - mean)).sqrt() + zb * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    Some((root * root / ((p1 - p2) * (p1 - p2))).ceil() as u64)
}
