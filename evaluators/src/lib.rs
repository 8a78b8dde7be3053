//! Evaluators that map an Arrow batch of exchanges to new score columns.
