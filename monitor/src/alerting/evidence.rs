//! What a webhook carries beside the alert: the evidence, and what its action needs.

use sightline_alerts::{
    ActionKind, Alert, Rule,
    webhook::payload::{self, Evidence, Extra, TrainingData},
};

use crate::{rows::Store, window_metrics::Computed};

pub(super) fn bare_extra(rule: &Rule, alert: &Alert, c: &Computed) -> Extra {
    let label = |k: &str| alert.labels.get(k).cloned();
    Extra {
        action: rule.action.kind.name(),
        project: label("project"),
        model: label("model"),
        current_version: label("version"),
        target_version: None,
        evidence: Evidence {
            expr: rule.expr.clone(),
            value: alert.value,
            threshold: rule.condition.threshold,
            window_start: payload::rfc3339(c.from_ms),
            window_end: payload::rfc3339(c.to_ms),
            sql: c.sql.clone(),
        },
        drift_reports: Vec::new(),
        training_data: None,
    }
}

/// The evidence, plus what the action needs: the version to roll back to, or the drift reports
/// and the training data for a retrain.
pub(super) async fn extra(
    store: &Store,
    rule: &Rule,
    alert: &Alert,
    c: &Computed,
) -> anyhow::Result<Extra> {
    let mut extra = bare_extra(rule, alert, c);
    let (Some(project), Some(model)) = (extra.project.clone(), extra.model.clone()) else {
        return Ok(extra);
    };
    let scope = format!(
        "project = {} AND model = {}",
        store.literal(&project),
        store.literal(&model)
    );
    match rule.action.kind {
        ActionKind::Rollback => {
            let Some(current) = &extra.current_version else {
                return Ok(extra);
            };
            let week_ms = 7 * 24 * 3600 * 1000;
            let sql = format!(
                "SELECT model_version FROM llm_events WHERE {scope} AND model_version != {} AND {} \
                 GROUP BY model_version ORDER BY max(request_time) DESC LIMIT 1",
                store.literal(current),
                store.time_range("request_time", c.to_ms - week_ms, c.to_ms)
            );
            extra.target_version = store
                .rows_json(&sql)
                .await?
                .first()
                .and_then(|r| r.get("model_version")?.as_str().map(str::to_owned));
        }
        ActionKind::Retrain => {
            let sql = format!(
                "SELECT * FROM drift_reports WHERE {scope} AND drifted = 1 AND {} \
                 ORDER BY window_end, feature, test",
                store.time_range("window_end", c.from_ms, c.to_ms + 1000)
            );
            extra.drift_reports = store.rows_json(&sql).await?;
            extra.training_data = Some(TrainingData {
                from: payload::rfc3339(c.from_ms),
                to: payload::rfc3339(c.to_ms),
                sql: format!(
                    "SELECT * FROM llm_events WHERE {scope} AND {}",
                    store.time_range("request_time", c.from_ms, c.to_ms)
                ),
            });
        }
        ActionKind::Notify => {}
    }
    Ok(extra)
}
