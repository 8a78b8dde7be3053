//! Evaluators that score each batch of joined exchanges: each reads an `llm_events` batch and
//! returns columns for it and scores for the `evaluations` table. [`registry`] builds the enabled
//! ones from settings.

pub mod bias;
mod columns;
pub mod cost;
pub mod latency;
pub mod pii;
pub mod registry;
pub mod session_pool;
pub mod toxicity;

pub use registry::{BuildError, EvaluatorsConfig};
