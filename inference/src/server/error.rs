//! Errors as HTTP answers: a status and a message that names the problem, shaped as each API's
//! clients expect (`{"error": "..."}` for the Open Inference Protocol and the admin API, OpenAI's
//! `{"error": {"message", "type"}}` for `/v1`).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Plain,
    OpenAi,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub flavor: Flavor,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            flavor: Flavor::Plain,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn openai(mut self) -> Self {
        self.flavor = Flavor::OpenAi;
        self
    }

    /// The event's error class for this answer.
    pub fn class(&self) -> &'static str {
        match self.status {
            StatusCode::SERVICE_UNAVAILABLE => "overloaded",
            s if s.is_client_error() => "invalid_request",
            _ => "inference_failed",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.flavor {
            Flavor::Plain => serde_json::json!({ "error": self.message }),
            Flavor::OpenAi => serde_json::json!({
                "error": {
                    "message": self.message,
                    "type": if self.status.is_client_error() { "invalid_request_error" } else { "server_error" },
                    "param": null,
                    "code": null,
                }
            }),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
