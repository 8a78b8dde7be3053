//! Wasserstein-1 between two empirical distributions: the area between their CDFs, as
//! `scipy.stats.wasserstein_distance`, and that area over the reference's standard deviation.

use super::{Outcome, Test, binned::Pair};
use crate::sample::Sorted;

/// The smallest standard deviation a normalised distance divides by, so a constant reference
/// does not turn any change into an infinite distance.
pub const STD_FLOOR: f64 = 1e-3;

/// One merge over both sorted samples: the reference the binned path is checked against.
pub fn distance(a: &Sorted, b: &Sorted) -> f64 {
    let (a, b) = (a.values(), b.values());
    let (na, nb) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let (mut i, mut j) = (0, 0);
    let mut previous = a[0].min(b[0]);
    let mut area = 0.0;
    while i < a.len() || j < b.len() {
        let take_a = j == b.len() || (i < a.len() && a[i] <= b[j]);
        let x = if take_a { a[i] } else { b[j] };
        area += (i as f64 / na - j as f64 / nb).abs() * (x - previous);
        previous = x;
        if take_a {
            i += 1;
        } else {
            j += 1;
        }
    }
    area
}

pub fn test(pair: &Pair, threshold: f64) -> Outcome {
    let raw = pair.wasserstein();
    let normed = raw / pair.reference_std().max(STD_FLOOR);
    Outcome::by_distance(Test::Wasserstein, raw, Some(normed), threshold)
}
