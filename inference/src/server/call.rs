//! One call to a model, the same for every endpoint: find the version, check the input, emit the
//! request event, queue the work, wait for the batch, emit the response event, count it.

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use axum::http::StatusCode;
use sightline_schemas::{
    ErrorInfo, Event, Header, ModelRef, NanoUsd, Payload, RequestBody, ResponseBody,
    ResponseStatus, Timestamp, Timings, Usage,
};

use super::{Node, error::ApiError};
use crate::{
    batcher::{Output, Work},
    runtime::{RunError, Version},
};

/// Characters of a call's texts that its request event carries.
const PROMPT_CHARS: usize = 16_384;

/// What a call gave, with what the endpoint reports back.
#[derive(Debug)]
pub struct Served {
    pub version: Arc<Version>,
    pub output: Output,
    pub input_tokens: u64,
}

impl Node {
    /// The version a call names, or the active one.
    pub fn resolve(&self, model: &str, version: Option<&str>) -> Result<Arc<Version>, ApiError> {
        let m = self.repo.model(model).ok_or_else(|| {
            let known: Vec<&str> = self.repo.models.keys().map(String::as_str).collect();
            ApiError::not_found(format!(
                "no model {model:?}; this node serves {}",
                known.join(", ")
            ))
        })?;
        match version {
            None => Ok(m.active()),
            Some(v) => m.version(v).ok_or_else(|| {
                ApiError::not_found(format!("model {model:?} has no version {v:?}"))
            }),
        }
    }

    /// Serves one call: `operation` names it in the events and metrics. The call runs to its end
    /// in a task of its own, so a client that goes away still leaves its response event.
    pub async fn call(
        self: &Arc<Self>,
        version: Arc<Version>,
        work: Work,
        operation: &'static str,
    ) -> Result<Served, ApiError> {
        let node = self.clone();
        tokio::spawn(async move { node.serve(version, work, operation).await })
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the call failed: {e}"),
                )
            })?
    }

    async fn serve(
        &self,
        version: Arc<Version>,
        work: Work,
        operation: &'static str,
    ) -> Result<Served, ApiError> {
        let started = Instant::now();
        let request_id = uuid::Uuid::new_v4().to_string();
        let texts = match &work {
            Work::Texts(t) => Some(t.clone()),
            Work::Tensors(_) => None,
        };
        self.events
            .emit(self.request_event(&request_id, &version, operation, &work));
        let result = self.run(&version, work, texts).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (queue_ms, batch_size, tokens) = match &result {
            Ok((served, queue_ms, batch)) => {
                (Some(*queue_ms), Some(*batch), Some(served.input_tokens))
            }
            Err(_) => (None, None, None),
        };
        self.events.emit(self.response_event(
            &request_id,
            &version,
            operation,
            result.as_ref().map(|(s, _, _)| s).map_err(Clone::clone),
            Timings {
                latency_ms: Some(latency_ms),
                time_to_first_chunk_ms: None,
                queue_ms,
            },
            tokens,
            batch_size,
        ));
        let status = match &result {
            Ok(_) => StatusCode::OK,
            Err(e) => e.status,
        };
        self.metrics
            .request(&version, operation, status, latency_ms / 1000.0);
        result.map(|(served, _, _)| served)
    }

    async fn run(
        &self,
        version: &Arc<Version>,
        work: Work,
        texts: Option<Vec<String>>,
    ) -> Result<(Served, f64, usize), ApiError> {
        let mut input_tokens = 0;
        if let Some(texts) = texts {
            if texts.is_empty() {
                return Err(ApiError::bad_request("the input holds no text"));
            }
            if texts.len() > self.max_texts {
                return Err(ApiError::bad_request(format!(
                    "{} texts in one call; at most {} (inference.max_texts)",
                    texts.len(),
                    self.max_texts
                )));
            }
            // Tokenizing is CPU work: off the async workers.
            let checked = version.clone();
            let counted = tokio::task::spawn_blocking(move || {
                checked.check_texts(&texts)?;
                checked.count_tokens(&texts)
            })
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            input_tokens = counted.map_err(run_error)?.map_or(0, |t| t.iter().sum());
        }
        let batcher = self
            .batchers
            .get(&version.model)
            .ok_or_else(|| ApiError::not_found(format!("no model {:?}", version.model)))?;
        let done = batcher.submit(version.clone(), work).map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "model {:?} has {} requests waiting; try again shortly",
                    version.model,
                    batcher.depth()
                ),
            )
        })?;
        let finished = done
            .await
            .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the batch was lost"))?;
        let output = finished.result.map_err(run_error)?;
        Ok((
            Served {
                version: version.clone(),
                output,
                input_tokens,
            },
            finished.queue_ms,
            finished.batch_size,
        ))
    }

    pub(super) fn header_for(
        &self,
        request_id: &str,
        version: &Version,
        operation: &str,
    ) -> Header {
        Header {
            schema_version: "1".into(),
            event_id: uuid::Uuid::new_v4().to_string(),
            request_id: request_id.to_owned(),
            timestamp: Timestamp::now(),
            service: self.identity.service.clone(),
            environment: self.identity.environment.clone(),
            project: self.identity.project.clone(),
            model: Some(ModelRef {
                provider: "sightline".into(),
                name: version.model.clone(),
                version: version.version.clone(),
            }),
            operation: Some(operation.to_owned()),
            trace_id: None,
            span_id: None,
            parent_span_id: None,
            session_id: None,
            user_id: None,
            attributes: BTreeMap::from([
                ("node_id".to_owned(), self.identity.node_id.clone()),
                (
                    "execution_provider".to_owned(),
                    self.identity.provider.name().to_owned(),
                ),
            ]),
        }
    }

    fn request_event(
        &self,
        request_id: &str,
        version: &Version,
        operation: &str,
        work: &Work,
    ) -> Event {
        let prompt = match work {
            Work::Texts(texts) => {
                let mut joined = texts.join("\n");
                // Events stay small: the ingest and the broker take messages of a MiB at most.
                if let Some((cut, _)) = joined.char_indices().nth(PROMPT_CHARS) {
                    joined.truncate(cut);
                }
                joined
            }
            Work::Tensors(tensors) => tensors
                .iter()
                .map(|t| format!("{} {} {:?}", t.name, t.data.datatype(), t.shape))
                .collect::<Vec<_>>()
                .join(", "),
        };
        Event {
            header: self.header_for(request_id, version, operation),
            payload: Payload::Request {
                request: RequestBody {
                    prompt: Some(prompt),
                    messages: Vec::new(),
                    params: serde_json::Map::new(),
                },
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn response_event(
        &self,
        request_id: &str,
        version: &Version,
        operation: &str,
        result: Result<&Served, ApiError>,
        timings: Timings,
        input_tokens: Option<u64>,
        batch_size: Option<usize>,
    ) -> Event {
        let mut header = self.header_for(request_id, version, operation);
        if let Some(b) = batch_size {
            header.attributes.insert("batch_size".into(), b.to_string());
        }
        let (status, error) = match &result {
            Ok(_) => (ResponseStatus::Ok, None),
            Err(e) => (
                ResponseStatus::Error,
                Some(ErrorInfo {
                    kind: e.class().into(),
                    message: Some(e.message.clone()),
                }),
            ),
        };
        let cost = version
            .metadata
            .price_per_million_input_tokens
            .zip(input_tokens)
            .map(|(price, tokens)| NanoUsd((price * tokens as f64 * 1000.0).round() as i64));
        Event {
            header,
            payload: Payload::Response {
                response: ResponseBody {
                    status,
                    output: None,
                    finish_reasons: Vec::new(),
                    error,
                    usage: Usage {
                        input_tokens,
                        ..Usage::default()
                    },
                    timings,
                    cost_usd: cost,
                },
            },
        }
    }
}

fn run_error(e: RunError) -> ApiError {
    match e {
        RunError::Invalid(m) => ApiError::bad_request(m),
        RunError::Failed(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m),
    }
}
