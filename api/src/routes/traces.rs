//! `GET /v1/traces`, a page of exchanges newest first, and `GET /v1/traces/{id}`: by request id,
//! one exchange with its evaluations, its feedback and the trace it belongs to; by trace id, the
//! trace alone.

use axum::{
    Json,
    extract::{Path, Query as QueryParams, State},
};
use serde_json::{Map, Value, json};
use sightline_schemas::{Dialect, Store};

use super::{AppState, trace_view::trace};
use crate::{
    error::{ApiError, ApiResult},
    params::{Query, filters, integer, limit, now_ms, number, rfc3339, rows, text, time},
};

const STATUSES: [&str; 4] = ["ok", "error", "lost", "orphan"];
/// Without `from`, a page reaches this far back.
const DEFAULT_SPAN_MS: i64 = 24 * 3600 * 1000;

pub async fn list<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let to = time(&query, "to")?.unwrap_or_else(|| now_ms() + 1000);
    let from = time(&query, "from")?.unwrap_or(to - DEFAULT_SPAN_MS);
    let limit = limit(&query)?;
    let millis = d.millis("request_time");
    let mut conditions = filters(&query, d);
    conditions.push(d.time_range("request_time", from, to));
    conditions.push("operation != 'deployment'".into());
    if let Some(status) = query.get("status").filter(|s| !s.is_empty()) {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::bad_request(format!(
                "status={status:?}: use ok, error, lost or orphan"
            )));
        }
        conditions.push(format!("status = '{status}'"));
    }
    if let Some(min) = query.get("min_latency").filter(|s| !s.is_empty()) {
        let min: f64 = min.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "min_latency={min:?}: give milliseconds, such as 500"
            ))
        })?;
        conditions.push(format!("latency_ms >= {min}"));
    }
    if let Some(label) = query.get("label").filter(|s| !s.is_empty()) {
        conditions.push(label_condition(label, d)?);
    }
    if let Some(cursor) = query.get("cursor").filter(|s| !s.is_empty()) {
        let (at, id) = decode_cursor(cursor)?;
        conditions.push(format!(
            "({millis} < {at} OR ({millis} = {at} AND request_id < {}))",
            d.literal(&id)
        ));
    }
    let sql = format!(
        "SELECT request_id, {millis} AS t, service, model, model_version, status, latency_ms, \
         input_tokens, output_tokens, cost_nusd, offensive_language FROM llm_events \
         WHERE {} ORDER BY t DESC, request_id DESC LIMIT {}",
        conditions.join(" AND "),
        limit + 1
    );
    let mut found = rows(&app.store, &sql).await?;
    let next = (found.len() > limit).then(|| {
        found.truncate(limit);
        let last = &found[limit - 1];
        encode_cursor(
            number(last, "t").unwrap_or(0.0) as i64,
            &text(last, "request_id"),
        )
    });
    let traces: Vec<Value> = found
        .into_iter()
        .map(|r| {
            json!({
                "request_id": text(&r, "request_id"),
                "request_time": rfc3339(number(&r, "t").unwrap_or(0.0) as i64),
                "service": text(&r, "service"),
                "model": text(&r, "model"),
                "model_version": text(&r, "model_version"),
                "status": text(&r, "status"),
                "latency_ms": number(&r, "latency_ms"),
                "input_tokens": integer(&r, "input_tokens"),
                "output_tokens": integer(&r, "output_tokens"),
                "cost_usd": number(&r, "cost_nusd").map(|n| n / 1e9),
                "offensive_language": number(&r, "offensive_language"),
            })
        })
        .collect();
    Ok(Json(json!({"traces": traces, "next_cursor": next})))
}

pub async fn one<S: Store>(
    State(app): AppState<S>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    if let Some(found) = exchange(&app.store, &id).await? {
        return Ok(Json(found));
    }
    match trace(&app.store, &id).await? {
        Some(trace) => Ok(Json(json!({"trace": trace}))),
        None => Err(ApiError::not_found(format!(
            "no exchange with request_id or trace_id {id:?} is stored (yet)"
        ))),
    }
}

/// The exchange `request_id` names, with its evaluations, feedback and trace.
async fn exchange<S: Store>(store: &S, request_id: &str) -> ApiResult<Option<Value>> {
    let d = store.dialect();
    let id = d.literal(request_id);
    let exchange = rows(
        store,
        &format!(
            "SELECT *, {} AS request_ms, {} AS response_ms FROM llm_events WHERE request_id = {id} LIMIT 1",
            d.millis("request_time"),
            d.millis("response_time"),
        ),
    )
    .await?
    .into_iter()
    .next()
    .map(|mut row| {
        for (ms, column) in [("request_ms", "request_time"), ("response_ms", "response_time")] {
            let at = number(&row, ms).map(|t| rfc3339(t as i64));
            row.remove(ms);
            row.insert(column.into(), at.map_or(Value::Null, Value::String));
        }
        row
    });
    let Some(exchange) = exchange else {
        return Ok(None);
    };
    let evaluations = rows(
        store,
        &format!(
            "SELECT evaluator, metric, score AS value, label, explanation FROM evaluations WHERE request_id = {id} ORDER BY evaluator, metric"
        ),
    )
    .await?;
    let feedback = rows(
        store,
        &format!(
            "SELECT {} AS t, score, label, comment FROM feedback WHERE request_id = {id} ORDER BY t",
            d.millis("time")
        ),
    )
    .await?;
    let feedback: Vec<Map<String, Value>> = feedback
        .into_iter()
        .map(|mut f| {
            let at = rfc3339(number(&f, "t").unwrap_or(0.0) as i64);
            f.remove("t");
            f.insert("time".into(), Value::String(at));
            f
        })
        .collect();
    let trace = match exchange.get("trace_id").and_then(Value::as_str) {
        Some(trace_id) if !trace_id.is_empty() => trace(store, trace_id).await?,
        _ => None,
    };
    Ok(Some(
        json!({"exchange": exchange, "evaluations": evaluations, "feedback": feedback, "trace": trace}),
    ))
}

/// `KEY:VALUE` as a match on the attributes' JSON text, where each pair is written `"KEY":"VALUE"`.
fn label_condition(label: &str, d: Dialect) -> ApiResult<String> {
    let (key, value) = label
        .split_once(':')
        .ok_or_else(|| ApiError::bad_request(format!("label={label:?}: give KEY:VALUE")))?;
    let pair = format!("{}:{}", Value::from(key), Value::from(value));
    Ok(match d {
        Dialect::ClickHouse => format!("position(attributes, {}) > 0", d.literal(&pair)),
        Dialect::DataFusion => format!("strpos(attributes, {}) > 0", d.literal(&pair)),
    })
}

fn encode_cursor(at: i64, request_id: &str) -> String {
    let raw = format!("{at}:{request_id}");
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> ApiResult<(i64, String)> {
    let bad =
        || ApiError::bad_request("cursor is not one this API gave out; start again without it");
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| {
            cursor
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    let raw = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, id) = raw.split_once(':').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, id.to_owned()))
}
