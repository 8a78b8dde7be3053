//! The monitor's alert metrics in Prometheus's text format: `ALERTS{alertname, alertstate, ...}`
//! for every pending and firing alert, as Prometheus itself exposes them, so an existing
//! Alertmanager setup can scrape and route them; and how rule evaluation and delivery are going.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

use crate::state::{Alert, Alerts, State};

#[derive(Debug, Default)]
pub struct AlertMetrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Whether this monitor holds the lease and evaluates rules.
    leading: bool,
    active: Vec<Alert>,
    by_state: BTreeMap<&'static str, usize>,
    /// Per rule: the last evaluation's duration, evaluations, failures.
    rules: BTreeMap<String, (f64, u64, u64)>,
    /// Per action and outcome.
    deliveries: BTreeMap<(String, &'static str), u64>,
}

impl AlertMetrics {
    pub fn evaluated(&self, rule: &str, took: Duration, ok: bool) {
        let mut inner = self.inner.lock().expect("metrics lock");
        let entry = inner.rules.entry(rule.to_owned()).or_default();
        entry.0 = took.as_secs_f64();
        entry.1 += 1;
        entry.2 += u64::from(!ok);
    }

    pub fn delivered(&self, action: &str, ok: bool) {
        let mut inner = self.inner.lock().expect("metrics lock");
        let outcome = if ok { "ok" } else { "failed" };
        *inner
            .deliveries
            .entry((action.to_owned(), outcome))
            .or_default() += 1;
    }

    /// Takes the alerts as they stand after an evaluation round; `None` when this monitor is on
    /// standby and holds none.
    pub fn snapshot(&self, alerts: Option<&Alerts>) {
        let mut inner = self.inner.lock().expect("metrics lock");
        inner.leading = alerts.is_some();
        let empty = Alerts::default();
        let alerts = alerts.unwrap_or(&empty);
        inner.active = alerts.active().cloned().collect();
        inner
            .active
            .sort_by(|a, b| (&a.rule, &a.fingerprint).cmp(&(&b.rule, &b.fingerprint)));
        inner.by_state = [State::Pending, State::Firing, State::Resolved]
            .into_iter()
            .map(|s| (s.name(), alerts.count(s)))
            .collect();
    }

    pub fn render(&self) -> String {
        let inner = self.inner.lock().expect("metrics lock");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP sightline_monitor_leading Whether this monitor holds the lease and evaluates alert rules.\n# TYPE sightline_monitor_leading gauge\nsightline_monitor_leading {}",
            u8::from(inner.leading)
        );
        out.push_str("# HELP ALERTS Pending and firing alerts, one series per rule and label set.\n# TYPE ALERTS gauge\n");
        for alert in &inner.active {
            let mut labels = alert.labels.clone();
            labels.insert("alertstate".into(), alert.state.name().into());
            let _ = writeln!(out, "ALERTS{{{}}} 1", render_labels(&labels));
        }
        out.push_str("# HELP sightline_alerts Alerts the monitor holds, by state.\n# TYPE sightline_alerts gauge\n");
        for (state, n) in &inner.by_state {
            let _ = writeln!(out, "sightline_alerts{{state=\"{state}\"}} {n}");
        }
        out.push_str("# HELP sightline_rule_evaluation_seconds How long the rule's last evaluation took.\n# TYPE sightline_rule_evaluation_seconds gauge\n");
        for (rule, (seconds, _, _)) in &inner.rules {
            let _ = writeln!(
                out,
                "sightline_rule_evaluation_seconds{{rule=\"{}\"}} {seconds}",
                escape(rule)
            );
        }
        out.push_str("# HELP sightline_rule_evaluations_total Rule evaluations.\n# TYPE sightline_rule_evaluations_total counter\n");
        for (rule, (_, n, _)) in &inner.rules {
            let _ = writeln!(
                out,
                "sightline_rule_evaluations_total{{rule=\"{}\"}} {n}",
                escape(rule)
            );
        }
        out.push_str("# HELP sightline_rule_evaluation_failures_total Rule evaluations that could not read their metric.\n# TYPE sightline_rule_evaluation_failures_total counter\n");
        for (rule, (_, _, failed)) in &inner.rules {
            let _ = writeln!(
                out,
                "sightline_rule_evaluation_failures_total{{rule=\"{}\"}} {failed}",
                escape(rule)
            );
        }
        out.push_str("# HELP sightline_webhook_deliveries_total Webhook deliveries by action and final outcome.\n# TYPE sightline_webhook_deliveries_total counter\n");
        for ((action, outcome), n) in &inner.deliveries {
            let _ = writeln!(
                out,
                "sightline_webhook_deliveries_total{{action=\"{}\",outcome=\"{outcome}\"}} {n}",
                escape(action)
            );
        }
        out
    }
}

fn render_labels(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect::<Vec<_>>()
        .join(",")
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
