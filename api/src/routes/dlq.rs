//! `GET /v1/dlq`, dead letters newest first with their reasons, and `POST /v1/dlq/replay`, which
//! publishes fixed events again. Replay publishes only events that now pass validation, so a
//! replay cannot put the same bad event back in the queue.

use axum::{
    Json,
    extract::{Query as QueryParams, State},
};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json, value::RawValue};
use sightline_ingest::http::{forward, rejected_result};
use sightline_schemas::{Dialect, Store, decode_event};

use super::AppState;
use crate::{
    error::{ApiError, ApiResult},
    params::{Query, integer, limit, number, rfc3339, rows, text},
};

pub async fn list<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let limit = limit(&query)?;
    let millis = d.millis("received_at");
    // Payloads are bytes; ClickHouse keeps them as a String, the Parquet store as binary.
    let payload = match d {
        Dialect::ClickHouse => "payload".to_owned(),
        Dialect::DataFusion => "TRY_CAST(payload AS VARCHAR)".to_owned(),
    };
    let after = match query.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => {
            let (at, offset) = c
                .split_once('.')
                .and_then(|(a, o)| Some((a.parse::<i64>().ok()?, o.parse::<i64>().ok()?)))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "cursor is not one this API gave out; start again without it",
                    )
                })?;
            format!(" WHERE ({millis} < {at} OR ({millis} = {at} AND \"offset\" < {offset}))")
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT {millis} AS t, source, \"partition\" AS part, \"offset\" AS off, reason, reason_class, \
         {payload} AS body FROM dead_letters{after} ORDER BY t DESC, off DESC LIMIT {}",
        limit + 1
    );
    let mut found = rows(&app.store, &sql).await?;
    let next = (found.len() > limit).then(|| {
        found.truncate(limit);
        let last = &found[limit - 1];
        format!(
            "{}.{}",
            number(last, "t").unwrap_or(0.0) as i64,
            number(last, "off").unwrap_or(0.0) as i64
        )
    });
    let letters: Vec<Value> = found
        .iter()
        .map(|r| {
            json!({
                "received_at": rfc3339(number(r, "t").unwrap_or(0.0) as i64),
                "source": text(r, "source"),
                "partition": integer(r, "part"),
                "offset": integer(r, "off"),
                "reason": text(r, "reason"),
                "reason_class": text(r, "reason_class"),
                "payload": r.get("body").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(Json(json!({"dead_letters": letters, "next_cursor": next})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Replay<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

pub async fn replay<S: Store>(State(app): AppState<S>, body: Bytes) -> ApiResult<Json<Value>> {
    let request: Replay = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be {{\"events\": [event, ...]}}: {e}"
        ))
    })?;
    if request.events.is_empty() {
        return Err(ApiError::bad_request("events is empty"));
    }
    let (mut replayed, mut rejected) = (0, 0);
    let mut results = Vec::new();
    for (index, raw) in request.events.iter().enumerate() {
        let bytes = raw.get().as_bytes();
        match decode_event(bytes, &app.limits) {
            Ok(event) => {
                forward(
                    &app.ingest,
                    bytes.to_vec(),
                    Some(event.header.request_id.clone()),
                )
                .await
                .map_err(|e| ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, e))?;
                replayed += 1;
                results.push(json!({"index": index, "status": "replayed", "event_id": event.header.event_id}));
            }
            Err(rejection) => {
                rejected += 1;
                results.push(rejected_result(index, &rejection));
            }
        }
    }
    Ok(Json(
        json!({"replayed": replayed, "rejected": rejected, "results": results}),
    ))
}
