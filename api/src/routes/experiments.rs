//! `GET /v1/experiments/compare`: arms of traffic against the control, as
//! `sightline experiment compare` reports them.

use axum::{
    Json,
    extract::{Query as QueryParams, State},
};
use sightline_experiments::{
    DEFAULT_MINIMUM_DETECTABLE_EFFECT, LoadError, Report, Scope, Split, parse_arms,
};
use sightline_schemas::Store;

use super::AppState;
use crate::{
    error::{ApiError, ApiResult},
    params::{self, Query},
};

pub async fn compare<S: Store>(
    State(app): AppState<S>,
    QueryParams(query): QueryParams<Query>,
) -> ApiResult<Json<Report>> {
    let required = |name: &str| {
        query
            .get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
    };
    let split: Split = required("by")?.parse().map_err(ApiError::bad_request)?;
    let arms = parse_arms(required("arms")?).map_err(ApiError::bad_request)?;
    let mde = match query.get("minimum_detectable_effect") {
        None => DEFAULT_MINIMUM_DETECTABLE_EFFECT,
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|m| *m > 0.0 && m.is_finite())
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "minimum_detectable_effect={text:?}: give a positive fraction such as 0.1 for 10 %"
                ))
            })?,
    };
    let scope = Scope {
        split,
        arms,
        from_ms: params::time(&query, "from")?,
        to_ms: params::time(&query, "to")?,
    };
    let report = sightline_experiments::compare(&app.store, &scope, mde)
        .await
        .map_err(|e| match e {
            LoadError::Store(e) => ApiError::from(e),
            LoadError::Answer(message) => ApiError::internal(message),
        })?;
    Ok(Json(report))
}
