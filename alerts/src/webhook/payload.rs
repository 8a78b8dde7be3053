//! The webhook body: Prometheus Alertmanager's webhook format (version 4), so existing receivers
//! work unchanged, with Sightline's own fields under `sightline`.

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    rules::Rule,
    state::{Alert, State},
    template,
};

/// What the alert is based on: enough to see and reproduce it.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub expr: String,
    pub value: Option<f64>,
    pub threshold: f64,
    pub window_start: String,
    pub window_end: String,
    /// A query that computes the value again, in the store's dialect.
    pub sql: String,
}

/// Sightline's additions to the Alertmanager body.
#[derive(Debug, Clone, Serialize)]
pub struct Extra {
    pub action: &'static str,
    pub project: Option<String>,
    pub model: Option<String>,
    pub current_version: Option<String>,
    /// For a rollback: the version that served the model before the current one, if seen.
    pub target_version: Option<String>,
    pub evidence: Evidence,
    /// For a retrain: the model's drift report rows in the window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drift_reports: Vec<Value>,
    /// For a retrain: a query that selects the traffic to train on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training_data: Option<TrainingData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainingData {
    pub from: String,
    pub to: String,
    pub sql: String,
}

/// The status a notification reports: an alert firing, or one that was and has stopped.
pub fn status(state: State) -> &'static str {
    if state == State::Resolved {
        "resolved"
    } else {
        "firing"
    }
}

/// The body for one alert.
pub fn body(rule: &Rule, alert: &Alert, external_url: &str, extra: &Extra) -> Value {
    let status = status(alert.state);
    let annotations: serde_json::Map<String, Value> = rule
        .annotations
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Value::String(template::text(v, &alert.labels, alert.value)),
            )
        })
        .collect();
    let ends_at = match (alert.state, alert.resolved_at) {
        (State::Resolved, Some(at)) => rfc3339(at),
        _ => "0001-01-01T00:00:00Z".to_owned(),
    };
    let group_labels = json!({ "alertname": rule.name });
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname={:?}}}", rule.name),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": format!("{}/{}", rule.name, rule.action.kind.name()),
        "groupLabels": group_labels,
        "commonLabels": alert.labels,
        "commonAnnotations": annotations,
        "externalURL": external_url,
        "alerts": [{
            "status": status,
            "labels": alert.labels,
            "annotations": annotations,
            "startsAt": rfc3339(alert.active_at),
            "endsAt": ends_at,
            "generatorURL": external_url,
            "fingerprint": alert.fingerprint,
        }],
        "sightline": extra,
    })
}

/// The same for every delivery of one notification, whichever monitor sends it and however often:
/// the rule, the label set, when the alert fired, and whether this says it fired or resolved.
pub fn idempotency_key(alert: &Alert) -> String {
    let mut hash = Sha256::new();
    hash.update(alert.rule.as_bytes());
    hash.update([0]);
    hash.update(alert.fingerprint.as_bytes());
    hash.update([0]);
    hash.update(
        alert
            .fired_at
            .unwrap_or(alert.active_at)
            .to_string()
            .as_bytes(),
    );
    hash.update([0]);
    hash.update(status(alert.state).as_bytes());
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn rfc3339(ms: i64) -> String {
    sightline_schemas::Timestamp(ms).to_rfc3339()
}
