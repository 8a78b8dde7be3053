//! Population stability index over shared bins, with empty bins smoothed so the logarithm is
//! defined.

use super::{Outcome, Test};

/// The fraction given to an empty bin.
pub const EPSILON: f64 = 1e-4;

/// PSI = Σ (cur − ref) · ln(cur / ref) over bin fractions.
pub fn psi(reference: &[u64], current: &[u64]) -> f64 {
    let fractions = |counts: &[u64]| -> Vec<f64> {
        let total = counts.iter().sum::<u64>().max(1) as f64;
        counts
            .iter()
            .map(|&c| if c == 0 { EPSILON } else { c as f64 / total })
            .collect()
    };
    let (r, c) = (fractions(reference), fractions(current));
    r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()).sum()
}

pub fn test(reference: &[u64], current: &[u64], threshold: f64) -> Outcome {
    Outcome::by_distance(Test::Psi, psi(reference, current), None, threshold)
}
