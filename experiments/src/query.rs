//! An experiment's arms read from a store in its dialect, aggregated there: per arm, the counts
//! and sums, latency and cost as (value, count) rows, and the mean feedback of rated exchanges.

use std::collections::HashMap;

use serde_json::{Map, Value};
use sightline_schemas::{
    Dialect, QueryFormat, Store, StoreError, json_lines, row_number as number,
};

use crate::{
    arms::Split,
    samples::{ArmSamples, COST_STEPS_PER_USD, LATENCY_STEPS_PER_MS},
    stats::histogram::HistogramBuilder,
};

/// Event times past any real traffic: the upper bound when none is given.
const NO_END_MS: i64 = 4_102_444_800_000;

/// Which exchanges an experiment reads.
#[derive(Debug, Clone)]
pub struct Scope {
    pub split: Split,
    /// Control first.
    pub arms: Vec<String>,
    /// Request times within [from, to), in ms since the epoch.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the store's answer: {0}")]
    Answer(String),
}

/// The arms' samples, control first.
pub async fn load<S: Store>(
    store: &S,
    scope: &Scope,
) -> Result<Vec<(String, ArmSamples)>, LoadError> {
    let d = store.dialect();
    let arm = arm_expression(d, &scope.split);
    let within = conditions(d, scope, &arm);
    let mut arms: HashMap<String, Gathered> = HashMap::new();

    let totals = format!(
        "SELECT {arm} AS arm, count(*) AS exchanges, {} AS errors, \
         count(offensive_label) AS scored, {} AS toxic, \
         count(cost_nusd) AS costed, sum({cost}) AS cost_sum, sum({cost} * {cost}) AS cost_squares \
         FROM llm_events WHERE {within} GROUP BY arm",
        count_if("status = 'error'"),
        count_if("offensive_label = 'offensive'"),
        cost = format!("{} / 1e9", d.float("cost_nusd")),
    );
    for row in rows(store, &totals).await? {
        let a = &mut arms.entry(text(&row, "arm")).or_default().samples;
        a.exchanges = count(&row, "exchanges");
        a.errors.n = a.exchanges;
        a.errors.hits = count(&row, "errors");
        a.toxic.n = count(&row, "scored");
        a.toxic.hits = count(&row, "toxic");
        a.cost_moments.n = count(&row, "costed");
        a.cost_moments.sum = number(&row, "cost_sum").unwrap_or(0.0);
        a.cost_moments.sum_squares = number(&row, "cost_squares").unwrap_or(0.0);
    }

    let latency = format!("latency_ms * {LATENCY_STEPS_PER_MS}");
    let present = "status = 'ok' AND latency_ms IS NOT NULL";
    for (name, steps, n) in step_counts(store, &arm, &within, &latency, present).await? {
        if let Some(g) = arms.get_mut(&name) {
            g.latency.add(steps / LATENCY_STEPS_PER_MS, n);
        }
    }
    let cost = format!("{} / {}", d.float("cost_nusd"), 1e9 / COST_STEPS_PER_USD);
    let present = "cost_nusd IS NOT NULL";
    for (name, steps, n) in step_counts(store, &arm, &within, &cost, present).await? {
        if let Some(g) = arms.get_mut(&name) {
            g.cost.add(steps / COST_STEPS_PER_USD, n);
        }
    }

    for row in rows(store, &feedback_sql(d, &arm, &within)).await? {
        if let Some(g) = arms.get_mut(&text(&row, "arm")) {
            g.samples.feedback.n = count(&row, "rated");
            g.samples.feedback.sum = number(&row, "score_sum").unwrap_or(0.0);
            g.samples.feedback.sum_squares = number(&row, "score_squares").unwrap_or(0.0);
        }
    }

    Ok(scope
        .arms
        .iter()
        .map(|name| {
            let g = arms.remove(name).unwrap_or_default();
            let mut samples = g.samples;
            samples.latency_ms = g.latency.finish();
            samples.cost_usd = g.cost.finish();
            (name.clone(), samples)
        })
        .collect())
}

#[derive(Default)]
struct Gathered {
    samples: ArmSamples,
    latency: HistogramBuilder,
    cost: HistogramBuilder,
}

/// (arm, steps, exchanges) for each distinct whole number of steps a row's value `steps` comes
/// to, halves rounded up: ClickHouse's `round` rounds them to even and DataFusion's away from
/// zero, so neither is used.
async fn step_counts<S: Store>(
    store: &S,
    arm: &str,
    within: &str,
    steps: &str,
    present: &str,
) -> Result<Vec<(String, f64, u64)>, LoadError> {
    let sql = format!(
        "SELECT {arm} AS arm, floor({steps} + 0.5) AS steps, count(*) AS n \
         FROM llm_events WHERE {within} AND {present} GROUP BY arm, steps"
    );
    Ok(rows(store, &sql)
        .await?
        .iter()
        .map(|row| {
            let steps = number(row, "steps").unwrap_or(f64::NAN);
            (text(row, "arm"), steps, count(row, "n"))
        })
        .collect())
}

/// The expression naming a row's arm. Attributes are a JSON object in a string; its value is
/// matched as the serialiser writes it, quoted or not.
fn arm_expression(d: Dialect, split: &Split) -> String {
    let Split::Attribute(key) = split else {
        return split.column().to_owned();
    };
    // Split only admits keys of letters, digits and `_.:-`, so the pattern needs no escaping.
    let pattern = format!("'\"{key}\"[ ]*:[ ]*\"?([^\",}}]*)'");
    match d {
        Dialect::ClickHouse => format!("extract(attributes, {pattern})"),
        Dialect::DataFusion => format!("regexp_match(attributes, {pattern})[1]"),
    }
}

fn conditions(d: Dialect, scope: &Scope, arm: &str) -> String {
    let arms: Vec<String> = scope
        .arms
        .iter()
        .map(|a| format!("{arm} = {}", d.literal(a)))
        .collect();
    format!(
        "operation != 'deployment' AND ({}) AND {}",
        arms.join(" OR "),
        d.time_range(
            "request_time",
            scope.from_ms.unwrap_or(0),
            scope.to_ms.unwrap_or(NO_END_MS)
        )
    )
}

/// Rated exchanges per arm, each with its mean score. Feedback comes after the exchange, so the
/// period bounds the exchanges, not the ratings.
fn feedback_sql(d: Dialect, arm: &str, within: &str) -> String {
    let select = format!(
        "SELECT {arm} AS arm, count(*) AS rated, sum(s) AS score_sum, sum(s * s) AS score_squares"
    );
    match d {
        // 18.16 joins only with USING, on a column of the same name.
        Dialect::ClickHouse => format!(
            "{select} FROM llm_events ANY INNER JOIN \
             (SELECT request_id, avg(score) AS s FROM feedback GROUP BY request_id) USING request_id \
             WHERE {within} GROUP BY arm"
        ),
        Dialect::DataFusion => format!(
            "{select} FROM llm_events JOIN \
             (SELECT request_id AS rated_id, avg(score) AS s FROM feedback GROUP BY request_id) rated \
             ON request_id = rated_id WHERE {within} GROUP BY arm"
        ),
    }
}

fn count_if(condition: &str) -> String {
    format!("sum(CASE WHEN {condition} THEN 1 ELSE 0 END)")
}

async fn rows<S: Store>(store: &S, sql: &str) -> Result<Vec<Map<String, Value>>, LoadError> {
    let bytes = store.query(sql, QueryFormat::JsonLines).await?;
    json_lines(&bytes).map_err(|e| LoadError::Answer(e.to_string()))
}

fn count(row: &Map<String, Value>, key: &str) -> u64 {
    number(row, key).map_or(0, |n| n.max(0.0) as u64)
}

fn text(row: &Map<String, Value>, key: &str) -> String {
    row.get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}
