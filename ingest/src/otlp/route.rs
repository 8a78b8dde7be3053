//! `POST /v1/traces`, OTLP/HTTP: protobuf or OTLP/JSON, plain or gzip, answered in the request's
//! encoding with an `ExportTraceServiceResponse` whose `partial_success` names each rejected span.
//! Errors are a `google.rpc.Status`, as the OTLP/HTTP specification asks.

use std::{io::Read, sync::Arc};

use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message as _;
use sightline_schemas::Limits;

use super::{Encoding, OtlpConfig, OtlpCounters, describe_rejection, map_export};
use crate::http::{IngestTarget, forward};

/// How many rejected spans the reply's `error_message` names; the count covers them all.
const NAMED_REJECTIONS: usize = 5;

#[derive(Clone)]
struct Traces {
    target: IngestTarget,
    limits: Limits,
    config: Arc<OtlpConfig>,
    counters: Arc<OtlpCounters>,
    max_body_bytes: usize,
}

/// `POST /v1/traces`, with bodies capped at `max_body_bytes` before and after gzip.
pub fn traces_route(
    target: IngestTarget,
    limits: Limits,
    config: OtlpConfig,
    counters: Arc<OtlpCounters>,
    max_body_bytes: usize,
) -> Router {
    let state = Traces {
        target,
        limits,
        config: Arc::new(config),
        counters,
        max_body_bytes,
    };
    Router::new()
        .route("/v1/traces", post(export))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
}

/// `google.rpc.Status`, the body of an OTLP/HTTP error: its definition, for prost to encode.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// The gRPC status codes the errors carry.
const INVALID_ARGUMENT: i32 = 3;
const RESOURCE_EXHAUSTED: i32 = 8;
const UNAVAILABLE: i32 = 14;

async fn export(State(state): State<Traces>, headers: HeaderMap, body: Bytes) -> Response {
    let encoding = match encoding(&headers) {
        Ok(e) => e,
        Err(message) => {
            return error(
                Encoding::Json,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                INVALID_ARGUMENT,
                message,
            );
        }
    };
    let body = match inflate(&headers, body, state.max_body_bytes) {
        Ok(body) => body,
        Err((status, message)) => {
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                RESOURCE_EXHAUSTED
            } else {
                INVALID_ARGUMENT
            };
            return error(encoding, status, code, message);
        }
    };
    let request = match encoding.decode(&body) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("the body is {e}");
            return error(encoding, StatusCode::BAD_REQUEST, INVALID_ARGUMENT, message);
        }
    };
    let mapped = map_export(&request, &state.config);
    let mut named = Vec::new();
    let mut rejected = 0;
    for span in &mapped.events {
        // Invalid events go on too, so that they reach the dead-letter queue with their reasons.
        if let Err(e) = forward(
            &state.target,
            span.json.clone(),
            Some(span.request_id.clone()),
        )
        .await
        {
            return error(encoding, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE, e);
        }
        if let Err(rejection) = span.validate(&state.limits) {
            rejected += 1;
            if named.len() < NAMED_REJECTIONS {
                named.push(describe_rejection(span, &rejection));
            }
        }
    }
    let exchanges = mapped.events.len() as u64 - rejected;
    state
        .counters
        .record(exchanges, mapped.not_llm_calls, rejected);
    if rejected > named.len() as u64 {
        named.push(format!("and {} more", rejected - named.len() as u64));
    }
    let reply = ExportTraceServiceResponse {
        partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: rejected as i64,
            error_message: format!(
                "{rejected} span(s) failed validation and went to the dead-letter queue: {}",
                named.join("; ")
            ),
        }),
    };
    match encoding {
        Encoding::Protobuf => protobuf(StatusCode::OK, reply.encode_to_vec()),
        Encoding::Json => json(
            StatusCode::OK,
            serde_json::to_vec(&reply).expect("a reply serializes"),
        ),
    }
}

fn encoding(headers: &HeaderMap) -> Result<Encoding, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    match essence.to_ascii_lowercase().as_str() {
        "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
        "application/json" => Ok(Encoding::Json),
        _ => Err(format!(
            "Content-Type {content_type:?} is not an OTLP encoding: send application/x-protobuf or application/json"
        )),
    }
}

/// The body, un-gzipped if `Content-Encoding` says so, never larger than `max` bytes.
fn inflate(headers: &HeaderMap, body: Bytes, max: usize) -> Result<Bytes, (StatusCode, String)> {
    let coding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    match coding.as_str() {
        "identity" | "" => Ok(body),
        "gzip" => {
            let mut out = Vec::with_capacity(body.len() * 4);
            // One byte past the cap tells a body at the cap from one beyond it.
            flate2::read::GzDecoder::new(&body[..])
                .take(max as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    (
                        StatusCode::BAD_REQUEST,
                        format!("the gzip body does not inflate: {e}"),
                    )
                })?;
            if out.len() > max {
                return Err((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body inflates past the limit of {max} bytes"),
                ));
            }
            Ok(out.into())
        }
        other => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Encoding {other:?} is not supported: send gzip or no encoding"),
        )),
    }
}

fn error(encoding: Encoding, status: StatusCode, code: i32, message: String) -> Response {
    let body = RpcStatus { code, message };
    match encoding {
        Encoding::Protobuf => protobuf(status, body.encode_to_vec()),
        Encoding::Json => json(
            status,
            serde_json::to_vec(&serde_json::json!({"code": body.code, "message": body.message}))
                .expect("a status serializes"),
        ),
    }
}

fn protobuf(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        body,
    )
        .into_response()
}

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
