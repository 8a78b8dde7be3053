//! The ONNX model server: model repository, batching, event emission and admin rollback.
