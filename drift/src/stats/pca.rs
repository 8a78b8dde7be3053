//! Multivariate drift as PCA reconstruction error (NannyML's data reconstruction drift): fit a
//! PCA (linfa-reduction) on the standardised reference keeping enough components for a share of
//! the variance, then compare the current window's mean reconstruction error with the spread of
//! the reference's own chunks.

use linfa::{DatasetBase, traits::Fit, traits::Predict};
use linfa_reduction::Pca;
use ndarray::{Array1, Array2, ArrayView2, Axis, Slice};

use super::{Outcome, Test};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PcaConfig {
    /// Share of the reference's variance the kept components must explain.
    pub variance: f64,
    /// Rows per reference chunk when measuring the error's natural spread.
    pub chunk_rows: usize,
}

impl Default for PcaConfig {
    fn default() -> Self {
        Self {
            variance: 0.65,
            chunk_rows: 500,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PcaError {
    #[error("PCA needs at least 2 numeric columns, the same on both sides")]
    Columns,
    #[error("PCA needs at least 2 reference chunks of {0} rows")]
    TooFewChunks(usize),
    #[error("PCA failed: {0}")]
    Fit(String),
}

/// A reference fitted once and reusable for every current window.
#[derive(Debug)]
pub struct Reconstruction {
    mean: Array1<f64>,
    std: Array1<f64>,
    pca: Pca<f64>,
    /// Mean and standard deviation of the reference chunks' errors.
    pub reference_error: (f64, f64),
}

impl Reconstruction {
    pub fn fit(reference: ArrayView2<f64>, config: &PcaConfig) -> Result<Self, PcaError> {
        if reference.ncols() < 2 {
            return Err(PcaError::Columns);
        }
        let chunks = reference.nrows() / config.chunk_rows.max(1);
        if chunks < 2 {
            return Err(PcaError::TooFewChunks(config.chunk_rows));
        }
        let mean = reference.mean_axis(Axis(0)).ok_or(PcaError::Columns)?;
        let std = reference
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 1e-12 { s } else { 1.0 });
        let standard = (&reference - &mean) / &std;
        let fit = |k: usize| {
            Pca::params(k)
                .fit(&DatasetBase::from(standard.clone()))
                .map_err(|e| PcaError::Fit(e.to_string()))
        };
        let full = fit(reference.ncols())?;
        let mut explained = 0.0;
        let keep = full
            .explained_variance_ratio()
            .iter()
            .take_while(|r| {
                let short = explained < config.variance;
                explained += *r;
                short
            })
            .count()
            .max(1);
        let mut model = Self {
            mean,
            std,
            pca: fit(keep)?,
            reference_error: (0.0, 0.0),
        };
        let errors: Vec<f64> = (0..chunks)
            .map(|c| {
                let rows = reference.slice_axis(
                    Axis(0),
                    Slice::from(c * config.chunk_rows..(c + 1) * config.chunk_rows),
                );
                model.error(rows)
            })
            .collect();
        let mu = errors.iter().sum::<f64>() / errors.len() as f64;
        let sigma =
            (errors.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / errors.len() as f64).sqrt();
        model.reference_error = (mu, sigma);
        Ok(model)
    }

    /// Mean Euclidean distance between each standardised row and its reconstruction.
    pub fn error(&self, rows: ArrayView2<f64>) -> f64 {
        let standard: Array2<f64> = (&rows - &self.mean) / &self.std;
        let projected: Array2<f64> = self.pca.predict(&standard);
        let rebuilt = self.pca.inverse_transform(projected);
        let distances = (&standard - &rebuilt)
            .mapv(|d| d * d)
            .sum_axis(Axis(1))
            .mapv(f64::sqrt);
        distances.mean().unwrap_or(f64::NAN)
    }

    /// Drift when the window's error is more than `sigmas` reference deviations from the
    /// reference's mean error; `normed` is that distance in deviations.
    pub fn test(&self, current: ArrayView2<f64>, sigmas: f64) -> Outcome {
        let error = self.error(current);
        let (mu, sigma) = self.reference_error;
        let z = (error - mu) / sigma.max(1e-12);
        Outcome {
            test: Test::PcaReconstruction,
            statistic: error,
            normed: Some(z),
            p_value: None,
            threshold: sigmas,
            drifted: z.abs() > sigmas,
        }
    }
}
