//! Alert rules in the monitor. Each round computes every rule's metric through the store, moves
//! the alerts, stores the transitions in `alert_events`, and only then sends the webhooks of those
//! that act. A restart rebuilds the alerts from `alert_events`, so an alert that was firing does
//! not fire again; delivery is at least once, and every delivery of one notification carries the
//! same idempotency key.

mod evidence;
mod history;
mod once;
mod sender;

pub use once::{check_rules, dry_run};

use std::{
    collections::BTreeMap,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use sightline_alerts::{
    ActionKind, Alert, Alerts, Rule, State, Transition,
    exposition::AlertMetrics,
    template,
    webhook::{Delivery, Sender, payload},
};
use sightline_schemas::{
    Table, TableBatch, Timestamp,
    alert_tables::{AlertEvent, WebhookDelivery, alert_events_batch, webhook_deliveries_batch},
};
use tokio::{sync::mpsc, task::JoinSet};

use self::{
    evidence::{bare_extra, extra},
    history::{delivered, stored_transitions},
    once::load,
    sender::sender,
};
use crate::{
    rows::Store,
    settings::AlertsConfig,
    window_metrics::{Computed, compute},
};

/// How long a monitor that stops or steps down waits for webhooks still being sent.
pub const WEBHOOK_DRAIN: Duration = Duration::from_secs(10);

/// The rules, their alerts, and the webhooks they send, round by round.
pub struct Alerting {
    rules: Vec<Rule>,
    config: AlertsConfig,
    /// When the rule file was last read; a newer file is read again before the next round.
    rules_modified: Option<std::time::SystemTime>,
    /// Rebuilt from `alert_events` when this monitor becomes the active one; none in standby.
    alerts: Option<Alerts>,
    sender: Arc<Sender>,
    metrics: Arc<AlertMetrics>,
    monitor_id: String,
    external_url: String,
    in_flight: JoinSet<()>,
    /// Attempts as they end, from the webhooks in flight.
    attempts: mpsc::UnboundedReceiver<WebhookDelivery>,
    attempted: mpsc::UnboundedSender<WebhookDelivery>,
    /// Attempts not stored yet.
    unsaved: Vec<WebhookDelivery>,
    /// Firing alerts restored without any recorded delivery: the monitor stopped between storing
    /// the transition and sending. They are sent on the next round.
    owed: Vec<(String, String)>,
}

impl Alerting {
    /// Loads and checks the rules and the webhook settings; none without a rule file.
    pub fn new(config: &AlertsConfig, metrics: Arc<AlertMetrics>) -> anyhow::Result<Option<Self>> {
        let Some(path) = &config.rules else {
            return Ok(None);
        };
        let rules_modified = modified(path);
        let rules = load(path)?;
        let sender = sender(config, &rules)?;
        let (attempted, attempts) = mpsc::unbounded_channel();
        Ok(Some(Self {
            rules,
            config: config.clone(),
            rules_modified,
            alerts: None,
            sender: Arc::new(sender),
            metrics,
            monitor_id: monitor_id(),
            external_url: config.external_url.clone(),
            in_flight: JoinSet::new(),
            attempts,
            attempted,
            unsaved: Vec::new(),
            owed: Vec::new(),
        }))
    }

    /// Reads the rule file again if it changed, as the API's rule edits change it. A file that no
    /// longer checks out leaves the rules as they were. The alerts are rebuilt from
    /// `alert_events` for the new rules, so a rule that stays keeps its state.
    fn reload(&mut self) {
        let Some(path) = self.config.rules.clone() else {
            return;
        };
        let now = modified(&path);
        if now == self.rules_modified {
            return;
        }
        self.rules_modified = now;
        match load(&path).and_then(|rules| Ok((sender(&self.config, &rules)?, rules))) {
            Ok((sender, rules)) => {
                tracing::info!(rules = rules.len(), file = %path.display(), "rule file changed; rules reloaded");
                self.rules = rules;
                self.sender = Arc::new(sender);
                if self.alerts.take().is_some() {
                    self.owed.clear();
                }
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "rule file changed but is not valid; keeping the rules as they were")
            }
        }
    }

    /// Rebuilds the alerts from `alert_events`, as another monitor may have left them.
    async fn restore(&mut self, store: &Store) -> anyhow::Result<()> {
        let alerts = Alerts::restore(stored_transitions(store).await?, &self.rules);
        self.owed.clear();
        for alert in alerts
            .active()
            .filter(|a| a.state == State::Firing && a.acted)
        {
            if !delivered(store, &payload::idempotency_key(alert)).await? {
                self.owed
                    .push((alert.rule.clone(), alert.fingerprint.clone()));
            }
        }
        tracing::info!(
            rules = self.rules.len(),
            firing = alerts.count(State::Firing),
            pending = alerts.count(State::Pending),
            owed = self.owed.len(),
            "alert rules loaded"
        );
        self.metrics.snapshot(Some(&alerts));
        self.alerts = Some(alerts);
        Ok(())
    }

    /// Steps down: another monitor holds the lease now. Webhooks in flight get a while to finish;
    /// the rest are dropped, and their attempts so far are stored, so the new leader sees them.
    pub async fn standby(&mut self, store: &mut Store) {
        if self.alerts.take().is_some() {
            self.finish(store, WEBHOOK_DRAIN).await;
            self.metrics.snapshot(None);
            tracing::info!("alert rules on standby: another monitor holds the lease");
        }
    }

    /// Evaluates every rule once. The alerts move only once their transitions are stored, and
    /// nothing is stored or sent once `leading` says the lease has moved on.
    pub async fn round(
        &mut self,
        store: &mut Store,
        leading: impl Fn() -> bool,
    ) -> anyhow::Result<()> {
        self.reload();
        if self.alerts.is_none() {
            self.restore(store).await?;
        }
        let now = Timestamp::now().millis().div_euclid(1000) * 1000;
        let mut next = self.alerts.clone().unwrap_or_default();
        let mut moved: Vec<(usize, Transition)> = Vec::new();
        let mut computed: BTreeMap<usize, Computed> = BTreeMap::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let started = Instant::now();
            match compute(store, rule, now).await {
                Ok(c) => {
                    moved.extend(
                        next.evaluate(rule, &c.values, now)
                            .into_iter()
                            .map(|t| (i, t)),
                    );
                    computed.insert(i, c);
                    self.metrics.evaluated(&rule.name, started.elapsed(), true);
                }
                Err(e) => {
                    // A rule that cannot read its metric leaves its alerts as they are: an
                    // unreachable store is not a recovery.
                    tracing::warn!(rule = %rule.name, error = %format!("{e:#}"), "rule evaluation failed");
                    self.metrics.evaluated(&rule.name, started.elapsed(), false);
                }
            }
        }
        if !leading() {
            return Ok(());
        }
        if !moved.is_empty() {
            let rows: Vec<AlertEvent> = moved
                .iter()
                .map(|(i, t)| self.event_row(&self.rules[*i], t))
                .collect();
            let mut batch = TableBatch::default();
            batch.push(Table::AlertEvents, alert_events_batch(&rows)?);
            store.write_batch(batch).await?;
        }
        self.metrics.snapshot(Some(&next));
        let mut sends: Vec<(usize, Alert)> = Vec::new();
        // An owed notification says the alert fires: it goes out while it still does, once a
        // round has computed its rule for the evidence, and is forgotten once it does not.
        let firing: Vec<&Alert> = next.active().filter(|a| a.state == State::Firing).collect();
        self.owed.retain(|(rule, fingerprint)| {
            firing
                .iter()
                .any(|a| &a.rule == rule && &a.fingerprint == fingerprint)
        });
        for alert in firing {
            let key = (alert.rule.clone(), alert.fingerprint.clone());
            let rule = self.rules.iter().position(|r| r.name == alert.rule);
            if let Some(i) = rule.filter(|i| computed.contains_key(i) && self.owed.contains(&key)) {
                tracing::info!(rule = %alert.rule, fingerprint = %alert.fingerprint, "sending a notification the last run stored but did not send");
                sends.push((i, alert.clone()));
                self.owed.retain(|o| *o != key);
            }
        }
        for (i, t) in moved {
            let rule = &self.rules[i];
            log_transition(rule, &t);
            let sends_webhook = match t.alert.state {
                State::Firing => t.alert.acted,
                State::Resolved => rule.action.send_resolved,
                _ => false,
            };
            if sends_webhook {
                sends.push((i, t.alert));
            }
        }
        self.alerts = Some(next);
        for (i, alert) in sends {
            if !leading() {
                break;
            }
            if let Some(c) = computed.get(&i) {
                let delivery = self.webhook(store, &self.rules[i], &alert, c).await;
                self.send(delivery);
            }
        }
        self.save_attempts(store).await;
        Ok(())
    }

    /// Waits for the webhooks in flight, up to `deadline`, drops the ones still retrying, and
    /// stores every attempt made.
    pub async fn finish(&mut self, store: &mut Store, deadline: Duration) {
        let wait = async { while self.in_flight.join_next().await.is_some() {} };
        if tokio::time::timeout(deadline, wait).await.is_err() {
            tracing::warn!(
                in_flight = self.in_flight.len(),
                "dropping webhooks still being retried"
            );
            self.in_flight.abort_all();
        }
        self.save_attempts(store).await;
    }

    async fn save_attempts(&mut self, store: &mut Store) {
        while let Ok(row) = self.attempts.try_recv() {
            self.unsaved.push(row);
        }
        while self.in_flight.try_join_next().is_some() {}
        if self.unsaved.is_empty() {
            return;
        }
        let stored = async {
            let mut batch = TableBatch::default();
            batch.push(
                Table::WebhookDeliveries,
                webhook_deliveries_batch(&self.unsaved)?,
            );
            store.write_batch(batch).await
        };
        match stored.await {
            Ok(()) => self.unsaved.clear(),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "storing webhook attempts failed; retrying next round")
            }
        }
    }

    fn event_row(&self, rule: &Rule, t: &Transition) -> AlertEvent {
        let mut message = format!("{}: value {}", rule.expr, shown(t.alert.value));
        if t.alert.state == State::Firing && !t.alert.acted {
            message.push_str(&format!(
                "; {} not sent: the alert fired less than its cooldown ({}s) before",
                rule.action.kind.name(),
                rule.cooldown.as_secs()
            ));
        }
        AlertEvent {
            time: Timestamp(t.at),
            rule: rule.name.clone(),
            fingerprint: t.alert.fingerprint.clone(),
            labels: serde_json::to_string(&t.alert.labels).unwrap_or_default(),
            from_state: t.from.name().into(),
            to_state: t.alert.state.name().into(),
            value: t.alert.value,
            message,
            monitor_id: self.monitor_id.clone(),
        }
    }

    /// The webhook for an alert, with its evidence.
    async fn webhook(
        &self,
        store: &Store,
        rule: &Rule,
        alert: &Alert,
        computed: &Computed,
    ) -> Delivery {
        let extra = match extra(store, rule, alert, computed).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(rule = %rule.name, error = %format!("{e:#}"), "gathering webhook evidence failed; sending without it");
                bare_extra(rule, alert, computed)
            }
        };
        let body = payload::body(rule, alert, &self.external_url, &extra);
        let (url, unfillable) = match template::url(&rule.action.url, &alert.labels) {
            Ok(url) => (url, None),
            Err(reason) => (rule.action.url.clone(), Some(reason)),
        };
        Delivery {
            url,
            unfillable,
            body: serde_json::to_vec(&body).unwrap_or_default(),
            idempotency_key: payload::idempotency_key(alert),
            rule: rule.name.clone(),
            action: rule.action.kind.name().into(),
            rollback_from: (rule.action.kind == ActionKind::Rollback
                && alert.state == State::Firing)
                .then(|| extra.current_version.clone())
                .flatten(),
        }
    }

    /// Sends in the background; each attempt reaches `attempts` as it ends.
    fn send(&mut self, delivery: Delivery) {
        let sender = self.sender.clone();
        let metrics = self.metrics.clone();
        let attempted = self.attempted.clone();
        self.in_flight.spawn(async move {
            let ok = sender
                .send(&delivery, |row| {
                    let _ = attempted.send(row);
                })
                .await;
            metrics.delivered(&delivery.action, ok);
        });
    }
}

fn log_transition(rule: &Rule, t: &Transition) {
    tracing::info!(
        rule = %rule.name,
        from = t.from.name(),
        to = t.alert.state.name(),
        labels = %serde_json::to_string(&t.alert.labels).unwrap_or_default(),
        value = %shown(t.alert.value),
        "alert"
    );
}

fn shown(value: Option<f64>) -> String {
    value.map_or_else(|| "none".into(), |v| format!("{v:.6}"))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Names this monitor in `alert_events`.
fn monitor_id() -> String {
    let host = sightline_service::host::name().unwrap_or_else(|| "monitor".into());
    format!("{host}-{}", std::process::id())
}
