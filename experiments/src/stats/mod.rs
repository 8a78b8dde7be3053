//! The tests an experiment runs between two arms, each giving the difference (arm minus control)
//! with a 95 % interval and a two-sided p-value, as scipy computes them.

pub mod histogram;
pub mod mann_whitney;
pub mod proportions;
pub mod sample_size;
pub mod welch;

use serde::Serialize;
use sightline_drift::stats::special::{normal_sf, student_t_sf};

/// Two-sided 95 %.
pub const CONFIDENCE: f64 = 0.95;

/// A difference between two arms and how sure the test is of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// The arm's value minus the control's.
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// The test's statistic: U for Mann–Whitney, t for Welch, z for two proportions.
    pub statistic: f64,
    pub p_value: f64,
}

/// The normal quantile Φ⁻¹(p).
pub fn normal_quantile(p: f64) -> f64 {
    invert_sf(normal_sf, 1.0 - p)
}

/// Student's t quantile with `dof` degrees of freedom.
pub fn t_quantile(p: f64, dof: f64) -> f64 {
    invert_sf(|x| student_t_sf(x, dof), 1.0 - p)
}

/// The x where a decreasing tail function equals `tail`, by bisection on the doubles themselves:
/// their bit patterns order as they do for x ≥ 0, so 64 halvings reach the exact neighbour.
fn invert_sf(sf: impl Fn(f64) -> f64, tail: f64) -> f64 {
    if tail > 0.5 {
        // The distributions are symmetric: sf(−x) = 1 − sf(x).
        return -invert_sf(sf, 1.0 - tail);
    }
    let (mut lo, mut hi) = (0u64, f64::MAX.to_bits());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if sf(f64::from_bits(mid)) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    f64::from_bits(hi)
}
