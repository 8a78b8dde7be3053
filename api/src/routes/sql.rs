//! `POST /v1/sql`: read-only SQL. The store refuses writes itself (a read-only ClickHouse user, or
//! DataFusion's read-only options over the registered tables), so nothing here parses the SQL.

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use sightline_schemas::{QueryFormat, Store};

use super::AppState;
use crate::{
    error::{ApiError, ApiResult},
    params::json_lines,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlRequest {
    sql: String,
    #[serde(default)]
    format: Option<String>,
}

pub async fn run<S: Store>(State(app): AppState<S>, body: Bytes) -> ApiResult<Response> {
    let request: SqlRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be {{\"sql\": \"SELECT ...\", \"format\": \"json|csv|arrow\"}}: {e}"
        ))
    })?;
    if request.sql.trim().is_empty() {
        return Err(ApiError::bad_request("sql is empty"));
    }
    let format = match request.format.as_deref().unwrap_or("json") {
        "json" => QueryFormat::JsonLines,
        "csv" => QueryFormat::Csv,
        "arrow" => QueryFormat::Arrow,
        other => {
            return Err(ApiError::bad_request(format!(
                "format {other:?} is not one of json, csv or arrow"
            )));
        }
    };
    let timeout = app.query_timeout;
    let bytes = tokio::time::timeout(timeout, app.store.query(&request.sql, format))
        .await
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                format!("the query ran past {}s; narrow it", timeout.as_secs()),
            )
        })??;
    Ok(match format {
        QueryFormat::JsonLines => {
            let rows: Vec<serde_json::Value> = json_lines(&bytes)?;
            Json(json!({"count": rows.len(), "rows": rows})).into_response()
        }
        QueryFormat::Csv => {
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response()
        }
        QueryFormat::Arrow => (
            [(header::CONTENT_TYPE, "application/vnd.apache.arrow.stream")],
            bytes,
        )
            .into_response(),
    })
}
