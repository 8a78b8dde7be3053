//! Pooled two-proportion z-test for binary features.

use super::{Outcome, Test, special::normal_sf};

/// (z, two-sided p) for `hits` out of `n` on each side; (0, 1) where the test says nothing: an
/// empty side, or a pooled rate of 0 or 1.
pub fn two_proportion(reference: (u64, u64), current: (u64, u64)) -> (f64, f64) {
    let ((n1, x1), (n2, x2)) = (reference, current);
    if n1 == 0 || n2 == 0 {
        return (0.0, 1.0);
    }
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return (0.0, 1.0);
    }
    let z = (x2 as f64 / n2 as f64 - x1 as f64 / n1 as f64) / se;
    (z, 2.0 * normal_sf(z.abs()))
}

/// `reference` and `current` as (n, hits).
pub fn test(reference: (u64, u64), current: (u64, u64), threshold: f64) -> Outcome {
    let (z, p) = two_proportion(reference, current);
    Outcome::by_p_value(Test::ZTest, z, p, threshold)
}
