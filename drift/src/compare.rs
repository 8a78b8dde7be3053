//! Comparing a feature's reference with its current values: which tests to run (Evidently's
//! automatic choice by kind and reference size, or an explicit one), running them, and the
//! dataset-level verdict.

use serde::Serialize;

use crate::{
    baseline::{FeatureBaseline, Histogram},
    feature::{Kind, Values, as_categories, kind},
    stats::{
        ClassifierConfig, MmdConfig, Outcome, Test,
        binned::{Pair, Side},
        bins::CategoryCounts,
        bins::QuantileBins,
        chi_square, domain_classifier, jensen_shannon, ks, mmd, psi, wasserstein, z_test,
    },
};

/// Which tests a feature gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Choice {
    /// The test for its kind and reference size, with PSI beside it where PSI applies.
    #[default]
    Auto,
    /// Every test that applies to its kind, the automatic one first.
    All,
    /// Exactly these, in this order.
    Only(Vec<Test>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompareConfig {
    /// References up to this size get KS or chi-square; larger ones Wasserstein or Jensen–Shannon.
    pub small_reference: usize,
    /// No verdict when either side has fewer values.
    pub min_samples: usize,
    pub psi_bins: usize,
    /// Per-test thresholds; a test without one uses its default.
    pub thresholds: Vec<(Test, f64)>,
    pub mmd: MmdConfig,
    pub classifier: ClassifierConfig,
}

impl Default for CompareConfig {
    fn default() -> Self {
        Self {
            small_reference: 1000,
            min_samples: 30,
            psi_bins: 10,
            thresholds: Vec::new(),
            mmd: MmdConfig::default(),
            classifier: ClassifierConfig::default(),
        }
    }
}

impl CompareConfig {
    pub fn threshold(&self, test: Test) -> f64 {
        self.thresholds
            .iter()
            .find(|(t, _)| *t == test)
            .map_or_else(|| test.default_threshold(), |(_, v)| *v)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CompareError {
    #[error("{test} does not apply to a {kind} feature")]
    NotApplicable { test: Test, kind: &'static str },
    #[error("the reference and current values are of different types")]
    Mismatch,
    #[error("{0}")]
    Test(String),
}

/// One feature's comparison. The first test decides the verdict; the others are context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureReport {
    pub n_ref: usize,
    pub n_cur: usize,
    pub tests: Vec<Outcome>,
    /// Why there is no verdict (too few values), when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_verdict: Option<String>,
}

impl FeatureReport {
    pub fn drifted(&self) -> Option<bool> {
        self.tests.first().map(|t| t.drifted)
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Continuous => "numeric",
        Kind::Categorical => "categorical",
        Kind::Binary => "binary",
        Kind::Text => "text",
        Kind::Embedding => "embedding",
    }
}

/// The tests to run for a feature of `kind` with `n_ref` reference values.
pub fn tests_for(kind: Kind, n_ref: usize, choice: &Choice, config: &CompareConfig) -> Vec<Test> {
    let small = n_ref <= config.small_reference;
    let primary = match kind {
        Kind::Continuous if small => Test::Ks,
        Kind::Continuous => Test::Wasserstein,
        Kind::Categorical if small => Test::ChiSquare,
        Kind::Categorical => Test::JensenShannon,
        Kind::Binary => Test::ZTest,
        Kind::Text | Kind::Embedding => Test::DomainClassifier,
    };
    let applicable = applicable(kind);
    match choice {
        Choice::Auto => {
            let mut tests = vec![primary];
            if applicable.contains(&Test::Psi) {
                tests.push(Test::Psi);
            }
            tests
        }
        Choice::All => std::iter::once(primary)
            .chain(applicable.iter().copied().filter(|t| *t != primary))
            .collect(),
        Choice::Only(tests) => tests.clone(),
    }
}

fn applicable(kind: Kind) -> &'static [Test] {
    match kind {
        Kind::Continuous => &[
            Test::Ks,
            Test::Psi,
            Test::Wasserstein,
            Test::JensenShannon,
            Test::Mmd,
        ],
        Kind::Categorical => &[Test::ChiSquare, Test::Psi, Test::JensenShannon],
        Kind::Binary => &[Test::ZTest, Test::ChiSquare, Test::Psi, Test::JensenShannon],
        Kind::Text | Kind::Embedding => &[Test::DomainClassifier, Test::Mmd],
    }
}

/// Compares one feature.
pub fn compare(
    reference: &Values,
    current: &Values,
    choice: &Choice,
    config: &CompareConfig,
) -> Result<FeatureReport, CompareError> {
    compare_inner(reference, None, current, choice, config)
}

/// Compares one feature with a pinned baseline: histogram tests use the baseline's bins and
/// counts over all of its rows, sample tests its reservoir.
pub fn compare_to_baseline(
    baseline: &FeatureBaseline,
    current: &Values,
    choice: &Choice,
    config: &CompareConfig,
) -> Result<FeatureReport, CompareError> {
    let reference = baseline.sample.values();
    // A baseline keeps few-valued numbers as categories; the window's numbers follow suit.
    let as_categories = match (&reference, current) {
        (Values::Categorical(_), Values::Numeric(_)) => {
            as_categories(current).map(Values::Categorical)
        }
        _ => None,
    };
    let current = as_categories.as_ref().unwrap_or(current);
    compare_inner(&reference, Some(baseline), current, choice, config)
}

fn compare_inner(
    reference: &Values,
    baseline: Option<&FeatureBaseline>,
    current: &Values,
    choice: &Choice,
    config: &CompareConfig,
) -> Result<FeatureReport, CompareError> {
    if std::mem::discriminant(reference) != std::mem::discriminant(current) {
        return Err(CompareError::Mismatch);
    }
    let kind = kind(reference);
    let n_ref = baseline.map_or(reference.len(), |b| b.count as usize);
    let n_cur = current.len();
    let tests = tests_for(kind, n_ref, choice, config);
    let mut report = FeatureReport {
        n_ref,
        n_cur,
        tests: Vec::new(),
        no_verdict: None,
    };
    if n_ref.min(n_cur) < config.min_samples {
        report.no_verdict = Some(format!(
            "{} values, fewer than the {} a verdict needs",
            n_ref.min(n_cur),
            config.min_samples
        ));
        return Ok(report);
    }
    if let Some(test) = tests.iter().find(|t| !applicable(kind).contains(t)) {
        return Err(CompareError::NotApplicable {
            test: *test,
            kind: kind_name(kind),
        });
    }
    let pair = match (reference, current) {
        (Values::Numeric(r), Values::Numeric(c)) => Some(Pair::new(r.clone(), c.clone())),
        _ => None,
    };
    let histogram = baseline.map(|b| &b.histogram);
    let inputs = Inputs {
        reference,
        histogram,
        current,
        pair: pair.as_ref(),
        kind,
        config,
    };
    for test in tests {
        report.tests.push(inputs.run(test)?);
    }
    Ok(report)
}

/// What the tests of one feature share: its values, bucketed once for the numeric tests.
struct Inputs<'a> {
    reference: &'a Values,
    /// A baseline's histogram over all its rows, used instead of one made from `reference`.
    histogram: Option<&'a Histogram>,
    current: &'a Values,
    pair: Option<&'a Pair>,
    kind: Kind,
    config: &'a CompareConfig,
}

impl Inputs<'_> {
    fn run(&self, test: Test) -> Result<Outcome, CompareError> {
        let threshold = self.config.threshold(test);
        Ok(match test {
            Test::Ks => ks::test(self.numeric(), threshold),
            Test::Wasserstein => wasserstein::test(self.numeric(), threshold),
            Test::Psi => {
                let (r, c) = self.histograms();
                psi::test(&r, &c, threshold)
            }
            Test::JensenShannon => {
                let (r, c) = self.histograms();
                jensen_shannon::test(&r, &c, threshold)
            }
            Test::ChiSquare => {
                let (r, c) = self.histograms();
                chi_square::test(&r, &c, threshold)
            }
            Test::ZTest => {
                let (r, c) = self.histograms();
                // The first reference category is the "hit"; the unseen bucket is a miss.
                let side = |counts: &[u64]| (counts.iter().sum(), counts[0]);
                z_test::test(side(&r), side(&c), threshold)
            }
            Test::Mmd => mmd::test(
                self.reference.as_matrix().view(),
                self.current.as_matrix().view(),
                &self.config.mmd,
                threshold,
            ),
            Test::DomainClassifier => domain_classifier::test(
                self.reference.as_matrix().view(),
                self.current.as_matrix().view(),
                &self.config.classifier,
                threshold,
            )
            .map_err(|e| CompareError::Test(e.to_string()))?,
            Test::PcaReconstruction => {
                return Err(CompareError::NotApplicable {
                    test,
                    kind: kind_name(self.kind),
                });
            }
        })
    }

    fn numeric(&self) -> &Pair {
        self.pair.expect("numeric tests run on numeric features")
    }

    /// Reference-quantile bins for a continuous feature, the categories (and the unseen bucket)
    /// for any other.
    fn histograms(&self) -> (Vec<u64>, Vec<u64>) {
        match (self.histogram, self.pair) {
            (Some(Histogram::Bins { edges, counts }), Some(pair)) => {
                let bins = QuantileBins::from_edges(edges.clone());
                return (counts.clone(), pair.counts(&bins, Side::Current));
            }
            (Some(Histogram::Categories { categories, counts }), _) => {
                let c = as_categories(self.current).unwrap_or_default();
                return CategoryCounts::against(categories, counts, &c[..]).with_unseen();
            }
            _ => {}
        }
        if let (Kind::Continuous, Some(pair)) = (self.kind, self.pair) {
            let bins = pair.quantile_bins(self.config.psi_bins);
            return (
                pair.counts(&bins, Side::Reference),
                pair.counts(&bins, Side::Current),
            );
        }
        let r = as_categories(self.reference).unwrap_or_default();
        let c = as_categories(self.current).unwrap_or_default();
        CategoryCounts::of(&r, &c).with_unseen()
    }
}

/// The dataset-level verdict over features that have one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DatasetDrift {
    pub share_drifted: f64,
    pub dataset_drifted: bool,
}

/// Dataset drift when at least `share` of the judged features drifted.
pub fn dataset_drift<'a>(
    reports: impl IntoIterator<Item = &'a FeatureReport>,
    share: f64,
) -> DatasetDrift {
    let verdicts: Vec<bool> = reports
        .into_iter()
        .filter_map(FeatureReport::drifted)
        .collect();
    let drifted = verdicts.iter().filter(|d| **d).count();
    let share_drifted = if verdicts.is_empty() {
        0.0
    } else {
        drifted as f64 / verdicts.len() as f64
    };
    DatasetDrift {
        share_drifted,
        dataset_drifted: !verdicts.is_empty() && share_drifted >= share,
    }
}
