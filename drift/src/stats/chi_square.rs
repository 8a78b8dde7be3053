//! Chi-square test of independence on the 2 × K table of reference against current counts, as
//! `scipy.stats.chi2_contingency(correction=False)`. Categories new in the current sample are
//! columns like any other: the reference's zero there is what makes them count.

use super::{Outcome, Test, special::chi2_sf};

/// The statistic and its p-value; with one category there is nothing to test, so (0, 1).
pub fn chi_square(reference: &[u64], current: &[u64]) -> (f64, f64) {
    let columns: Vec<(f64, f64)> = reference
        .iter()
        .zip(current)
        .filter(|(r, c)| **r + **c > 0)
        .map(|(&r, &c)| (r as f64, c as f64))
        .collect();
    let total_r: f64 = columns.iter().map(|c| c.0).sum();
    let total_c: f64 = columns.iter().map(|c| c.1).sum();
    let total = total_r + total_c;
    if columns.len() < 2 || total_r == 0.0 || total_c == 0.0 {
        return (0.0, 1.0);
    }
    let term = |observed: f64, expected: f64| (observed - expected).powi(2) / expected;
    let statistic: f64 = columns
        .iter()
        .map(|&(r, c)| {
            let column = r + c;
            term(r, total_r * column / total) + term(c, total_c * column / total)
        })
        .sum();
    let dof = (columns.len() - 1) as f64;
    (statistic, chi2_sf(statistic, dof))
}

pub fn test(reference: &[u64], current: &[u64], threshold: f64) -> Outcome {
    let (statistic, p_value) = chi_square(reference, current);
    Outcome::by_p_value(Test::ChiSquare, statistic, p_value, threshold)
}
