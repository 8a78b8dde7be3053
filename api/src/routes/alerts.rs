//! `GET /v1/alerts`: the alerts pending or firing now, from each alert's newest transition in
//! `alert_events`, and the transitions of the window, newest first.

use std::collections::HashSet;

use axum::{
    Json,
    extract::{Query as QueryParams, State},
};
use serde_json::{Value, json};
use sightline_schemas::Store;

use super::AppState;
use crate::error::ApiResult;
use crate::params::{Query, duration, number, rfc3339, rows, text};

/// Transitions read to find the active alerts; far more than any real rule set keeps active.
const SCAN: usize = 5000;

pub async fn list<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let window = duration(&query, "window", std::time::Duration::from_secs(86_400))?;
    let sql = format!(
        "SELECT {} AS t, rule, fingerprint, labels, from_state, to_state, value, message \
         FROM alert_events ORDER BY t DESC LIMIT {SCAN}",
        d.millis("time")
    );
    let transitions = rows(&app.store, &sql).await?;
    let severities = severities(app.rules_file.as_deref());
    let since = crate::params::now_ms() - window.as_millis() as i64;
    let mut seen = HashSet::new();
    let mut active = Vec::new();
    let mut history = Vec::new();
    for r in &transitions {
        let t = number(r, "t").unwrap_or(0.0) as i64;
        let labels: Value = serde_json::from_str(&text(r, "labels")).unwrap_or_default();
        let rule = text(r, "rule");
        let state = text(r, "to_state");
        if seen.insert((rule.clone(), text(r, "fingerprint")))
            && (state == "pending" || state == "firing")
        {
            active.push(json!({
                "rule": rule,
                "labels": labels,
                "state": state,
                "since": rfc3339(t),
                "value": number(r, "value"),
                "severity": severities.iter().find(|(n, _)| *n == rule).map(|(_, s)| s.clone()),
                "message": text(r, "message"),
            }));
        }
        if t >= since && history.len() < 200 {
            history.push(json!({
                "time": rfc3339(t),
                "rule": rule,
                "labels": labels,
                "from_state": text(r, "from_state"),
                "to_state": state,
                "value": number(r, "value"),
                "message": text(r, "message"),
            }));
        }
    }
    Ok(Json(json!({"active": active, "history": history})))
}

fn severities(path: Option<&std::path::Path>) -> Vec<(String, String)> {
    path.and_then(|p| sightline_alerts::rules::load(p).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.name, r.severity))
        .collect()
}
