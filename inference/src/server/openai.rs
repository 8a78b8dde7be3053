//! OpenAI-compatible endpoints: `GET /v1/models`, `POST /v1/embeddings`, `POST /v1/moderations`.

use std::sync::Arc;

use axum::{Json, extract::State, extract::rejection::JsonRejection};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Node, error::ApiError};
use crate::{
    batcher::{Output, Work},
    metadata::Task,
    runtime::Answer,
};

/// A label scores as flagged from this probability.
const FLAGGED_FROM: f32 = 0.5;

pub async fn models(State(node): State<Arc<Node>>) -> Json<Value> {
    let data: Vec<Value> = node
        .repo
        .models
        .values()
        .map(|m| {
            json!({
                "id": m.name,
                "object": "model",
                "created": 0,
                "owned_by": "sightline",
                "task": m.metadata.task.name(),
                "version": m.active().version,
            })
        })
        .collect();
    Json(json!({ "object": "list", "data": data }))
}

/// A string or an array of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Input {
    One(String),
    Many(Vec<String>),
}

impl Input {
    fn texts(self) -> Vec<String> {
        match self {
            Self::One(t) => vec![t],
            Self::Many(t) => t,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EmbeddingsRequest {
    model: String,
    input: Value,
    #[serde(default)]
    encoding_format: Option<String>,
}

fn texts(input: Value) -> Result<Vec<String>, ApiError> {
    serde_json::from_value::<Input>(input)
        .map(Input::texts)
        .map_err(|_| {
            ApiError::bad_request("`input` must be a string or an array of strings").openai()
        })
}

pub async fn embeddings(
    State(node): State<Arc<Node>>,
    body: Result<Json<EmbeddingsRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::bad_request(e.body_text()).openai())?;
    // The official clients ask for base64 unless told otherwise: little-endian f32s, encoded.
    let base64 = match request.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "encoding_format {other:?}: use \"float\" or \"base64\""
            ))
            .openai());
        }
    };
    let version = node
        .resolve(&request.model, None)
        .map_err(ApiError::openai)?;
    if version.metadata.task != Task::Embedding {
        return Err(ApiError::bad_request(format!(
            "model {:?} is a {} model, not an embedding model",
            request.model,
            version.metadata.task.name()
        ))
        .openai());
    }
    let texts = texts(request.input)?;
    let served = node
        .call(version, Work::Texts(texts), "embeddings")
        .await
        .map_err(ApiError::openai)?;
    let Output::Answer(Answer::Embeddings(vectors)) = served.output else {
        return Err(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "the model gave no embeddings",
        )
        .openai());
    };
    let data: Vec<Value> = vectors
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let embedding = if base64 {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(v)
            };
            json!({ "object": "embedding", "index": i, "embedding": embedding })
        })
        .collect();
    Ok(Json(json!({
        "object": "list",
        "data": data,
        "model": served.version.model,
        "usage": { "prompt_tokens": served.input_tokens, "total_tokens": served.input_tokens },
    })))
}

#[derive(Debug, Deserialize)]
pub struct ModerationsRequest {
    input: Value,
    #[serde(default)]
    model: Option<String>,
}

/// Scores each text with a classification model: every label but the first (the benign one) is a
/// category, flagged from a probability of 0.5.
pub async fn moderations(
    State(node): State<Arc<Node>>,
    body: Result<Json<ModerationsRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| ApiError::bad_request(e.body_text()).openai())?;
    let name = match request.model {
        Some(m) => m,
        None => node
            .repo
            .models
            .values()
            .find(|m| m.metadata.task == Task::Classification)
            .map(|m| m.name.clone())
            .ok_or_else(|| {
                ApiError::not_found("this node serves no classification model").openai()
            })?,
    };
    let version = node.resolve(&name, None).map_err(ApiError::openai)?;
    if version.metadata.task != Task::Classification {
        return Err(
            ApiError::bad_request(format!("model {name:?} is not a classification model")).openai(),
        );
    }
    let texts = texts(request.input)?;
    let labels = version.metadata.labels.clone();
    let served = node
        .call(version, Work::Texts(texts), "moderations")
        .await
        .map_err(ApiError::openai)?;
    let Output::Answer(Answer::Classes(rows)) = served.output else {
        return Err(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "the model gave no scores",
        )
        .openai());
    };
    let results: Vec<Value> = rows
        .iter()
        .map(|scores| {
            let pairs = labels.iter().zip(scores).skip(1);
            let categories: serde_json::Map<String, Value> = pairs
                .clone()
                .map(|(l, s)| (l.clone(), Value::Bool(*s >= FLAGGED_FROM)))
                .collect();
            let category_scores: serde_json::Map<String, Value> =
                pairs.clone().map(|(l, s)| (l.clone(), json!(s))).collect();
            json!({
                "flagged": pairs.clone().any(|(_, s)| *s >= FLAGGED_FROM),
                "categories": categories,
                "category_scores": category_scores,
            })
        })
        .collect();
    Ok(Json(json!({
        "id": format!("modr-{}", uuid::Uuid::new_v4().simple()),
        "model": served.version.model,
        "results": results,
    })))
}
