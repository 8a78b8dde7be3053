//! The handlers, one file per resource.

pub mod alerts;
pub mod dlq;
pub mod drift;
pub mod experiments;
pub mod health;
pub mod metrics;
pub mod rules;
pub mod sql;
pub mod trace_view;
pub mod traces;

use std::sync::Arc;

use crate::App;

pub type AppState<S> = axum::extract::State<Arc<App<S>>>;
