//! The monitor's drift check of one window: each feature of one model against its reference (a
//! trailing window or a pinned baseline), the rows for `drift_reports`, and the verdicts that feed
//! alert rules: the share of drifted features, and how many windows in a row have drifted.

pub mod features;
pub mod metrics;
pub mod windows;

use arrow::array::RecordBatch;
use sightline_schemas::{Timestamp, drift_reports::DriftReport};

pub use features::{Feature, FeatureKind, Source, default_features};
pub use metrics::DriftMetrics;
pub use windows::{Streaks, Window, closed_windows};

use crate::{
    CompareConfig, FeatureReport, baseline::Baseline, compare, compare_to_baseline, dataset_drift,
};

/// The feature name of the row that carries a window's dataset-level verdict.
pub const DATASET_FEATURE: &str = "*";

/// Where a window's reference comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Reference<'a> {
    /// The rows of a stretch of time just before the window.
    Trailing(RecordBatch),
    Baseline(&'a Baseline),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckConfig {
    pub features: Vec<Feature>,
    pub compare: CompareConfig,
    /// Share of drifted features at which the model as a whole has drifted.
    pub share: f64,
    /// Drifted windows in a row before the drift is worth an alert.
    pub consecutive: u32,
}

/// A model in a window: its project and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    pub project: String,
    pub model: String,
}

impl Group {
    /// The key of the model's run in [`Streaks`].
    pub fn key(&self) -> String {
        format!("{}\u{1f}{}", self.project, self.model)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WindowCheck {
    pub reports: Vec<DriftReport>,
    pub share_drifted: f64,
    pub dataset_drifted: bool,
    /// Drifted windows in a row for this model, this one included.
    pub run: u32,
    /// Whether the run has reached the configured count.
    pub alerting: bool,
    /// Features whose verdict (their first test's) is drift.
    pub drifted: Vec<String>,
    /// Features that gave no verdict, and why.
    pub skipped: Vec<(String, String)>,
}

/// Compares every feature of `current` with the reference and records the model's verdict in
/// `streaks`, the run of drifted windows per model.
pub fn check_window(
    group: &Group,
    window: Window,
    reference: &Reference<'_>,
    current: &RecordBatch,
    config: &CheckConfig,
    streaks: &mut Streaks,
    now: Timestamp,
) -> WindowCheck {
    let mut judged: Vec<(String, FeatureReport)> = Vec::new();
    let mut skipped = Vec::new();
    for feature in &config.features {
        let Some(cur) = features::values(feature, current) else {
            skipped.push((feature.name.clone(), "not in the current rows".to_owned()));
            continue;
        };
        let report = match reference {
            Reference::Trailing(rows) => match features::values(feature, rows) {
                Some(r) => compare(&r, &cur, &feature.tests, &config.compare),
                None => {
                    skipped.push((feature.name.clone(), "not in the reference rows".to_owned()));
                    continue;
                }
            },
            Reference::Baseline(b) => match b.features.iter().find(|f| f.feature == feature.name) {
                Some(fb) => compare_to_baseline(fb, &cur, &feature.tests, &config.compare),
                None => {
                    skipped.push((feature.name.clone(), format!("not in baseline {}", b.name)));
                    continue;
                }
            },
        };
        match report {
            Ok(report) => {
                if let Some(reason) = &report.no_verdict {
                    skipped.push((feature.name.clone(), reason.clone()));
                }
                judged.push((feature.name.clone(), report));
            }
            Err(e) => skipped.push((feature.name.clone(), e.to_string())),
        }
    }
    let dataset = dataset_drift(judged.iter().map(|(_, r)| r), config.share);
    let baseline = match reference {
        Reference::Baseline(b) => Some(b.name.clone()),
        Reference::Trailing(_) => None,
    };
    let row = |feature: &str, test: &str, n_ref: usize, n_cur: usize| DriftReport {
        window_start: Timestamp(window.start),
        window_end: Timestamp(window.end),
        project: group.project.clone(),
        model: group.model.clone(),
        model_version: String::new(),
        feature: feature.to_owned(),
        test: test.to_owned(),
        statistic: 0.0,
        normed: None,
        p_value: None,
        threshold: 0.0,
        drifted: false,
        n_ref: n_ref as u64,
        n_cur: n_cur as u64,
        baseline: baseline.clone(),
        created_at: now,
    };
    let mut reports = Vec::new();
    let mut drifted = Vec::new();
    for (name, report) in &judged {
        if report.drifted() == Some(true) {
            drifted.push(name.clone());
        }
        for outcome in &report.tests {
            reports.push(DriftReport {
                statistic: outcome.statistic,
                normed: outcome.normed,
                p_value: outcome.p_value,
                threshold: outcome.threshold,
                drifted: outcome.drifted,
                ..row(name, outcome.test.name(), report.n_ref, report.n_cur)
            });
        }
    }
    let run = streaks.record(&group.key(), dataset.dataset_drifted);
    let (n_ref, n_cur) = (
        match reference {
            Reference::Trailing(rows) => rows.num_rows(),
            Reference::Baseline(b) => b.features.first().map_or(0, |f| f.count as usize),
        },
        current.num_rows(),
    );
    reports.push(DriftReport {
        statistic: dataset.share_drifted,
        threshold: config.share,
        drifted: dataset.dataset_drifted,
        ..row(DATASET_FEATURE, "share", n_ref, n_cur)
    });
    WindowCheck {
        reports,
        share_drifted: dataset.share_drifted,
        dataset_drifted: dataset.dataset_drifted,
        run,
        alerting: run >= config.consecutive.max(1),
        drifted,
        skipped,
    }
}
