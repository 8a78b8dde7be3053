//! What a drift test returns, and how its statistic becomes a verdict.

use serde::{Deserialize, Serialize};

/// Every drift test Sightline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    Ks,
    Psi,
    Wasserstein,
    #[serde(rename = "jensenshannon")]
    JensenShannon,
    #[serde(rename = "chisquare")]
    ChiSquare,
    #[serde(rename = "ztest")]
    ZTest,
    Mmd,
    DomainClassifier,
    PcaReconstruction,
}

impl Test {
    pub const ALL: [Test; 9] = [
        Test::Ks,
        Test::Psi,
        Test::Wasserstein,
        Test::JensenShannon,
        Test::ChiSquare,
        Test::ZTest,
        Test::Mmd,
        Test::DomainClassifier,
        Test::PcaReconstruction,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Test::Ks => "ks",
            Test::Psi => "psi",
            Test::Wasserstein => "wasserstein",
            Test::JensenShannon => "jensenshannon",
            Test::ChiSquare => "chisquare",
            Test::ZTest => "ztest",
            Test::Mmd => "mmd",
            Test::DomainClassifier => "domain_classifier",
            Test::PcaReconstruction => "pca_reconstruction",
        }
    }

    /// Whether the verdict compares a p-value (drift below the threshold) rather than a distance
    /// (drift at or above it).
    pub fn uses_p_value(self) -> bool {
        matches!(self, Test::Ks | Test::ChiSquare | Test::ZTest | Test::Mmd)
    }

    /// Defaults as Evidently has them: 0.05 for p-values, 0.1 for distances; 0.55 AUC for the
    /// domain classifier.
    pub fn default_threshold(self) -> f64 {
        match self {
            Test::Ks | Test::ChiSquare | Test::ZTest | Test::Mmd => 0.05,
            Test::Psi | Test::Wasserstein | Test::JensenShannon => 0.1,
            Test::DomainClassifier => 0.55,
            Test::PcaReconstruction => 3.0,
        }
    }
}

impl std::fmt::Display for Test {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Test {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Test::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Test::ALL.iter().map(|t| t.name()).collect();
                format!(
                    "unknown drift test `{s}` (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// One test's result on one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub test: Test,
    pub statistic: f64,
    /// Wasserstein divided by the reference's standard deviation.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub normed: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub p_value: Option<f64>,
    pub threshold: f64,
    pub drifted: bool,
}

impl Outcome {
    /// A test judged on its p-value.
    pub fn by_p_value(test: Test, statistic: f64, p_value: f64, threshold: f64) -> Self {
        Self {
            test,
            statistic,
            normed: None,
            p_value: Some(p_value),
            threshold,
            drifted: p_value < threshold,
        }
    }

    /// A test judged on a distance: the normalised one where there is one.
    pub fn by_distance(test: Test, statistic: f64, normed: Option<f64>, threshold: f64) -> Self {
        Self {
            test,
            statistic,
            normed,
            p_value: None,
            threshold,
            drifted: normed.unwrap_or(statistic) >= threshold,
        }
    }
}
