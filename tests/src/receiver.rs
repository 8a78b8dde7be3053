//! A webhook receiver for the tests: a real HTTP server that checks each request's signature as
//! the README tells receivers to, records it, and answers as the test scripts it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::IntoResponse,
};
use serde_json::Value;
use sightline_alerts::webhook::{
    Secret,
    sign::{IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER},
    verify,
};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    /// Why the signature was refused, if it was.
    pub refused: Option<String>,
    pub idempotency_key: Option<String>,
    pub body: Value,
    /// What the receiver answered.
    pub status: u16,
}

#[derive(Debug, Default)]
struct Script {
    calls: Vec<Call>,
    /// Per path: how many more requests get a 500.
    failures: HashMap<String, u32>,
    /// Per path: the JSON a 200 carries.
    replies: HashMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    script: Arc<Mutex<Script>>,
}

#[derive(Debug, Clone)]
struct Shared {
    secret: Secret,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    /// Listens on a free loopback port, verifying with `secret`.
    pub async fn start(secret: &str) -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let shared = Shared {
            secret: Secret::new(secret).expect("a secret"),
            script: script.clone(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = Router::new().fallback(receive).with_state(shared);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, script }
    }

    /// The next `times` requests to `path` get a 500.
    pub fn fail_next(&self, path: &str, times: u32) {
        self.script
            .lock()
            .expect("script")
            .failures
            .insert(path.into(), times);
    }

    /// A 200 to `path` carries `reply`.
    pub fn reply(&self, path: &str, reply: Value) {
        self.script
            .lock()
            .expect("script")
            .replies
            .insert(path.into(), reply);
    }

    pub fn calls(&self, path: &str) -> Vec<Call> {
        let script = self.script.lock().expect("script");
        script
            .calls
            .iter()
            .filter(|c| c.path == path)
            .cloned()
            .collect()
    }
}

async fn receive(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let refused = verify(
        &shared.secret,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        now,
    )
    .err()
    .map(|e| e.to_string());
    let path = uri.path().to_owned();
    let mut script = shared.script.lock().expect("script");
    let (status, reply) = if refused.is_some() {
        (StatusCode::UNAUTHORIZED, Value::Null)
    } else if let Some(n) = script.failures.get_mut(&path).filter(|n| **n > 0) {
        *n -= 1;
        (StatusCode::INTERNAL_SERVER_ERROR, Value::Null)
    } else {
        (
            StatusCode::OK,
            script
                .replies
                .get(&path)
                .cloned()
                .unwrap_or(Value::Object(Default::default())),
        )
    };
    script.calls.push(Call {
        path,
        refused,
        idempotency_key: header(IDEMPOTENCY_HEADER).map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        status: status.as_u16(),
    });
    (status, axum::Json(reply))
}
