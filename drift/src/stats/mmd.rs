//! Maximum mean discrepancy (unbiased MMD², Gretton et al. 2012) with an RBF kernel whose width
//! is the median pairwise distance, and a seeded permutation test for its p-value.

use ndarray::{ArrayView2, Axis};
use rand::{SeedableRng, rngs::StdRng, seq::index::sample};

use super::{Outcome, Test};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmdConfig {
    pub permutations: usize,
    /// Rows kept per side; more are subsampled, since the kernel matrix is quadratic.
    pub max_per_side: usize,
    pub seed: u64,
}

impl Default for MmdConfig {
    fn default() -> Self {
        Self {
            permutations: 200,
            max_per_side: 1000,
            seed: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmd {
    pub statistic: f64,
    pub p_value: f64,
    pub bandwidth: f64,
}

/// Rows are observations; both sides need at least two rows and the same number of columns.
pub fn mmd<'a>(
    reference: ArrayView2<'a, f64>,
    current: ArrayView2<'a, f64>,
    config: &MmdConfig,
) -> Mmd {
    if reference.nrows() < 2 || current.nrows() < 2 || reference.ncols() != current.ncols() {
        return Mmd {
            statistic: f64::NAN,
            p_value: f64::NAN,
            bandwidth: f64::NAN,
        };
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut pooled: Vec<Vec<f64>> = Vec::new();
    for side in [reference, current] {
        let keep = side.nrows().min(config.max_per_side);
        let mut rows = sample(&mut rng, side.nrows(), keep).into_vec();
        rows.sort_unstable();
        pooled.extend(
            rows.into_iter()
                .map(|i| side.index_axis(Axis(0), i).to_vec()),
        );
    }
    let m = reference.nrows().min(config.max_per_side);
    let kernel = Kernel::rbf(&pooled);
    let mut in_reference: Vec<bool> = (0..pooled.len()).map(|i| i < m).collect();
    let observed = kernel.unbiased_mmd2(&in_reference);
    // A NaN anywhere poisons every kernel sum; no permutation compares, so no verdict either.
    if !observed.is_finite() {
        return Mmd {
            statistic: observed,
            p_value: f64::NAN,
            bandwidth: kernel.bandwidth,
        };
    }
    let mut at_least = 0;
    for _ in 0..config.permutations {
        shuffle(&mut in_reference, &mut rng);
        if kernel.unbiased_mmd2(&in_reference) >= observed {
            at_least += 1;
        }
    }
    Mmd {
        statistic: observed,
        p_value: (1 + at_least) as f64 / (1 + config.permutations) as f64,
        bandwidth: kernel.bandwidth,
    }
}

pub fn test<'a>(
    reference: ArrayView2<'a, f64>,
    current: ArrayView2<'a, f64>,
    config: &MmdConfig,
    threshold: f64,
) -> Outcome {
    let result = mmd(reference, current, config);
    Outcome::by_p_value(Test::Mmd, result.statistic, result.p_value, threshold)
}

fn shuffle(labels: &mut [bool], rng: &mut StdRng) {
    use rand::seq::SliceRandom;
    labels.shuffle(rng);
}

/// The full kernel matrix of the pooled sample, computed once and reused by every permutation.
struct Kernel {
    n: usize,
    values: Vec<f64>,
    bandwidth: f64,
}

impl Kernel {
    fn rbf(rows: &[Vec<f64>]) -> Self {
        let n = rows.len();
        let mut squared = vec![0.0; n * n];
        let mut distances = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                let d2: f64 = rows[i]
                    .iter()
                    .zip(&rows[j])
                    .map(|(a, b)| (a - b).powi(2))
                    .sum();
                squared[i * n + j] = d2;
                squared[j * n + i] = d2;
                distances.push(d2.sqrt());
            }
        }
        let bandwidth = median(&mut distances).filter(|m| *m > 0.0).unwrap_or(1.0);
        let gamma = 1.0 / (2.0 * bandwidth * bandwidth);
        let values = squared.into_iter().map(|d2| (-gamma * d2).exp()).collect();
        Self {
            n,
            values,
            bandwidth,
        }
    }

    fn unbiased_mmd2(&self, in_reference: &[bool]) -> f64 {
        let (mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0);
        for i in 0..self.n {
            let row = &self.values[i * self.n..(i + 1) * self.n];
            for j in i + 1..self.n {
                match (in_reference[i], in_reference[j]) {
                    (true, true) => xx += row[j],
                    (false, false) => yy += row[j],
                    _ => xy += row[j],
                }
            }
        }
        let m = in_reference.iter().filter(|x| **x).count() as f64;
        let n = self.n as f64 - m;
        2.0 * xx / (m * (m - 1.0)) + 2.0 * yy / (n * (n - 1.0)) - 2.0 * xy / (m * n)
    }
}

/// The median, averaging the middle two for an even count (numpy's).
fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}
