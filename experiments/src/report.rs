//! An experiment's report: each arm's figures, and each metric of each arm against the control
//! with its test, difference, interval, p-value and the sample a fixed-horizon test needs.

use std::fmt::Write as _;

use serde::Serialize;

use crate::{
    samples::ArmSamples,
    stats::{Difference, mann_whitney, proportions, sample_size, welch},
};

pub const ALPHA: f64 = 0.05;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub by: String,
    pub control: String,
    pub arms: Vec<ArmSummary>,
    pub comparisons: Vec<Comparison>,
    pub design: Design,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArmSummary {
    pub name: String,
    pub exchanges: u64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub error_rate: Option<f64>,
    pub cost_per_exchange_usd: Option<f64>,
    pub toxicity_rate: Option<f64>,
    pub toxicity_scored: u64,
    pub feedback_mean: Option<f64>,
    pub feedback_count: u64,
}

/// One metric of one arm against the control.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub arm: String,
    pub metric: &'static str,
    pub test: &'static str,
    /// What `control` and `value` are: the median, the mean or the rate.
    pub summary: &'static str,
    pub control: Option<f64>,
    pub value: Option<f64>,
    /// `None` where a side has too few values for the test.
    pub difference: Option<Difference>,
    pub significant: bool,
    /// Values on each side: the control's, then the arm's.
    pub sample: [u64; 2],
    /// Per arm, for a fixed-horizon test to detect the design's relative change.
    pub needed_per_arm: Option<u64>,
}

/// How the p-values may be read.
#[derive(Debug, Clone, Serialize)]
pub struct Design {
    pub horizon: &'static str,
    pub alpha: f64,
    pub power: f64,
    pub minimum_detectable_effect: f64,
    pub note: String,
}

/// The report for `arms`, control first; `minimum_detectable_effect` is relative (0.1 = 10 %).
pub fn build(by: &str, arms: &[(String, ArmSamples)], minimum_detectable_effect: f64) -> Report {
    let (control_name, control) = &arms[0];
    let mde = minimum_detectable_effect;
    let mut comparisons = Vec::new();
    for (name, arm) in &arms[1..] {
        let mut add = |metric,
                       test,
                       summary,
                       values: (Option<f64>, Option<f64>),
                       difference: Option<Difference>,
                       sample,
                       needed| {
            comparisons.push(Comparison {
                arm: name.clone(),
                metric,
                test,
                summary,
                control: values.0,
                value: values.1,
                significant: difference.is_some_and(|d| d.p_value < ALPHA),
                difference,
                sample,
                needed_per_arm: needed,
            });
        };
        for (metric, c, a) in [
            ("latency_ms", &control.latency_ms, &arm.latency_ms),
            ("cost_usd", &control.cost_usd, &arm.cost_usd),
        ] {
            let moments = c.moments();
            add(
                metric,
                "mann_whitney_u",
                "median",
                (c.quantile(0.5), a.quantile(0.5)),
                mann_whitney::compare(c, a),
                [c.total(), a.total()],
                moments
                    .mean()
                    .and_then(|mean| sample_size::ranks(mean, moments.variance(), mde)),
            );
        }
        for (metric, c, a) in [
            (
                "cost_per_exchange_usd",
                control.cost_moments,
                arm.cost_moments,
            ),
            ("feedback_score", control.feedback, arm.feedback),
        ] {
            add(
                metric,
                "welch_t",
                "mean",
                (c.mean(), a.mean()),
                welch::compare(&c, &a),
                [c.n, a.n],
                c.mean()
                    .and_then(|mean| sample_size::means(mean, c.variance(), mde)),
            );
        }
        for (metric, c, a) in [
            ("error_rate", control.errors, arm.errors),
            ("toxicity_rate", control.toxic, arm.toxic),
        ] {
            add(
                metric,
                "two_proportion_z",
                "rate",
                (c.rate(), a.rate()),
                proportions::compare(c, a),
                [c.n, a.n],
                c.rate().and_then(|rate| sample_size::rates(rate, mde)),
            );
        }
    }
    Report {
        by: by.to_owned(),
        control: control_name.clone(),
        arms: arms.iter().map(|(name, s)| summary(name, s)).collect(),
        comparisons,
        design: Design {
            horizon: "fixed",
            alpha: ALPHA,
            power: sample_size::POWER,
            minimum_detectable_effect: mde,
            note: format!(
                "Fixed-horizon tests: a p-value holds for one look at a sample size chosen in advance. \
                 Looking again as traffic arrives and stopping at the first p < {ALPHA} finds differences \
                 that are not there far more often than {:.0} % of the time. needed_per_arm is the sample each arm \
                 needs to detect a {:.0} % change of the control's value with {:.0} % power; decide on it \
                 first and read the result once.",
                ALPHA * 100.0,
                mde * 100.0,
                sample_size::POWER * 100.0
            ),
        },
    }
}

fn summary(name: &str, s: &ArmSamples) -> ArmSummary {
    ArmSummary {
        name: name.to_owned(),
        exchanges: s.exchanges,
        latency_p50_ms: s.latency_ms.quantile(0.5),
        latency_p95_ms: s.latency_ms.quantile(0.95),
        error_rate: s.errors.rate(),
        cost_per_exchange_usd: s.cost_moments.mean(),
        toxicity_rate: s.toxic.rate(),
        toxicity_scored: s.toxic.n,
        feedback_mean: s.feedback.mean(),
        feedback_count: s.feedback.n,
    }
}

impl Report {
    /// The report as text, for a terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "experiment by {}: control {}", self.by, self.control);
        let _ = writeln!(
            out,
            "\n{:<16} {:>10} {:>10} {:>10} {:>8} {:>14} {:>9} {:>9}",
            "arm", "exchanges", "p50 ms", "p95 ms", "errors", "cost/exchange", "toxic", "feedback"
        );
        for a in &self.arms {
            let _ = writeln!(
                out,
                "{:<16} {:>10} {:>10} {:>10} {:>8} {:>14} {:>9} {:>9}",
                a.name,
                a.exchanges,
                figure(a.latency_p50_ms, 1),
                figure(a.latency_p95_ms, 1),
                percent(a.error_rate),
                a.cost_per_exchange_usd
                    .map_or("-".into(), |c| format!("${c:.6}")),
                percent(a.toxicity_rate),
                figure(a.feedback_mean, 2),
            );
        }
        for arm in self.arms.iter().skip(1) {
            let _ = writeln!(out, "\n{} against {}", arm.name, self.control);
            let _ = writeln!(
                out,
                "{:<22} {:<17} {:>12} {:>12} {:>36} {:>10} {:>12}",
                "metric", "test", "control", "arm", "difference [95 % interval]", "p", "needed/arm"
            );
            for c in self.comparisons.iter().filter(|c| c.arm == arm.name) {
                let digits = if c.metric.starts_with("cost") { 7 } else { 4 };
                let empty = if c.sample.iter().all(|&n| n >= 2) {
                    "no variation"
                } else {
                    "too few values"
                };
                let difference = c.difference.map_or(empty.into(), |d| {
                    format!(
                        "{:+.*} [{:+.*}, {:+.*}]",
                        digits, d.estimate, digits, d.low, digits, d.high
                    )
                });
                let _ = writeln!(
                    out,
                    "{:<22} {:<17} {:>12} {:>12} {:>36} {:>10} {:>12}",
                    c.metric,
                    c.test,
                    figure(c.control, digits),
                    figure(c.value, digits),
                    difference,
                    c.difference.map_or("-".into(), |d| format!(
                        "{}{}",
                        p_value(d.p_value),
                        if c.significant { " *" } else { "" }
                    )),
                    c.needed_per_arm.map_or("-".into(), |n| format!(
                        "{n} (have {})",
                        c.sample[0].min(c.sample[1])
                    )),
                );
            }
        }
        let _ = writeln!(out, "\n* p < {ALPHA}. {}", self.design.note);
        out
    }
}

fn figure(value: Option<f64>, digits: usize) -> String {
    value.map_or("-".into(), |v| format!("{v:.digits$}"))
}

fn p_value(p: f64) -> String {
    if p >= 0.001 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("-".into(), |r| format!("{:.2}%", r * 100.0))
}
