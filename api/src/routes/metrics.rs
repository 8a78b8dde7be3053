//! `GET /v1/metrics/summary` and `/v1/metrics/timeseries`: the SRE's figures over `llm_events`,
//! per group or per time step; `GET /v1/filters` and `GET /v1/deployments` for the dashboard.

use std::time::Duration;

use axum::{
    Json,
    extract::{Query as QueryParams, State},
};
use serde_json::{Map, Value, json};
use sightline_schemas::{Dialect, Store};

use super::AppState;
use crate::{
    error::{ApiError, ApiResult},
    params::{self, Query, duration, integer, now_ms, number, rfc3339, rows, text},
};

const HOUR: Duration = Duration::from_secs(3600);

/// The figures every group and every time step gets.
fn figures(d: Dialect) -> String {
    let share = |condition: &str| format!("avg(CASE WHEN {condition} THEN 1.0 ELSE 0.0 END)");
    let count = |condition: &str| format!("sum(CASE WHEN {condition} THEN 1 ELSE 0 END)");
    [
        "count(*) AS requests".to_owned(),
        format!("{} AS errors", count("status = 'error'")),
        format!("{} AS lost", count("status = 'lost'")),
        format!("{} AS error_rate", share("status = 'error'")),
        format!("{} AS lost_rate", share("status = 'lost'")),
        format!("{} AS p50_latency_ms", d.quantile(0.5, "latency_ms")),
        format!("{} AS p95_latency_ms", d.quantile(0.95, "latency_ms")),
        format!("{} AS p99_latency_ms", d.quantile(0.99, "latency_ms")),
        format!("{} AS input_tokens", d.float("sum(input_tokens)")),
        format!("{} AS output_tokens", d.float("sum(output_tokens)")),
        format!("{} / 1e9 AS cost_usd", d.float("sum(cost_nusd)")),
        format!("{} AS offensive", count("offensive_label = 'offensive'")),
        format!(
            "{} AS offensive_rate",
            share("offensive_label = 'offensive'")
        ),
    ]
    .join(", ")
}

/// The window's rows, filtered, without the deployment markers inference nodes publish.
fn scope(query: &Query, d: Dialect, from: i64, to: i64) -> String {
    let mut conditions = params::filters(query, d);
    conditions.push(d.time_range("request_time", from, to));
    conditions.push("operation != 'deployment'".into());
    conditions.join(" AND ")
}

const GROUPS: [(&str, &str); 4] = [
    ("model", "model"),
    ("version", "model_version"),
    ("service", "service"),
    ("project", "project"),
];

pub async fn summary<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let window = duration(&query, "window", HOUR)?;
    let to = now_ms();
    let from = to - window.as_millis() as i64;
    let mut keys = Vec::new();
    for name in query
        .get("group_by")
        .map_or("", String::as_str)
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (key, column) = GROUPS
            .iter()
            .find(|(k, _)| *k == name.trim())
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "group_by: {name:?} is not one of model, version, service, project"
                ))
            })?;
        keys.push((*key, *column));
    }
    let columns: Vec<String> = keys.iter().map(|(k, c)| format!("{c} AS {k}")).collect();
    let grouping: Vec<&str> = keys.iter().map(|(_, c)| *c).collect();
    let sql = format!(
        "SELECT {}{}{} FROM llm_events WHERE {}{}",
        columns.join(", "),
        if columns.is_empty() { "" } else { ", " },
        figures(d),
        scope(&query, d, from, to),
        if grouping.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {0} ORDER BY {0}", grouping.join(", "))
        }
    );
    let groups: Vec<Value> = rows(&app.store, &sql)
        .await?
        .into_iter()
        // An ungrouped aggregate over no rows is one row of zeros; there is nothing to report.
        .filter(|r| number(r, "requests").unwrap_or(0.0) > 0.0)
        .map(|r| {
            let mut group = Map::new();
            for (key, _) in &keys {
                group.insert((*key).into(), Value::String(text(&r, key)));
            }
            for key in ["requests", "input_tokens", "output_tokens"] {
                group.insert(key.into(), json!(integer(&r, key)));
            }
            for key in [
                "error_rate",
                "lost_rate",
                "p50_latency_ms",
                "p95_latency_ms",
                "p99_latency_ms",
                "cost_usd",
                "offensive_rate",
            ] {
                group.insert(key.into(), json!(number(&r, key)));
            }
            Value::Object(group)
        })
        .collect();
    Ok(Json(json!({
        "from": rfc3339(from), "to": rfc3339(to),
        "window": query.get("window").map_or("1h", String::as_str),
        "groups": groups,
    })))
}

pub async fn timeseries<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let window = duration(&query, "window", HOUR)?;
    let step = duration(&query, "step", (window / 60).max(Duration::from_secs(10)))?;
    if step < Duration::from_secs(10)
        || step > Duration::from_secs(86_400)
        || window / step.as_secs() as u32 > Duration::from_secs(2000)
    {
        return Err(ApiError::bad_request(
            "step: give 10s to 1d, and at most 2000 steps in the window",
        ));
    }
    let step_ms = (step.as_secs() * 1000) as i64;
    let to = now_ms();
    let from = (to - window.as_millis() as i64).div_euclid(step_ms) * step_ms;
    let bucket = d.floor_to(&d.millis("request_time"), step_ms);
    let sql = format!(
        "SELECT {bucket} AS t, {} FROM llm_events WHERE {} GROUP BY t ORDER BY t",
        figures(d),
        scope(&query, d, from, to)
    );
    let points: Vec<Value> = rows(&app.store, &sql)
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "t": rfc3339(number(&r, "t").unwrap_or(0.0) as i64),
                "requests": integer(&r, "requests"),
                "errors": integer(&r, "errors"),
                "lost": integer(&r, "lost"),
                "p50_latency_ms": number(&r, "p50_latency_ms"),
                "p95_latency_ms": number(&r, "p95_latency_ms"),
                "p99_latency_ms": number(&r, "p99_latency_ms"),
                "cost_usd": number(&r, "cost_usd"),
                "offensive": integer(&r, "offensive"),
            })
        })
        .collect();
    Ok(Json(json!({
        "from": rfc3339(from), "to": rfc3339(to), "step_s": step.as_secs(), "points": points,
    })))
}

pub async fn seen<S: Store>(State(app): AppState<S>) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let to = now_ms() + 1000;
    let range = d.time_range("request_time", to - 7 * 86_400_000, to);
    let mut out = Map::new();
    for (key, column) in [
        ("models", "model"),
        ("versions", "model_version"),
        ("services", "service"),
    ] {
        let values: Vec<Value> = rows(
            &app.store,
            &format!(
                "SELECT DISTINCT {column} AS v FROM llm_events WHERE {range} ORDER BY v LIMIT 200"
            ),
        )
        .await?
        .iter()
        .map(|r| Value::String(text(r, "v")))
        .filter(|v| v.as_str() != Some(""))
        .collect();
        out.insert(key.into(), Value::Array(values));
    }
    Ok(Json(Value::Object(out)))
}

pub async fn deployments<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Value>> {
    let d = app.store.dialect();
    let window = duration(&query, "window", HOUR * 24)?;
    let to = now_ms() + 1000;
    let mut conditions = vec![
        "operation = 'deployment'".to_owned(),
        d.time_range("request_time", to - window.as_millis() as i64, to),
    ];
    if let Some(model) = query.get("model").filter(|m| !m.is_empty()) {
        conditions.push(format!("model = {}", d.literal(model)));
    }
    let sql = format!(
        "SELECT {} AS t, model, model_version, service, attributes FROM llm_events WHERE {} ORDER BY t DESC LIMIT 200",
        d.millis("request_time"),
        conditions.join(" AND ")
    );
    let deployments: Vec<Value> = rows(&app.store, &sql)
        .await?
        .into_iter()
        .map(|r| {
            let attributes: Value =
                serde_json::from_str(&text(&r, "attributes")).unwrap_or_default();
            json!({
                "time": rfc3339(number(&r, "t").unwrap_or(0.0) as i64),
                "model": text(&r, "model"),
                "version": text(&r, "model_version"),
                "action": attributes.get("deployment").cloned().unwrap_or(Value::Null),
                "from_version": attributes.get("from_version").cloned().unwrap_or(Value::Null),
                "service": text(&r, "service"),
            })
        })
        .collect();
    Ok(Json(json!({"deployments": deployments})))
}
