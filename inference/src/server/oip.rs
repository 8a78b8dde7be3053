//! The Open Inference Protocol v2 (KServe, Triton): health, model metadata and inference.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Node, error::ApiError};
use crate::{
    batcher::{Output, Work},
    metadata::Task,
    runtime::{Answer, Version},
    tensor::{Data, RequestTensor, Tensor},
};

pub async fn live() -> Json<Value> {
    Json(json!({ "live": true }))
}

/// Every model is loaded before the node listens, so a node that answers is ready.
pub async fn ready() -> Json<Value> {
    Json(json!({ "ready": true }))
}

pub async fn model(
    State(node): State<Arc<Node>>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let version = node.resolve(&name, None)?;
    Ok(Json(describe(&node, &version)))
}

pub async fn model_version(
    State(node): State<Arc<Node>>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let version = node.resolve(&name, Some(&version))?;
    Ok(Json(describe(&node, &version)))
}

fn describe(node: &Node, version: &Version) -> Value {
    let model = node.repo.model(&version.model);
    let versions: Vec<String> = model
        .map(|m| m.versions.values().map(|v| v.version.clone()).collect())
        .unwrap_or_default();
    let active = model
        .map(|m| m.active().version.clone())
        .unwrap_or_default();
    let (inputs, outputs) = version.signature();
    json!({
        "name": version.model,
        "versions": versions,
        "platform": "onnxruntime_onnx",
        "inputs": inputs,
        "outputs": outputs,
        "parameters": {
            "version": version.version,
            "active_version": active,
            "task": version.metadata.task.name(),
            "execution_provider": node.identity.provider.name(),
            "labels": version.metadata.labels,
        },
    })
}

#[derive(Debug, Deserialize)]
pub struct InferRequest {
    id: Option<String>,
    inputs: Vec<RequestTensor>,
}

pub async fn infer(
    State(node): State<Arc<Node>>,
    Path(name): Path<String>,
    body: Result<Json<InferRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    run(node, &name, None, body).await
}

pub async fn infer_version(
    State(node): State<Arc<Node>>,
    Path((name, version)): Path<(String, String)>,
    body: Result<Json<InferRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    run(node, &name, Some(&version), body).await
}

async fn run(
    node: Arc<Node>,
    name: &str,
    version: Option<&str>,
    body: Result<Json<InferRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let version = node.resolve(name, version)?;
    let Json(request) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let inputs = request
        .inputs
        .into_iter()
        .map(Tensor::from_request)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::bad_request)?;
    let work = match version.metadata.task {
        Task::Generic => Work::Tensors(inputs),
        Task::Embedding | Task::Classification => Work::Texts(texts(inputs)?),
    };
    let served = node.call(version, work, "infer").await?;
    let outputs = match served.output {
        Output::Tensors(t) => t.iter().map(Tensor::to_json).collect(),
        Output::Answer(Answer::Embeddings(rows)) => vec![matrix("embedding", rows).to_json()],
        Output::Answer(Answer::Classes(rows)) => vec![matrix("probabilities", rows).to_json()],
    };
    Ok(Json(json!({
        "model_name": served.version.model,
        "model_version": served.version.version,
        "id": request.id,
        "outputs": outputs,
    })))
}

/// The texts of a text model's call: one BYTES input, any name, any shape.
fn texts(inputs: Vec<Tensor>) -> Result<Vec<String>, ApiError> {
    match <[Tensor; 1]>::try_from(inputs) {
        Ok(
            [
                Tensor {
                    data: Data::Bytes(texts),
                    ..
                },
            ],
        ) => Ok(texts),
        _ => Err(ApiError::bad_request(
            "this model takes one BYTES input holding the texts, such as {\"name\": \"text\", \"shape\": [2], \"datatype\": \"BYTES\", \"data\": [\"a\", \"b\"]}",
        )),
    }
}

fn matrix(name: &str, rows: Vec<Vec<f32>>) -> Tensor {
    let width = rows.first().map_or(0, Vec::len);
    Tensor {
        name: name.into(),
        shape: vec![rows.len() as i64, width as i64],
        data: Data::Fp32(rows.into_iter().flatten().collect()),
    }
}
