//! The inference node: an ONNX model server on ONNX Runtime that emits a request and a response
//! event for every call. A model repository with versions, one active per model and switched
//! atomically; dynamic batching; the Open Inference Protocol v2 and OpenAI-compatible endpoints;
//! an admin API whose rollback the monitor's signed webhooks can call.

pub mod batcher;
pub mod events;
pub mod metadata;
pub mod repo;
pub mod runtime;
pub mod server;
pub mod tensor;
