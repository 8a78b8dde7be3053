//! The vocabulary every other Sightline crate speaks: versioned events, their validation, the joined
//! exchange row, and the Arrow layout of `llm_events`.
//!
//! This crate is the bottom of the workspace and depends on no other Sightline crate.

pub mod alert_tables;
pub mod decode;
pub mod drift_reports;
pub mod duration;
pub mod evaluate;
pub mod evaluations;
pub mod event;
pub mod exchange;
pub mod llm_events;
pub mod money;
pub mod problem;
pub mod prometheus;
pub mod side_tables;
pub mod sink;
pub mod store;
pub mod tables;
pub mod timestamp;
pub mod view;

pub use decode::{Limits, decode_event, decode_view};
pub use evaluate::{Evaluated, Evaluator, EvaluatorError, Evaluators, Score, Scored};
pub use event::{
    ErrorInfo, Event, EventKind, Feedback, Header, Message, ModelRef, Payload, RequestBody,
    ResponseBody, ResponseStatus, Timings, Usage,
};
pub use exchange::{Exchange, ExchangeStatus};
pub use money::NanoUsd;
pub use problem::{Problem, Rejection};
pub use side_tables::DeadLetter;
pub use sink::{Sink, SinkError};
pub use store::{Dialect, QueryFormat, Store, StoreError, StoreErrorKind, json_lines, row_number};
pub use tables::{Table, TableBatch};
pub use timestamp::Timestamp;
pub use view::EventView;

/// The JSON Schema (draft 2020-12) of event v1, for publishers in any language.
pub const EVENT_JSON_SCHEMA: &str = include_str!("../inference-event.v1.schema.json");

/// The major schema version this build reads; minor versions (`1.x`) are compatible.
pub const SCHEMA_MAJOR: u32 = 1;
