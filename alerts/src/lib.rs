//! Alert rules, the pending/firing/resolved state machine, and signed webhook delivery.
//!
//! The crate knows nothing of where metrics come from: the monitor computes each rule's values
//! through its store and hands them to [`state::Alerts::evaluate`]; the transitions that come back
//! are stored, exposed as metrics ([`exposition`]) and, on firing, sent as webhooks ([`webhook`]).

pub mod exposition;
pub mod expr;
pub mod rule_file;
pub mod rules;
pub mod state;
pub mod template;
pub mod webhook;

pub use rules::{Action, ActionKind, Rule};
pub use state::{Alert, Alerts, State, Transition};
