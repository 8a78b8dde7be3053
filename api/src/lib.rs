//! The HTTP API of `sightline api`: read-only SQL, traces, metrics, drift, alerts and their rules,
//! the dead-letter queue, HTTP ingest, Prometheus exposition and the dashboard page, in either mode
//! through the [`Store`] trait, behind API keys with scopes.

mod access;
pub mod catalog;
mod dashboard;
mod error;
pub mod keys;
pub mod openapi;
mod params;
mod routes;
mod telemetry;

use std::{future::Future, path::PathBuf, pin::Pin, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{delete, get, post},
};
use sightline_drift::baseline::Baseline;
use sightline_ingest::{
    http::{IngestTarget, events_route},
    otlp::{OtlpConfig, OtlpCounters, route::traces_route},
};
use sightline_schemas::{Limits, Store};

pub use catalog::Part;
pub use error::ApiError;
pub use telemetry::ApiMetrics;

/// What a new baseline covers.
#[derive(Debug, Clone)]
pub struct NewBaseline {
    pub name: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub filter: Vec<(String, String)>,
}

/// Builds a baseline from the store; the binary supplies it, as it owns the drift features.
pub trait BaselineMaker: Send + Sync + 'static {
    fn make(
        &self,
        request: NewBaseline,
    ) -> Pin<Box<dyn Future<Output = Result<Baseline, String>> + Send + '_>>;
}

/// More exposition for `/metrics`, such as the embedded pipeline's.
pub type Exposition = Box<dyn Fn() -> String + Send + Sync>;

pub struct App<S> {
    pub store: S,
    pub keys: keys::KeyRing,
    pub open: Vec<Part>,
    pub ingest: IngestTarget,
    pub limits: Limits,
    /// How `POST /v1/traces` maps spans.
    pub otlp: OtlpConfig,
    pub otlp_counters: Arc<OtlpCounters>,
    /// The monitor's rule file, edited through `/v1/alert-rules`.
    pub rules_file: Option<PathBuf>,
    pub baselines_dir: PathBuf,
    pub baseline_maker: Box<dyn BaselineMaker>,
    pub query_timeout: Duration,
    pub max_body_bytes: usize,
    pub metrics: ApiMetrics,
    pub more_metrics: Vec<Exposition>,
}

impl<S> std::fmt::Debug for App<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("keys", &self.keys.path())
            .field("open", &self.open)
            .field("ingest", &self.ingest)
            .finish()
    }
}

pub fn router<S: Store>(app: Arc<App<S>>) -> Router {
    let ingest = events_route(app.ingest.clone(), app.limits.clone(), app.max_body_bytes).merge(
        traces_route(
            app.ingest.clone(),
            app.limits.clone(),
            app.otlp.clone(),
            app.otlp_counters.clone(),
            app.max_body_bytes,
        ),
    );
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(routes::health::ready::<S>))
        .route("/", get(dashboard::page))
        .route("/dashboard.js", get(dashboard::script))
        .route("/dashboard.css", get(dashboard::style))
        .route(
            "/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .route("/metrics", get(routes::health::metrics::<S>))
        .route("/v1/sql", post(routes::sql::run::<S>))
        .route("/v1/traces", get(routes::traces::list::<S>))
        .route("/v1/traces/{id}", get(routes::traces::one::<S>))
        .route("/v1/metrics/summary", get(routes::metrics::summary::<S>))
        .route(
            "/v1/experiments/compare",
            get(routes::experiments::compare::<S>),
        )
        .route(
            "/v1/metrics/timeseries",
            get(routes::metrics::timeseries::<S>),
        )
        .route("/v1/filters", get(routes::metrics::seen::<S>))
        .route("/v1/deployments", get(routes::metrics::deployments::<S>))
        .route("/v1/drift", get(routes::drift::reports::<S>))
        .route(
            "/v1/drift/baselines",
            get(routes::drift::baselines::<S>).post(routes::drift::create_baseline::<S>),
        )
        .route(
            "/v1/drift/baselines/{name}",
            delete(routes::drift::delete_baseline::<S>),
        )
        .route("/v1/alerts", get(routes::alerts::list::<S>))
        .route(
            "/v1/alert-rules",
            get(routes::rules::list::<S>).post(routes::rules::create::<S>),
        )
        .route(
            "/v1/alert-rules/{name}",
            get(routes::rules::one::<S>)
                .put(routes::rules::replace::<S>)
                .delete(routes::rules::remove::<S>),
        )
        .route("/v1/dlq", get(routes::dlq::list::<S>))
        .route("/v1/dlq/replay", post(routes::dlq::replay::<S>))
        .layer(DefaultBodyLimit::max(app.max_body_bytes))
        .with_state(app.clone())
        .merge(ingest)
        .route_layer(middleware::from_fn_with_state(app, access::check::<S>))
}
