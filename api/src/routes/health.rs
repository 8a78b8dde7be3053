//! `/readyz` and `/metrics`.

use axum::http::StatusCode;
use sightline_schemas::{QueryFormat, Store};

use super::AppState;

/// Ready once the store answers a query.
pub async fn ready<S: Store>(axum::extract::State(app): AppState<S>) -> (StatusCode, String) {
    match app
        .store
        .query("SELECT 1 AS ready", QueryFormat::JsonLines)
        .await
    {
        Ok(_) => (StatusCode::OK, "ready\n".into()),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the store does not answer: {e}\n"),
        ),
    }
}

pub async fn metrics<S: Store>(
    axum::extract::State(app): AppState<S>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let mut out = app.metrics.render();
    out.push_str(&app.otlp_counters.render());
    for more in &app.more_metrics {
        out.push_str(&more());
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
}
