//! The commands that need no service: checking events against the schema, scoring a file with
//! the pipeline's evaluators, and comparing two files for drift.

pub mod compare;
pub mod eval;
pub mod exchanges;
pub mod validate;
