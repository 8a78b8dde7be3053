//! Cost: tokens times the price table's prices, exactly, in nano-USD. A cost the publisher supplied
//! wins over the computed one, and both are kept. A model the table does not know gets no cost, a
//! counter, and one log line per model. Columns only, like latency: the cost is a fact about the
//! exchange, and `price_id` already says where it came from.

mod table;

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use arrow::{
    array::{Array, AsArray, Int64Builder, RecordBatch, StringBuilder},
    datatypes::{Int64Type, TimestampMillisecondType, UInt64Type},
};
use sightline_schemas::{Evaluator, EvaluatorError, Scored};
pub use table::{PriceTable, PriceTableError, Tokens};

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostConfig {
    /// A TOML price table merged over the built-in one, entry by entry, by id.
    pub price_table: Option<std::path::PathBuf>,
}

use crate::columns::{column, strings};

/// Models logged as unknown, at most; past it the counter still counts.
const MAX_LOGGED_UNKNOWN: usize = 1_000;

#[derive(Debug)]
pub struct CostEvaluator {
    table: PriceTable,
    unknown_events: AtomicU64,
    logged_unknown: Mutex<HashSet<String>>,
}

impl CostEvaluator {
    pub fn new(table: PriceTable) -> Self {
        Self {
            table,
            unknown_events: AtomicU64::new(0),
            logged_unknown: Mutex::new(HashSet::new()),
        }
    }

    fn unknown(&self, provider: &str, model: &str) {
        self.unknown_events.fetch_add(1, Ordering::Relaxed);
        let key = format!("{provider}/{model}");
        let mut logged = self
            .logged_unknown
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if logged.len() < MAX_LOGGED_UNKNOWN && logged.insert(key) {
            tracing::warn!(
                provider,
                model,
                "no price for this model; its cost is left empty (add it to the price table)"
            );
        }
    }
}

impl Evaluator for CostEvaluator {
    fn name(&self) -> &'static str {
        "cost"
    }

    fn version(&self) -> String {
        format!("1 ({} prices)", self.table.len())
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<Scored, EvaluatorError> {
        let err = |message: String| EvaluatorError {
            evaluator: "cost",
            message,
        };
        let provider = strings(batch, "provider").map_err(err)?;
        let model = strings(batch, "model").map_err(err)?;
        let time = column(batch, "request_time")
            .map_err(err)?
            .as_primitive::<TimestampMillisecondType>();
        let tokens =
            |name: &str| column(batch, name).map(|c| c.as_primitive::<UInt64Type>().clone());
        let (input, output) = (
            tokens("input_tokens").map_err(err)?,
            tokens("output_tokens").map_err(err)?,
        );
        let (cached, reasoning) = (
            tokens("cache_read_tokens").map_err(err)?,
            tokens("reasoning_tokens").map_err(err)?,
        );
        let supplied = column(batch, "cost_supplied_nusd")
            .map_err(err)?
            .as_primitive::<Int64Type>();

        let rows = batch.num_rows();
        let (mut effective, mut computed) = (
            Int64Builder::with_capacity(rows),
            Int64Builder::with_capacity(rows),
        );
        let mut price_id = StringBuilder::new();
        // A batch holds few distinct models; look each up once.
        let mut entries: HashMap<(&str, &str, i64), Option<&table::Entry>> = HashMap::new();
        for row in 0..rows {
            let value = |a: &arrow::array::UInt64Array| (!a.is_null(row)).then(|| a.value(row));
            let priced = if value(&input).is_none() && value(&output).is_none() {
                None
            } else {
                let day = time.value(row).div_euclid(86_400_000);
                let key = (provider.value(row), model.value(row), day);
                let entry = *entries
                    .entry(key)
                    .or_insert_with(|| self.table.find(key.0, key.1, time.value(row)));
                if entry.is_none() {
                    self.unknown(key.0, key.1);
                }
                entry.map(|e| {
                    let cost = e.cost(Tokens {
                        input: value(&input).unwrap_or(0),
                        output: value(&output).unwrap_or(0),
                        cached_input: value(&cached).unwrap_or(0),
                        reasoning: value(&reasoning).unwrap_or(0),
                    });
                    (cost.nanos(), e.id.as_str())
                })
            };
            let supplied = (!supplied.is_null(row)).then(|| supplied.value(row));
            computed.append_option(priced.map(|(c, _)| c));
            price_id.append_option(priced.map(|(_, id)| id));
            effective.append_option(supplied.or(priced.map(|(nanos, _)| nanos)));
        }
        Ok(Scored {
            columns: vec![
                ("cost_nusd", std::sync::Arc::new(effective.finish())),
                ("cost_computed_nusd", std::sync::Arc::new(computed.finish())),
                ("price_id", std::sync::Arc::new(price_id.finish())),
            ],
            scores: Vec::new(),
        })
    }

    fn counters(&self) -> Vec<(&'static str, u64)> {
        vec![("unknown_model", self.unknown_events.load(Ordering::Relaxed))]
    }
}
