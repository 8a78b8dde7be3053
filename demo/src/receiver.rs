//! The demo's stand-in for a team's own webhook receiver: a retraining pipeline and a chat channel.
//! It checks every request's signature as a real receiver must, and tells the demo what came.

use std::sync::Arc;

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use serde_json::Value;
use sightline_alerts::webhook::sign::{SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, verify};
use tokio::sync::mpsc;

/// One verified webhook.
#[derive(Debug)]
pub struct Received {
    pub kind: String,
    pub body: Value,
}

struct Receiver {
    secret: Secret,
    received: mpsc::UnboundedSender<Received>,
}

/// Listens on a free loopback port; returns its base URL and the verified webhooks as they come.
pub async fn start(secret: &str) -> anyhow::Result<(String, mpsc::UnboundedReceiver<Received>)> {
    let (received, rx) = mpsc::unbounded_channel();
    let state = Arc::new(Receiver {
        secret: Secret::new(secret.as_bytes().to_vec())
            .ok_or_else(|| anyhow::anyhow!("empty webhook secret"))?,
        received,
    });
    let app = Router::new()
        .route("/hooks/{kind}", post(hook))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((base, rx))
}

async fn hook(
    State(r): State<Arc<Receiver>>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if verify(
        &r.secret,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        now,
    )
    .is_err()
    {
        return StatusCode::UNAUTHORIZED;
    }
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = r.received.send(Received { kind, body });
    StatusCode::OK
}
