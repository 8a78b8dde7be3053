//! The admin API, behind the admin key: list models, activate a version, roll back. A rollback
//! also takes a Sightline webhook whose signature verifies, so the monitor can call it directly:
//! only a firing rollback alert about this model, and only from the version it names; an
//! idempotency key seen before gets the first answer again, so a retried webhook rolls back once.
//! Changes are made one at a time, so checking and switching cannot interleave.

use std::{collections::VecDeque, io::Write, sync::Arc};

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
};
use serde_json::{Value, json};
use sightline_alerts::webhook::{
    Secret,
    sign::{IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER},
    verify,
};
use sightline_schemas::{
    Event, Payload, RequestBody, ResponseBody, ResponseStatus, Timestamp, Timings, Usage,
};

use super::{Node, error::ApiError};
use crate::repo::{Change, SwitchError};

/// Who may use the admin API.
#[derive(Debug, Default)]
pub struct AdminAuth {
    /// The admin key, for `Authorization: Bearer`.
    pub key: Option<String>,
    /// The webhook secret, for signed rollbacks.
    pub webhook: Option<Secret>,
}

/// Answers to idempotency keys already served.
const REMEMBERED: usize = 1024;

#[derive(Debug, Default)]
pub struct Seen(std::sync::Mutex<VecDeque<(String, Value)>>);

impl Seen {
    fn get(&self, key: &str) -> Option<Value> {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn put(&self, key: String, answer: Value) {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= REMEMBERED {
            seen.pop_front();
        }
        seen.push_back((key, answer));
    }
}

/// Equal without telling by its timing where two keys differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who is asking, or why they may not.
fn authorize(
    node: &Node,
    headers: &HeaderMap,
    body: &[u8],
    signed_ok: bool,
) -> Result<&'static str, ApiError> {
    let auth = &node.admin;
    if auth.key.is_none() && !(signed_ok && auth.webhook.is_some()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the admin API is off: start the node with --admin-key-file",
        ));
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let (Some(key), Some(given)) = (&auth.key, header(header::AUTHORIZATION.as_str())) {
        if given
            .strip_prefix("Bearer ")
            .is_some_and(|g| same(g.trim().as_bytes(), key.as_bytes()))
        {
            return Ok("admin-key");
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the admin key is wrong",
        ));
    }
    if signed_ok
        && let Some(secret) = &auth.webhook
        && header(SIGNATURE_HEADER).is_some()
    {
        let now = Timestamp::now().millis().div_euclid(1000);
        return verify(
            secret,
            header(TIMESTAMP_HEADER),
            header(SIGNATURE_HEADER),
            body,
            now,
        )
        .map(|()| "signed-webhook")
        .map_err(|e| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                format!("webhook signature refused: {e}"),
            )
        });
    }
    Err(ApiError::new(
        StatusCode::UNAUTHORIZED,
        "send the admin key as Authorization: Bearer KEY",
    ))
}

pub async fn list(
    State(node): State<Arc<Node>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&node, &headers, &[], false)?;
    let models: Vec<Value> = node
        .repo
        .models
        .values()
        .map(|m| {
            json!({
                "name": m.name,
                "task": m.metadata.task.name(),
                "active_version": m.active().version,
                "versions": m.versions.values().map(|v| v.version.clone()).collect::<Vec<_>>(),
                "previous_versions": m.previous(),
            })
        })
        .collect();
    Ok(Json(json!({ "models": models })))
}

pub async fn activate(
    State(node): State<Arc<Node>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let by = authorize(&node, &headers, &[], false)?;
    let model = node
        .repo
        .model(&name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no model {name:?}")))?;
    let _one_at_a_time = node.switching.lock().await;
    let change = tokio::task::spawn_blocking(move || model.activate(&version))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(switch_error)?;
    if change.active_version != change.previous_version {
        node.deployed("activate", &change, by, None);
    }
    Ok(Json(json!(change)))
}

pub async fn rollback(
    State(node): State<Arc<Node>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let by = authorize(&node, &headers, &body, true)?;
    let model = node
        .repo
        .model(&name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no model {name:?}")))?;
    let expected = if by == "signed-webhook" {
        Some(alerted_version(&body, &name)?)
    } else {
        serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
            v.pointer("/sightline/current_version")?
                .as_str()
                .map(str::to_owned)
        })
    };
    // Idempotency keys are per model, so one key cannot answer for another model.
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|k| format!("{name}\u{0}{k}"));
    let _one_at_a_time = node.switching.lock().await;
    if let Some(answer) = key.as_deref().and_then(|k| node.seen.get(k)) {
        return Ok(Json(answer));
    }
    let change = tokio::task::spawn_blocking(move || model.rollback(expected.as_deref()))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(switch_error)?;
    let shown_key = key.as_deref().and_then(|k| k.split('\u{0}').nth(1));
    node.deployed("rollback", &change, by, shown_key);
    let answer = json!(change);
    if let Some(k) = key {
        node.seen.put(k, answer.clone());
    }
    Ok(Json(answer))
}

/// The version a signed webhook rolls back from: it must be a firing rollback alert about this
/// model that names the version, since its signature does not cover the URL it was sent to.
fn alerted_version(body: &[u8], model: &str) -> Result<String, ApiError> {
    let alert: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the webhook body is not JSON: {e}")))?;
    let field = |path: &str| alert.pointer(path).and_then(Value::as_str);
    if field("/status") != Some("firing") || field("/sightline/action") != Some("rollback") {
        return Err(ApiError::bad_request(
            "only a firing alert whose action is rollback rolls a model back",
        ));
    }
    if field("/sightline/model") != Some(model) {
        return Err(ApiError::bad_request(format!(
            "the alert is about model {:?}, not {model:?}",
            field("/sightline/model")
        )));
    }
    field("/sightline/current_version")
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::bad_request("the alert names no current_version to roll back from")
        })
}

fn switch_error(e: SwitchError) -> ApiError {
    let status = match e {
        SwitchError::UnknownVersion(..) => StatusCode::NOT_FOUND,
        SwitchError::NothingToRollBackTo(_) | SwitchError::NotActive { .. } => StatusCode::CONFLICT,
        SwitchError::Save(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, e.to_string())
}

impl Node {
    /// Records a change of version: an audit line in the log and in `<repo>/audit.log`, and a
    /// `deployment` event in the stream, so dashboards can mark it.
    fn deployed(&self, action: &str, change: &Change, by: &str, idempotency_key: Option<&str>) {
        tracing::info!(
            target: "audit",
            action,
            model = %change.model,
            from = %change.previous_version,
            to = %change.active_version,
            by,
            "model version changed"
        );
        let line = json!({
            "time": Timestamp::now().to_rfc3339(),
            "action": action,
            "model": change.model,
            "from_version": change.previous_version,
            "to_version": change.active_version,
            "by": by,
            "idempotency_key": idempotency_key,
            "node_id": self.identity.node_id,
        });
        let path = self.repo.root.join("audit.log");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            tracing::warn!(path = %path.display(), error = %e, "audit line not written");
        }
        let Some(version) = self
            .repo
            .model(&change.model)
            .and_then(|m| m.version(&change.active_version))
        else {
            return;
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut header = self.header_for(&request_id, &version, "deployment");
        header.attributes.extend([
            ("deployment".to_owned(), action.to_owned()),
            ("from_version".to_owned(), change.previous_version.clone()),
            ("to_version".to_owned(), change.active_version.clone()),
        ]);
        self.events.emit(Event {
            header,
            payload: Payload::Completion {
                request: RequestBody {
                    prompt: Some(format!(
                        "{action} {} from {} to {}",
                        change.model, change.previous_version, change.active_version
                    )),
                    messages: Vec::new(),
                    params: serde_json::Map::new(),
                },
                response: ResponseBody {
                    status: ResponseStatus::Ok,
                    output: Some(format!("active version {}", change.active_version)),
                    finish_reasons: Vec::new(),
                    error: None,
                    usage: Usage::default(),
                    timings: Timings::default(),
                    cost_usd: None,
                },
            },
        });
    }
}
