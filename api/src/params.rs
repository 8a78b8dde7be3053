//! Reading query parameters and running the API's own queries: times as RFC 3339 or a duration
//! back from now, the model/version/service filters, and rows as JSON objects.

use std::{collections::HashMap, time::Duration};

use serde_json::{Map, Value};
use sightline_schemas::{Dialect, QueryFormat, Store, duration::parse as parse_duration};

use crate::error::{ApiError, ApiResult};

pub type Query = HashMap<String, String>;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A duration parameter such as `1h`, or its default.
pub fn duration(query: &Query, name: &str, default: Duration) -> ApiResult<Duration> {
    match query.get(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(text) => parse_duration(text)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{name}={text:?}: give a duration such as 15m, 1h or 7d"
                ))
            }),
    }
}

/// A time parameter: RFC 3339, or a duration meaning that long before now.
pub fn time(query: &Query, name: &str) -> ApiResult<Option<i64>> {
    let Some(text) = query.get(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.timestamp_millis()));
    }
    match parse_duration(text) {
        Ok(back) => Ok(Some(now_ms() - back.as_millis() as i64)),
        Err(_) => Err(ApiError::bad_request(format!(
            "{name}={text:?}: give an RFC 3339 time (2026-01-01T00:00:00Z) or a duration back from now (1h)"
        ))),
    }
}

/// `limit`, within 1..=500.
pub fn limit(query: &Query) -> ApiResult<usize> {
    match query.get("limit") {
        None => Ok(50),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!("limit={text:?}: give a number from 1 to 500"))
            }),
    }
}

/// `column = value` for each of model, version and service given.
pub fn filters(query: &Query, dialect: Dialect) -> Vec<String> {
    [
        ("model", "model"),
        ("version", "model_version"),
        ("service", "service"),
    ]
    .iter()
    .filter_map(|(param, column)| {
        let value = query.get(*param).filter(|v| !v.is_empty())?;
        Some(format!("{column} = {}", dialect.literal(value)))
    })
    .collect()
}

/// Rows of the API's own queries, as JSON objects.
pub async fn rows<S: Store>(store: &S, sql: &str) -> ApiResult<Vec<Map<String, Value>>> {
    json_lines(&store.query(sql, QueryFormat::JsonLines).await?)
}

/// A store's JSON-lines answer, one value per non-blank line.
pub fn json_lines<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<Vec<T>> {
    sightline_schemas::json_lines(bytes)
        .map_err(|e| ApiError::internal(format!("reading the store's answer: {e}")))
}

/// Milliseconds since the epoch as RFC 3339.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub use sightline_schemas::row_number as number;

/// A count out of a row: a whole number, whatever JSON type the store gave it.
pub fn integer(row: &Map<String, Value>, key: &str) -> Option<i64> {
    number(row, key).map(|n| n.round() as i64)
}

pub fn text(row: &Map<String, Value>, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}
