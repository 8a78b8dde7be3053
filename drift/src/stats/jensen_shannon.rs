//! Jensen–Shannon distance in base 2 (0 to 1), as `scipy.spatial.distance.jensenshannon`.

use super::{Outcome, Test};

pub fn distance(reference: &[u64], current: &[u64]) -> f64 {
    let total_r = reference.iter().sum::<u64>() as f64;
    let total_c = current.iter().sum::<u64>() as f64;
    if total_r == 0.0 || total_c == 0.0 {
        return f64::NAN;
    }
    // Relative entropy of p against m, where a zero p contributes nothing.
    let term = |p: f64, m: f64| if p > 0.0 { p * (p / m).ln() } else { 0.0 };
    let divergence: f64 = reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| {
            let (p, q) = (r as f64 / total_r, c as f64 / total_c);
            let m = (p + q) / 2.0;
            term(p, m) + term(q, m)
        })
        .sum::<f64>()
        / 2.0
        / std::f64::consts::LN_2;
    divergence.max(0.0).sqrt()
}

pub fn test(reference: &[u64], current: &[u64], threshold: f64) -> Outcome {
    Outcome::by_distance(
        Test::JensenShannon,
        distance(reference, current),
        None,
        threshold,
    )
}
