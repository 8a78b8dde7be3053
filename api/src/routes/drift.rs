//! `GET /v1/drift`: drift reports, the newest verdict per feature and test beside the history; and
//! the pinned baselines under `/v1/drift/baselines`, files in the baselines directory.

use std::collections::HashSet;

use axum::{
    Json,
    extract::{Path, Query as QueryParams, State},
    http::StatusCode,
};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use sightline_drift::baseline::{Baseline, file};
use sightline_schemas::Store;

use super::AppState;
use crate::{
    NewBaseline,
    error::{ApiError, ApiResult},
    params::{Query, duration, integer, now_ms, number, rfc3339, rows, text},
};

const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);

pub async fn reports<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let window = duration(&query, "window", DAY)?;
    let to = now_ms() + 1000;
    let mut conditions = vec![d.time_range("window_end", to - window.as_millis() as i64, to)];
    if let Some(model) = query.get("model").filter(|m| !m.is_empty()) {
        conditions.push(format!("model = {}", d.literal(model)));
    }
    let sql = format!(
        "SELECT {} AS ws, {} AS we, project, model, feature, test, statistic, p_value, threshold, \
         drifted, n_ref, n_cur, baseline FROM drift_reports WHERE {} \
         ORDER BY we DESC, project, model, feature, test LIMIT 500",
        d.millis("window_start"),
        d.millis("window_end"),
        conditions.join(" AND ")
    );
    let reports: Vec<Value> = rows(&app.store, &sql)
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "window_start": rfc3339(number(&r, "ws").unwrap_or(0.0) as i64),
                "window_end": rfc3339(number(&r, "we").unwrap_or(0.0) as i64),
                "project": text(&r, "project"),
                "model": text(&r, "model"),
                "feature": text(&r, "feature"),
                "test": text(&r, "test"),
                "statistic": number(&r, "statistic"),
                "p_value": number(&r, "p_value"),
                "threshold": number(&r, "threshold"),
                "drifted": number(&r, "drifted").unwrap_or(0.0) > 0.0,
                "n_ref": integer(&r, "n_ref"),
                "n_cur": integer(&r, "n_cur"),
                "baseline": r.get("baseline").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let latest: Vec<Value> = reports
        .iter()
        .filter(|r| {
            let key = ["project", "model", "feature", "test"]
                .map(|k| r[k].as_str().unwrap_or("").to_owned());
            seen.insert(key)
        })
        .cloned()
        .collect();
    Ok(Json(json!({"latest": latest, "reports": reports})))
}

pub async fn baselines<S: Store>(State(app): AppState<S>) -> ApiResult<Json<Value>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&app.baselines_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Json(json!({"baselines": []})));
        }
        Err(e) => {
            return Err(ApiError::internal(format!(
                "reading {}: {e}",
                app.baselines_dir.display()
            )));
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        match std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Baseline>(&b).ok())
        {
            Some(b) => out.push(describe(&b)),
            None => tracing::warn!(path = %path.display(), "not a baseline; skipped"),
        }
    }
    out.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Ok(Json(json!({"baselines": out})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineRequest {
    name: String,
    from: String,
    to: String,
    #[serde(default)]
    filter: std::collections::BTreeMap<String, String>,
}

pub async fn create_baseline<S: Store>(
    State(app): AppState<S>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let request: BaselineRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be {{\"name\", \"from\", \"to\", \"filter\": {{\"model\": \"...\"}}}}: {e}"
        ))
    })?;
    let path = file(&app.baselines_dir, &request.name).map_err(ApiError::bad_request)?;
    let time = |key: &str, text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .map_err(|_| ApiError::bad_request(format!("{key}: {text:?} is not an RFC 3339 time")))
    };
    let (from_ms, to_ms) = (time("from", &request.from)?, time("to", &request.to)?);
    if from_ms >= to_ms {
        return Err(ApiError::bad_request("from must be before to"));
    }
    if path.exists() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("baseline {:?} exists; delete it first", request.name),
        ));
    }
    let baseline = app
        .baseline_maker
        .make(NewBaseline {
            name: request.name,
            from_ms,
            to_ms,
            filter: request.filter.into_iter().collect(),
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    Ok((StatusCode::CREATED, Json(describe(&baseline))))
}

pub async fn delete_baseline<S: Store>(
    State(app): AppState<S>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let path = file(&app.baselines_dir, &name).map_err(ApiError::bad_request)?;
    match std::fs::remove_file(path) {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(ApiError::not_found(format!("no baseline named {name:?}")))
        }
        Err(e) => Err(ApiError::internal(format!(
            "deleting baseline {name:?}: {e}"
        ))),
    }
}

fn describe(b: &Baseline) -> Value {
    let filter: serde_json::Map<String, Value> = b
        .filter
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "name": b.name,
        "created_at": rfc3339(b.created_at),
        "from": rfc3339(b.from),
        "to": rfc3339(b.to),
        "filter": filter,
        "features": b.features.iter().map(|f| f.feature.clone()).collect::<Vec<_>>(),
        "rows": b.features.iter().map(|f| f.count).max().unwrap_or(0),
    })
}
