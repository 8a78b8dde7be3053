//! `/v1/alert-rules`: the monitor's rule file, read and edited one rule at a time. Edits are checked
//! with the rule parser, and a rule that fails comes back as 422 with its problems. The monitor
//! picks up the changed file on its next round.

use std::path::PathBuf;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use bytes::Bytes;
use serde_json::{Value, json};
use sightline_alerts::rule_file::{self, EditError};
use sightline_schemas::Store;
use tokio::sync::Mutex;

use super::AppState;
use crate::error::{ApiError, ApiResult};

/// One edit at a time, so two requests cannot each write over the other's change.
static EDITING: Mutex<()> = Mutex::const_new(());

fn file<S>(app: &crate::App<S>) -> ApiResult<PathBuf> {
    app.rules_file.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "no rule file is configured: set alerts.rules (or pass --rules) to the file the monitor reads",
        )
    })
}

pub async fn list<S: Store>(State(app): AppState<S>) -> ApiResult<Json<Value>> {
    let rules = rule_file::rules(&file(&app)?).map_err(answer)?;
    Ok(Json(json!({"rules": rules})))
}

pub async fn one<S: Store>(
    State(app): AppState<S>,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    rule_file::rules(&file(&app)?)
        .map_err(answer)?
        .into_iter()
        .find(|r| r.get("name").and_then(Value::as_str) == Some(name.as_str()))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no rule named {name:?}")))
}

pub async fn create<S: Store>(
    State(app): AppState<S>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let rule = rule_of(&body)?;
    let path = file(&app)?;
    let _editing = EDITING.lock().await;
    rule_file::put(&path, rule.clone(), None).map_err(answer)?;
    Ok((StatusCode::CREATED, Json(rule)))
}

pub async fn replace<S: Store>(
    State(app): AppState<S>,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let rule = rule_of(&body)?;
    let path = file(&app)?;
    let _editing = EDITING.lock().await;
    rule_file::put(&path, rule.clone(), Some(&name)).map_err(answer)?;
    Ok(Json(rule))
}

pub async fn remove<S: Store>(
    State(app): AppState<S>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let path = file(&app)?;
    let _editing = EDITING.lock().await;
    rule_file::remove(&path, &name).map_err(answer)?;
    Ok(StatusCode::NO_CONTENT)
}

fn rule_of(body: &[u8]) -> ApiResult<Value> {
    let rule: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the body must be a rule as a JSON object: {e}"))
    })?;
    if !rule.is_object() {
        return Err(ApiError::bad_request(
            "the body must be a rule as a JSON object",
        ));
    }
    Ok(rule)
}

fn answer(e: EditError) -> ApiError {
    match e {
        EditError::NotFound(_) => ApiError::not_found(e.to_string()),
        EditError::Exists(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
        EditError::Invalid { problems, .. } => {
            let listed: Vec<Value> = problems
                .iter()
                .map(|p| json!({"line": p.line, "column": p.column, "message": p.message}))
                .collect();
            let summary: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
            let mut error = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the rule is not valid: {}", summary.join("; ")),
            );
            error.detail = Some(("problems", Value::Array(listed)));
            error
        }
        EditError::Io(message) => ApiError::internal(message),
    }
}
