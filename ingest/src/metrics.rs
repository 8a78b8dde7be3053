//! The pipeline's own metrics: fixed names, bounded label sets, Prometheus text exposition.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

use sightline_schemas::prometheus::{Counter, Gauge, Histogram};
use sightline_schemas::{Evaluators, ExchangeStatus, Rejection};

const STATUSES: [ExchangeStatus; 4] = [
    ExchangeStatus::Ok,
    ExchangeStatus::Error,
    ExchangeStatus::Lost,
    ExchangeStatus::Orphan,
];

#[derive(Debug)]
pub struct PipelineMetrics {
    pub events_in: Counter,
    pub rows_out: Counter,
    rows_by_status: [Counter; 4],
    invalid_by_reason: [Counter; Rejection::REASON_CLASSES.len()],
    pub batches: Counter,
    pub batch_rows: Histogram,
    pub sink_seconds: Histogram,
    /// Shared with the sink, which counts its own retries.
    pub sink_retries: std::sync::Arc<AtomicU64>,
    pub store_rejected: Counter,
    pub dlq_published: Counter,
    pub commits: Counter,
    pub consumer_lag: Gauge,
    pub join_open: Gauge,
    pub join_evicted: Counter,
    pub redelivered: Counter,
    pub evaluate_seconds: Histogram,
    /// Failures by evaluator name, a fixed set.
    evaluator_failures: Mutex<BTreeMap<&'static str, u64>>,
    /// The running evaluators, whose own counters are exported too.
    pub evaluators: OnceLock<Evaluators>,
}

impl Default for PipelineMetrics {
    fn default() -> Self {
        Self {
            events_in: Counter::default(),
            rows_out: Counter::default(),
            rows_by_status: Default::default(),
            invalid_by_reason: Default::default(),
            batches: Counter::default(),
            batch_rows: Histogram::new(&[1.0, 10.0, 100.0, 1_000.0, 5_000.0, 10_000.0, 50_000.0]),
            sink_seconds: Histogram::new(&[
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            sink_retries: Default::default(),
            store_rejected: Counter::default(),
            dlq_published: Counter::default(),
            commits: Counter::default(),
            consumer_lag: Gauge::default(),
            join_open: Gauge::default(),
            join_evicted: Counter::default(),
            redelivered: Counter::default(),
            evaluate_seconds: Histogram::new(&[
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            evaluator_failures: Mutex::default(),
            evaluators: OnceLock::new(),
        }
    }
}

impl PipelineMetrics {
    pub fn status(&self, status: ExchangeStatus) -> &Counter {
        &self.rows_by_status[STATUSES.iter().position(|s| *s == status).unwrap_or(0)]
    }

    pub fn invalid(&self, reason_class: &str) -> &Counter {
        let classes = Rejection::REASON_CLASSES;
        let index = classes
            .iter()
            .position(|c| *c == reason_class)
            .unwrap_or(classes.len() - 1);
        &self.invalid_by_reason[index]
    }

    pub fn evaluator_failed(&self, evaluator: &'static str) {
        *self
            .evaluator_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(evaluator)
            .or_default() += 1;
    }

    pub fn invalid_total(&self) -> u64 {
        self.invalid_by_reason.iter().map(Counter::get).sum()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "sightline_events_in_total",
            "Messages read from the source.",
            self.events_in.get(),
        );
        counter(
            "sightline_batches_total",
            "Batches written to the sink.",
            self.batches.get(),
        );
        counter(
            "sightline_sink_retries_total",
            "Transient sink failures retried.",
            self.sink_retries.load(Ordering::Relaxed),
        );
        counter(
            "sightline_store_rejected_total",
            "Rows the store refused as bad data.",
            self.store_rejected.get(),
        );
        counter(
            "sightline_dlq_published_total",
            "Messages published to the dead-letter topic.",
            self.dlq_published.get(),
        );
        counter(
            "sightline_commits_total",
            "Offset commits.",
            self.commits.get(),
        );
        counter(
            "sightline_join_evicted_total",
            "Open requests evicted because join state was full.",
            self.join_evicted.get(),
        );
        let _ = writeln!(
            out,
            "# HELP sightline_rows_out_total Rows handed to the sink, by exchange status."
        );
        let _ = writeln!(out, "# TYPE sightline_rows_out_total counter");
        for (status, c) in STATUSES.iter().zip(&self.rows_by_status) {
            let _ = writeln!(
                out,
                "sightline_rows_out_total{{status=\"{}\"}} {}",
                status.as_str(),
                c.get()
            );
        }
        let _ = writeln!(
            out,
            "# HELP sightline_events_invalid_total Rejected messages, by reason."
        );
        let _ = writeln!(out, "# TYPE sightline_events_invalid_total counter");
        for (reason, c) in Rejection::REASON_CLASSES
            .iter()
            .zip(&self.invalid_by_reason)
        {
            let _ = writeln!(
                out,
                "sightline_events_invalid_total{{reason=\"{reason}\"}} {}",
                c.get()
            );
        }
        let _ = writeln!(
            out,
            "# HELP sightline_consumer_lag Messages behind the partition ends.\n# TYPE sightline_consumer_lag gauge\nsightline_consumer_lag {}",
            self.consumer_lag.get()
        );
        let _ = writeln!(
            out,
            "# HELP sightline_join_waiting Requests and responses waiting for their other half.\n# TYPE sightline_join_waiting gauge\nsightline_join_waiting {}",
            self.join_open.get()
        );
        self.batch_rows
            .render("sightline_batch_rows", "Rows per batch.", &mut out);
        self.sink_seconds.render(
            "sightline_sink_write_seconds",
            "Time to write a batch, retries included.",
            &mut out,
        );
        self.evaluate_seconds.render(
            "sightline_evaluate_seconds",
            "Time to score a batch with every evaluator.",
            &mut out,
        );
        self.render_evaluators(&mut out);
        out
    }

    fn render_evaluators(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP sightline_evaluator_failures_total Batches an evaluator failed on.
# TYPE sightline_evaluator_failures_total counter"
        );
        let failures = self
            .evaluator_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for evaluator in self.evaluators.get().into_iter().flat_map(Evaluators::iter) {
            let n = failures.get(evaluator.name()).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "sightline_evaluator_failures_total{{evaluator=\"{}\"}} {n}",
                evaluator.name()
            );
        }
        let _ = writeln!(
            out,
            "# HELP sightline_evaluator_events_total Exchanges by evaluator and outcome.
# TYPE sightline_evaluator_events_total counter"
        );
        for evaluator in self.evaluators.get().into_iter().flat_map(Evaluators::iter) {
            for (outcome, n) in evaluator.counters() {
                let _ = writeln!(
                    out,
                    "sightline_evaluator_events_total{{evaluator=\"{}\",outcome=\"{outcome}\"}} {n}",
                    evaluator.name()
                );
            }
        }
    }
}
