//! HTTP ingest, `POST /v1/events`: a JSON array of events or NDJSON, checked one by one, and
//! forwarded to the pipeline: the in-process channel in embedded mode, the Kafka topic otherwise.
//!
//! Every event is forwarded, valid or not, so an invalid one reaches the dead-letter queue like any
//! other; the response says, per event, whether it was valid and why not.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    routing::{get, post},
};
use bytes::Bytes;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::{Value, json, value::RawValue};
use sightline_schemas::{Limits, Rejection, decode_event};

use crate::{
    channel::EventSender,
    metrics::PipelineMetrics,
    otlp::{OtlpConfig, OtlpCounters, route::traces_route},
};

/// Where accepted events go.
#[derive(Clone)]
pub enum IngestTarget {
    Channel(EventSender),
    Kafka {
        producer: FutureProducer,
        topic: String,
    },
}

impl std::fmt::Debug for IngestTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Channel(_) => f.write_str("Channel"),
            Self::Kafka { topic, .. } => write!(f, "Kafka({topic})"),
        }
    }
}

#[derive(Clone)]
struct Ingest {
    target: IngestTarget,
    limits: Limits,
}

/// `POST /v1/events`, `POST /v1/traces` (OTLP) and `GET /metrics`, with request bodies capped at
/// `max_body_bytes`.
pub fn router(
    target: IngestTarget,
    limits: Limits,
    otlp: OtlpConfig,
    metrics: Arc<PipelineMetrics>,
    max_body_bytes: usize,
) -> Router {
    let spans = Arc::new(OtlpCounters::default());
    let traces = traces_route(
        target.clone(),
        limits.clone(),
        otlp,
        spans.clone(),
        max_body_bytes,
    );
    events_route(target, limits, max_body_bytes)
        .merge(traces)
        .route(
            "/metrics",
            get(move || async move { metrics.render() + &spans.render() }),
        )
}

/// `POST /v1/events` alone, for a server that adds its own routes.
pub fn events_route(target: IngestTarget, limits: Limits, max_body_bytes: usize) -> Router {
    let state = Ingest { target, limits };
    Router::new()
        .route("/v1/events", post(ingest))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
}

type Reply = (StatusCode, Json<Value>);

async fn ingest(State(state): State<Ingest>, body: Bytes) -> Reply {
    let events = match split(&body) {
        Ok(events) if !events.is_empty() => events,
        Ok(_) => return bad_request("the body holds no events; send a JSON array or NDJSON"),
        Err(e) => return bad_request(&e),
    };
    let mut results = Vec::with_capacity(events.len());
    let (mut accepted, mut rejected) = (0, 0);
    for (index, raw) in events.iter().enumerate() {
        let decoded = decode_event(raw, &state.limits);
        let key = decoded.as_ref().ok().map(|e| e.header.request_id.clone());
        if let Err(e) = forward(&state.target, raw.to_vec(), key).await {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": e, "accepted_before_failure": index})),
            );
        }
        results.push(match decoded {
            Ok(event) => {
                accepted += 1;
                json!({"index": index, "event_id": event.header.event_id, "status": "accepted"})
            }
            Err(rejection) => {
                rejected += 1;
                rejected_result(index, &rejection)
            }
        });
    }
    (
        StatusCode::OK,
        Json(json!({"accepted": accepted, "rejected": rejected, "results": results})),
    )
}

/// The reply's entry for an event that failed validation: each problem's path and reason.
pub fn rejected_result(index: usize, rejection: &Rejection) -> Value {
    let errors: Vec<Value> = rejection
        .problems
        .iter()
        .map(|p| json!({"path": p.path, "reason": p.reason}))
        .collect();
    json!({"index": index, "status": "rejected", "errors": errors})
}

fn bad_request(message: &str) -> Reply {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message})))
}

/// A JSON array is split into its elements; anything else is read as NDJSON, one event per line.
fn split(body: &[u8]) -> Result<Vec<&[u8]>, String> {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    if body.get(start) == Some(&b'[') {
        let items: Vec<&RawValue> = serde_json::from_slice(body)
            .map_err(|e| format!("the body starts as a JSON array but is not one: {e}"))?;
        return Ok(items.into_iter().map(|raw| raw.get().as_bytes()).collect());
    }
    Ok(body
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|l| !l.is_empty())
        .collect())
}

/// Sends one event's bytes on, keyed by its request id where it has one.
pub async fn forward(
    target: &IngestTarget,
    payload: Vec<u8>,
    key: Option<String>,
) -> Result<(), String> {
    match target {
        IngestTarget::Channel(sender) => sender
            .send(payload)
            .await
            .map_err(|_| "the pipeline has stopped".to_owned()),
        IngestTarget::Kafka { producer, topic } => {
            let mut record = FutureRecord::to(topic).payload(&payload);
            if let Some(k) = &key {
                record = record.key(k);
            }
            producer
                .send(record, Duration::from_secs(10))
                .await
                .map(|_| ())
                .map_err(|(e, _)| format!("publishing to {topic}: {e}"))
        }
    }
}
