//! What the store remembers of alerts: their transitions, and which notifications were attempted.

use std::sync::Arc;

use anyhow::Context;
use arrow::{array::AsArray, datatypes::Float64Type};
use sightline_alerts::{State, state::Stored};

use crate::rows::Store;

/// Every stored transition, oldest first.
pub(super) async fn stored_transitions(store: &Store) -> anyhow::Result<Vec<Stored>> {
    let millis = if store.is_clickhouse() {
        "toFloat64(toUnixTimestamp(time)) * 1000"
    } else {
        "CAST(CAST(time AS BIGINT) AS DOUBLE)"
    };
    let schema = Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("t", arrow::datatypes::DataType::Float64, false),
        arrow::datatypes::Field::new("rule", arrow::datatypes::DataType::Utf8, false),
        arrow::datatypes::Field::new("fingerprint", arrow::datatypes::DataType::Utf8, false),
        arrow::datatypes::Field::new("labels", arrow::datatypes::DataType::Utf8, false),
        arrow::datatypes::Field::new("to_state", arrow::datatypes::DataType::Utf8, false),
        arrow::datatypes::Field::new("value", arrow::datatypes::DataType::Float64, true),
    ]));
    let sql = format!(
        "SELECT {millis} AS t, rule, fingerprint, labels, to_state, value FROM alert_events ORDER BY t"
    );
    let batch = store
        .select(&sql, schema)
        .await
        .context("reading alert_events")?;
    let t = batch.column(0).as_primitive::<Float64Type>();
    let text = |i: usize| batch.column(i).as_string::<i32>();
    let value = batch.column(5).as_primitive::<Float64Type>();
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let Some(to) = State::from_name(text(4).value(row)) else {
            continue;
        };
        out.push(Stored {
            time: t.value(row) as i64,
            rule: text(1).value(row).to_owned(),
            fingerprint: text(2).value(row).to_owned(),
            labels: serde_json::from_str(text(3).value(row)).unwrap_or_default(),
            to,
            value: (!arrow::array::Array::is_null(value, row)).then(|| value.value(row)),
        });
    }
    Ok(out)
}

/// Whether any attempt was made for a notification.
pub(super) async fn delivered(store: &Store, idempotency_key: &str) -> anyhow::Result<bool> {
    let sql = format!(
        "SELECT delivery_id FROM webhook_deliveries WHERE idempotency_key = {} LIMIT 1",
        store.literal(idempotency_key)
    );
    Ok(!store.rows_json(&sql).await?.is_empty())
}
