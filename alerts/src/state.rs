//! The life of each alert (one rule and one label set), as in Prometheus: inactive; pending while
//! the condition has held for less than the rule's `for`; firing; resolved once it stops holding.
//! Every change is a [`Transition`], which the monitor stores in `alert_events`; replaying those
//! rows rebuilds the same state after a restart, so a firing alert does not fire again.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use crate::rules::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Inactive,
    Pending,
    Firing,
    Resolved,
}

impl State {
    pub const ALL: [State; 4] = [Self::Inactive, Self::Pending, Self::Firing, Self::Resolved];

    pub fn name(self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::Pending => "pending",
            Self::Firing => "firing",
            Self::Resolved => "resolved",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    fn active(self) -> bool {
        matches!(self, Self::Pending | Self::Firing)
    }
}

/// One alert as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub rule: String,
    /// `alertname`, `severity`, the rule's labels, and the labels the value was computed per.
    pub labels: BTreeMap<String, String>,
    pub fingerprint: String,
    pub state: State,
    /// When the condition began to hold (ms).
    pub active_at: i64,
    /// When it last fired (ms).
    pub fired_at: Option<i64>,
    /// When it last resolved (ms).
    pub resolved_at: Option<i64>,
    pub value: Option<f64>,
    /// Whether its latest firing ran the rule's action, which it does unless the alert had fired
    /// less than the rule's cooldown before.
    pub acted: bool,
}

/// A change of state, with the alert as it is after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub from: State,
    pub alert: Alert,
    pub at: i64,
}

/// A stored transition, read back on start.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub time: i64,
    pub rule: String,
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    pub to: State,
    pub value: Option<f64>,
}

/// Every alert the monitor knows, by rule and fingerprint.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    alerts: HashMap<(String, String), Alert>,
}

/// The labels of the alert for one computed value.
pub fn alert_labels(rule: &Rule, series: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut labels = rule.labels.clone();
    labels.extend(series.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels.insert("alertname".into(), rule.name.clone());
    labels.insert("severity".into(), rule.severity.clone());
    labels
}

/// A short stable hash of a label set.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hash = Sha256::new();
    for (k, v) in labels {
        hash.update(k.as_bytes());
        hash.update([0]);
        hash.update(v.as_bytes());
        hash.update([0]);
    }
    hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Alerts {
    /// Rebuilds the state from stored transitions in time order, keeping only the rules given.
    pub fn restore(stored: impl IntoIterator<Item = Stored>, rules: &[Rule]) -> Self {
        let mut alerts: HashMap<(String, String), Alert> = HashMap::new();
        for row in stored {
            let Some(rule) = rules.iter().find(|r| r.name == row.rule) else {
                continue;
            };
            let cooldown_ms = rule.cooldown.as_millis() as i64;
            let key = (row.rule.clone(), row.fingerprint.clone());
            let alert = alerts.entry(key).or_insert_with(|| Alert {
                rule: row.rule,
                labels: row.labels,
                fingerprint: row.fingerprint,
                state: State::Inactive,
                active_at: row.time,
                fired_at: None,
                resolved_at: None,
                value: None,
                acted: false,
            });
            if row.to.active() && !alert.state.active() {
                alert.active_at = row.time;
            }
            match row.to {
                State::Firing => {
                    alert.acted = alert.fired_at.is_none_or(|f| row.time - f >= cooldown_ms);
                    alert.fired_at = Some(row.time);
                }
                State::Resolved => alert.resolved_at = Some(row.time),
                _ => {}
            }
            alert.state = row.to;
            alert.value = row.value;
        }
        Self { alerts }
    }

    /// One evaluation of a rule at `now` (ms): the value for each label set it computed. A known
    /// alert whose label set has no value now is treated as not holding.
    pub fn evaluate(
        &mut self,
        rule: &Rule,
        values: &[(BTreeMap<String, String>, f64)],
        now: i64,
    ) -> Vec<Transition> {
        let hold_ms = rule.hold.as_millis() as i64;
        let cooldown_ms = rule.cooldown.as_millis() as i64;
        let mut seen = Vec::with_capacity(values.len());
        let mut out = Vec::new();
        for (series, value) in values {
            let labels = alert_labels(rule, series);
            let fingerprint = fingerprint(&labels);
            seen.push(fingerprint.clone());
            let key = (rule.name.clone(), fingerprint.clone());
            let alert = self.alerts.entry(key).or_insert_with(|| Alert {
                rule: rule.name.clone(),
                labels,
                fingerprint,
                state: State::Inactive,
                active_at: now,
                fired_at: None,
                resolved_at: None,
                value: None,
                acted: false,
            });
            alert.value = Some(*value);
            let holds = rule.condition.holds(*value);
            let from = alert.state;
            let to = match (from, holds) {
                (State::Inactive | State::Resolved, true) if hold_ms == 0 => State::Firing,
                (State::Inactive | State::Resolved, true) => State::Pending,
                (State::Pending, true) if now - alert.active_at >= hold_ms => State::Firing,
                (State::Pending, false) => State::Inactive,
                (State::Firing, false) => State::Resolved,
                (state, _) => state,
            };
            if let Some(t) = step(alert, to, now, cooldown_ms) {
                out.push(t);
            }
        }
        for alert in self.alerts.values_mut() {
            if alert.rule != rule.name || seen.contains(&alert.fingerprint) {
                continue;
            }
            let to = match alert.state {
                State::Pending => State::Inactive,
                State::Firing => State::Resolved,
                other => other,
            };
            if to != alert.state {
                alert.value = None;
            }
            if let Some(t) = step(alert, to, now, cooldown_ms) {
                out.push(t);
            }
        }
        // An alert at rest is kept while its last firing still counts for the cooldown, so a
        // blip of pending in between does not reset it.
        self.alerts.retain(|_, a| match a.state {
            State::Inactive | State::Resolved => {
                a.rule != rule.name || a.fired_at.is_some_and(|f| now - f < cooldown_ms)
            }
            _ => true,
        });
        out
    }

    /// Pending and firing alerts.
    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.values().filter(|a| a.state.active())
    }

    pub fn count(&self, state: State) -> usize {
        self.alerts.values().filter(|a| a.state == state).count()
    }
}

fn step(alert: &mut Alert, to: State, now: i64, cooldown_ms: i64) -> Option<Transition> {
    let from = alert.state;
    if to == from {
        return None;
    }
    match to {
        State::Pending => alert.active_at = now,
        State::Firing => {
            if !from.active() {
                alert.active_at = now;
            }
            alert.acted = alert.fired_at.is_none_or(|f| now - f >= cooldown_ms);
            alert.fired_at = Some(now);
        }
        State::Resolved => alert.resolved_at = Some(now),
        State::Inactive => {}
    }
    alert.state = to;
    Some(Transition {
        from,
        alert: alert.clone(),
        at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Format, parse};

    fn rule(hold: &str, cooldown: &str) -> Rule {
        let text = format!(
            "[[rules]]\nname = \"slow\"\nexpr = \"p99(latency_ms) > 100\"\nwindow = \"1m\"\nfor = \"{hold}\"\ncooldown = \"{cooldown}\"\naction = {{ kind = \"notify\", url = \"http://127.0.0.1/\" }}\n"
        );
        parse(&text, Format::Toml).unwrap().remove(0)
    }

    fn series(version: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("model".into(), "m".into()),
            ("version".into(), version.into()),
        ])
    }

    fn states(t: &[Transition]) -> Vec<(State, State)> {
        t.iter().map(|t| (t.from, t.alert.state)).collect()
    }

    #[test]
    fn pending_then_firing_then_resolved() {
        let r = rule("10s", "1h");
        let mut alerts = Alerts::default();
        let slow = |v| vec![(series("v2"), v)];
        assert!(alerts.evaluate(&r, &slow(50.0), 0).is_empty());
        assert_eq!(
            states(&alerts.evaluate(&r, &slow(500.0), 1_000)),
            [(State::Inactive, State::Pending)]
        );
        assert!(alerts.evaluate(&r, &slow(500.0), 10_999).is_empty());
        let fired = alerts.evaluate(&r, &slow(500.0), 11_000);
        assert_eq!(states(&fired), [(State::Pending, State::Firing)]);
        assert!(fired[0].alert.acted);
        assert_eq!(fired[0].alert.active_at, 1_000);
        assert!(alerts.evaluate(&r, &slow(600.0), 12_000).is_empty());
        assert_eq!(
            states(&alerts.evaluate(&r, &slow(50.0), 13_000)),
            [(State::Firing, State::Resolved)]
        );
        // Again within the cooldown, after a pending blip: it fires, but does not act.
        alerts.evaluate(&r, &slow(500.0), 14_000);
        assert_eq!(
            states(&alerts.evaluate(&r, &slow(50.0), 15_000)),
            [(State::Pending, State::Inactive)]
        );
        alerts.evaluate(&r, &slow(500.0), 16_000);
        let again = alerts.evaluate(&r, &slow(500.0), 30_000);
        assert_eq!(states(&again), [(State::Pending, State::Firing)]);
        assert!(!again[0].alert.acted);
    }

    #[test]
    fn a_blip_shorter_than_for_never_fires_and_a_vanished_series_resolves() {
        let r = rule("10s", "0s");
        let mut alerts = Alerts::default();
        alerts.evaluate(&r, &[(series("v2"), 500.0)], 0);
        assert_eq!(
            states(&alerts.evaluate(&r, &[(series("v2"), 5.0)], 5_000)),
            [(State::Pending, State::Inactive)]
        );
        let r0 = rule("0s", "0s");
        assert_eq!(
            states(&alerts.evaluate(&r0, &[(series("v3"), 500.0)], 6_000)),
            [(State::Inactive, State::Firing)]
        );
        assert_eq!(
            states(&alerts.evaluate(&r0, &[], 7_000)),
            [(State::Firing, State::Resolved)]
        );
    }

    #[test]
    fn a_restored_firing_alert_does_not_fire_again() {
        let r = rule("10s", "1h");
        let mut first = Alerts::default();
        let mut stored = Vec::new();
        for (at, v) in [(0, 500.0), (10_000, 500.0)] {
            for t in first.evaluate(&r, &[(series("v2"), v)], at) {
                stored.push(Stored {
                    time: t.at,
                    rule: t.alert.rule.clone(),
                    fingerprint: t.alert.fingerprint.clone(),
                    labels: t.alert.labels.clone(),
                    to: t.alert.state,
                    value: t.alert.value,
                });
            }
        }
        assert_eq!(stored.last().unwrap().to, State::Firing);
        let mut second = Alerts::restore(stored, std::slice::from_ref(&r));
        assert_eq!(second.count(State::Firing), 1);
        assert!(second.active().all(|a| a.acted));
        assert!(
            second
                .evaluate(&r, &[(series("v2"), 700.0)], 20_000)
                .is_empty()
        );
        let resolved = second.evaluate(&r, &[(series("v2"), 7.0)], 21_000);
        assert_eq!(states(&resolved), [(State::Firing, State::Resolved)]);
        assert_eq!(resolved[0].alert.active_at, 0);
    }
}
