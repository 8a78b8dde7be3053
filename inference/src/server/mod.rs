//! The node's HTTP server (axum): the Open Inference Protocol v2, OpenAI-compatible endpoints, the
//! admin API and `/metrics`, over one shared [`Node`].

mod admin;
mod call;
mod error;
mod metrics;
mod oip;
mod openai;

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    routing::{get, post},
};

pub use admin::AdminAuth;
pub use error::ApiError;
pub use metrics::NodeMetrics;

use crate::{batcher::Batcher, events::Emitter, repo::Repository, runtime::Provider};

/// What the events say about this node.
#[derive(Debug, Clone)]
pub struct Identity {
    pub node_id: String,
    pub provider: Provider,
    pub service: String,
    pub environment: String,
    pub project: String,
}

#[derive(Debug)]
pub struct Node {
    pub repo: Repository,
    pub batchers: BTreeMap<String, Batcher>,
    pub events: Emitter,
    pub metrics: Arc<NodeMetrics>,
    pub identity: Identity,
    pub admin: AdminAuth,
    /// Texts one call may hold.
    pub max_texts: usize,
    seen: admin::Seen,
    /// Held while a version changes.
    switching: tokio::sync::Mutex<()>,
}

impl Node {
    pub fn new(
        repo: Repository,
        batchers: BTreeMap<String, Batcher>,
        events: Emitter,
        metrics: Arc<NodeMetrics>,
        identity: Identity,
        admin: AdminAuth,
        max_texts: usize,
    ) -> Self {
        Self {
            repo,
            batchers,
            events,
            metrics,
            identity,
            admin,
            max_texts,
            seen: admin::Seen::default(),
            switching: tokio::sync::Mutex::new(()),
        }
    }
}

async fn render_metrics(State(node): State<Arc<Node>>) -> String {
    let depths: Vec<(String, usize)> = node
        .batchers
        .iter()
        .map(|(m, b)| (m.clone(), b.depth()))
        .collect();
    let c = &node.events.counters;
    node.metrics
        .render(&depths, (c.sent.get(), c.failed.get(), c.dropped.get()))
}

/// Every route; bodies above `max_body_bytes` are refused with 413.
pub fn router(node: Arc<Node>, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/v2/health/live", get(oip::live))
        .route("/v2/health/ready", get(oip::ready))
        .route("/v2/models/{name}", get(oip::model))
        .route(
            "/v2/models/{name}/versions/{version}",
            get(oip::model_version),
        )
        .route("/v2/models/{name}/infer", post(oip::infer))
        .route(
            "/v2/models/{name}/versions/{version}/infer",
            post(oip::infer_version),
        )
        .route("/v1/models", get(openai::models))
        .route("/v1/embeddings", post(openai::embeddings))
        .route("/v1/moderations", post(openai::moderations))
        .route("/admin/models", get(admin::list))
        .route(
            "/admin/models/{name}/activate/{version}",
            post(admin::activate),
        )
        .route("/admin/models/{name}/rollback", post(admin::rollback))
        .route("/metrics", get(render_metrics))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(node)
}
