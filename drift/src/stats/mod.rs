//! The drift tests, each a pure function of two samples (or their histograms).

pub mod binned;
pub mod bins;
pub mod chi_square;
pub mod domain_classifier;
pub mod jensen_shannon;
pub mod kolmogorov;
pub mod ks;
pub mod mmd;
mod outcome;
pub mod pca;
pub mod psi;
pub mod special;
pub mod wasserstein;
pub mod z_test;

pub use domain_classifier::ClassifierConfig;
pub use mmd::MmdConfig;
pub use outcome::{Outcome, Test};
pub use pca::PcaConfig;
