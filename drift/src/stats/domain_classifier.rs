//! Domain classifier: can a logistic regression (linfa) tell reference rows from current ones?
//! Trained on a random half of both, scored by ROC AUC on the other half. Small samples make a
//! high AUC easy by chance, so there the threshold rises to the 95th percentile of AUCs from fits
//! on shuffled labels.

use linfa::{Dataset, traits::Fit};
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ArrayView2, Axis, concatenate};
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::{Outcome, Test};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassifierConfig {
    pub seed: u64,
    /// Below this many rows on the smaller side, the threshold comes from shuffled-label fits.
    pub small_sample: usize,
    pub null_fits: usize,
    pub max_iterations: u64,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            small_sample: 1000,
            null_fits: 20,
            max_iterations: 100,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("the domain classifier needs at least 4 rows on each side and the same columns")]
    TooFew,
    #[error("logistic regression failed: {0}")]
    Fit(String),
}

/// The test's AUC and the threshold it must exceed to count as drift.
pub fn test<'a>(
    reference: ArrayView2<'a, f64>,
    current: ArrayView2<'a, f64>,
    config: &ClassifierConfig,
    threshold: f64,
) -> Result<Outcome, ClassifierError> {
    if reference.nrows() < 4 || current.nrows() < 4 || reference.ncols() != current.ncols() {
        return Err(ClassifierError::TooFew);
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let records =
        concatenate(Axis(0), &[reference, current]).map_err(|_| ClassifierError::TooFew)?;
    let labels: Vec<usize> = (0..records.nrows())
        .map(|i| usize::from(i >= reference.nrows()))
        .collect();
    let mut order: Vec<usize> = (0..records.nrows()).collect();
    order.shuffle(&mut rng);
    let (train, held_out) = order.split_at(order.len() / 2);
    let auc = fit_and_score(&records, &labels, train, held_out, config)?;
    let mut threshold = threshold;
    if reference.nrows().min(current.nrows()) < config.small_sample {
        let mut null = Vec::with_capacity(config.null_fits);
        let mut shuffled = labels.clone();
        for _ in 0..config.null_fits {
            shuffled.shuffle(&mut rng);
            null.push(fit_and_score(&records, &shuffled, train, held_out, config)?);
        }
        null.sort_by(f64::total_cmp);
        let p95 = null[((null.len() as f64 * 0.95).ceil() as usize).saturating_sub(1)];
        threshold = threshold.max(p95);
    }
    Ok(Outcome {
        test: Test::DomainClassifier,
        statistic: auc,
        normed: None,
        p_value: None,
        threshold,
        drifted: auc > threshold,
    })
}

fn fit_and_score(
    records: &Array2<f64>,
    labels: &[usize],
    train: &[usize],
    held_out: &[usize],
    config: &ClassifierConfig,
) -> Result<f64, ClassifierError> {
    let take = |rows: &[usize]| {
        (
            records.select(Axis(0), rows),
            rows.iter().map(|&i| labels[i]).collect::<Array1<usize>>(),
        )
    };
    let (x_train, y_train) = take(train);
    let (x_test, y_test) = take(held_out);
    // A split with one class cannot be learned; chance is the honest answer.
    if y_train.iter().all(|&y| y == y_train[0]) || y_test.iter().all(|&y| y == y_test[0]) {
        return Ok(0.5);
    }
    let model = LogisticRegression::default()
        .max_iterations(config.max_iterations)
        .fit(&Dataset::new(x_train, y_train))
        .map_err(|e| ClassifierError::Fit(e.to_string()))?;
    let mut scores = model.predict_probabilities(&x_test);
    // linfa scores the class that was larger in the training split; AUC needs P(current).
    if model.labels().pos.class != 1 {
        scores.mapv_inplace(|p| 1.0 - p);
    }
    Ok(roc_auc(&scores.to_vec(), &y_test.to_vec()))
}

/// ROC AUC as the Mann–Whitney U of the positives' scores, ties sharing their average rank.
pub fn roc_auc(scores: &[f64], labels: &[usize]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += order[i..=j].iter().filter(|&&k| labels[k] == 1).count() as f64 * average_rank;
        i = j + 1;
    }
    let positives = labels.iter().filter(|&&y| y == 1).count() as f64;
    let negatives = labels.len() as f64 - positives;
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_tied_scores() {
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &[0, 0, 1, 1]), 1.0);
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &[0, 0, 1, 1]), 0.0);
        assert_eq!(roc_auc(&[0.5; 4], &[0, 1, 0, 1]), 0.5);
        // sklearn.metrics.roc_auc_score([0, 1, 0, 1, 1], [0.1, 0.4, 0.35, 0.8, 0.35]) == 11 / 12
        assert!(
            (roc_auc(&[0.1, 0.4, 0.35, 0.8, 0.35], &[0, 1, 0, 1, 1]) - 11.0 / 12.0).abs() < 1e-15
        );
    }
}
