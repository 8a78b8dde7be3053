//! A rule's metric over its window, computed in the store with one query: a value per label set,
//! and the query itself, which goes into the webhook as evidence anyone can run again.

use std::{collections::BTreeMap, sync::Arc};

use arrow::{
    array::{Array, AsArray},
    datatypes::{DataType, Field, Float64Type, Schema},
};
use sightline_alerts::{
    Rule,
    expr::{Aggregate, Comparison, Family, Matcher, Metric},
};
use sightline_evaluators::bias::disparity::{Counts, disparity};

use super::rows::Store;

/// A label set: `project`, `model` and, for most metrics, `version`.
type Series = BTreeMap<String, String>;

/// The values of one evaluation.
#[derive(Debug)]
pub struct Computed {
    pub values: Vec<(Series, f64)>,
    pub sql: String,
    pub from_ms: i64,
    pub to_ms: i64,
}

/// How far back feedback's exchanges are looked up: ratings arrive after the exchange they rate.
const FEEDBACK_LOOKBACK_MS: i64 = 7 * 24 * 3600 * 1000;

/// Responses that mention a group must be this many for the group to count in `bias.max_gap`.
const BIAS_MIN_GROUP: u64 = 30;

pub async fn compute(store: &Store, rule: &Rule, now_ms: i64) -> anyhow::Result<Computed> {
    let to_ms = now_ms;
    let from_ms = now_ms - rule.window.as_millis() as i64;
    let condition = &rule.condition;
    let family = condition.metric.family();
    let (sql, grouped_by_groups) = match (&condition.metric, family) {
        (Metric::BiasMaxGap, _) => (bias_sql(store, &condition.matchers, from_ms, to_ms), true),
        (_, Family::Events) => (events_sql(store, rule, from_ms, to_ms), false),
        (_, Family::Drift) => (drift_sql(store, &condition.matchers, from_ms, to_ms), false),
        (_, Family::Feedback) => (
            feedback_sql(store, &condition.matchers, from_ms, to_ms),
            false,
        ),
    };
    let labels = family.group_by();
    let mut fields: Vec<Field> = labels
        .iter()
        .map(|l| Field::new(l.name(), DataType::Utf8, false))
        .collect();
    if grouped_by_groups {
        fields.push(Field::new("groups", DataType::Utf8, true));
        fields.push(Field::new("toxic", DataType::Float64, true));
    } else {
        fields.push(Field::new("value", DataType::Float64, true));
    }
    fields.push(Field::new("n", DataType::Float64, true));
    let batch = store.select(&sql, Arc::new(Schema::new(fields))).await?;
    let text = |i: usize| batch.column(i).as_string::<i32>().clone();
    let label_columns: Vec<_> = (0..labels.len()).map(text).collect();
    let series_of = |row: usize| -> Series {
        labels
            .iter()
            .zip(&label_columns)
            .map(|(l, c)| (l.name().to_owned(), c.value(row).to_owned()))
            .collect()
    };
    let float = |i: usize| batch.column(i).as_primitive::<Float64Type>().clone();
    let values = if grouped_by_groups {
        let groups = text(labels.len());
        let (toxic, n) = (float(labels.len() + 1), float(labels.len() + 2));
        let mut by_series: BTreeMap<Series, Vec<(Option<String>, Counts)>> = BTreeMap::new();
        for row in 0..batch.num_rows() {
            let tags = (!groups.is_null(row) && !groups.value(row).is_empty())
                .then(|| groups.value(row).to_owned());
            let counts = Counts {
                n: n.value(row) as u64,
                toxic: toxic.value(row) as u64,
            };
            by_series
                .entry(series_of(row))
                .or_default()
                .push((tags, counts));
        }
        by_series
            .into_iter()
            .filter_map(|(series, rows)| Some((series, max_gap(&rows, rule.min_samples)?)))
            .collect()
    } else {
        let (value, n) = (float(labels.len()), float(labels.len() + 1));
        (0..batch.num_rows())
            .filter(|&row| {
                !value.is_null(row)
                    && value.value(row).is_finite()
                    && (family == Family::Drift || n.value(row) >= rule.min_samples as f64)
            })
            .map(|row| (series_of(row), value.value(row)))
            .collect()
    };
    Ok(Computed {
        values,
        sql,
        from_ms,
        to_ms,
    })
}

/// The largest gap in offensive rate between two identity groups, from counts per combination of
/// tags: a response that mentions two groups counts for both.
fn max_gap(rows: &[(Option<String>, Counts)], min_samples: u64) -> Option<f64> {
    let mut groups: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut baseline = Counts { n: 0, toxic: 0 };
    for (tags, c) in rows {
        match tags {
            None => {
                baseline.n += c.n;
                baseline.toxic += c.toxic;
            }
            Some(tags) => {
                for tag in tags.split(',').filter(|t| !t.is_empty()) {
                    let g = groups.entry(tag).or_insert(Counts { n: 0, toxic: 0 });
                    g.n += c.n;
                    g.toxic += c.toxic;
                }
            }
        }
    }
    let groups: Vec<(String, Counts)> =
        groups.into_iter().map(|(g, c)| (g.to_owned(), c)).collect();
    disparity(&groups, baseline, min_samples.max(BIAS_MIN_GROUP))
        .max_gap
        .map(|(gap, _, _)| gap)
}

fn column(name: &str) -> String {
    match name {
        "cost_usd" => "(cost_nusd / 1e9)".to_owned(),
        other => other.to_owned(),
    }
}

fn matcher_sql(store: &Store, m: &Matcher) -> String {
    let op = if m.negated { "!=" } else { "=" };
    format!("{} {op} {}", m.label.column(), store.literal(&m.value))
}

fn compare(op: Comparison) -> &'static str {
    match op {
        Comparison::Equal => "=",
        other => other.symbol(),
    }
}

fn events_sql(store: &Store, rule: &Rule, from_ms: i64, to_ms: i64) -> String {
    let c = &rule.condition;
    let window_s = (to_ms - from_ms) as f64 / 1000.0;
    let share_of =
        |status: &str| format!("avg(CASE WHEN status = '{status}' THEN 1.0 ELSE 0.0 END)");
    let (value, n) = match &c.metric {
        Metric::Aggregate {
            function,
            column: name,
        } => {
            let col = column(name);
            let value = match function {
                Aggregate::Quantile(q) => store.dialect().quantile(*q, &col),
                Aggregate::Avg => format!("avg({col})"),
                Aggregate::Min => format!("min({col})"),
                Aggregate::Max => format!("max({col})"),
                Aggregate::Sum => format!("sum({col})"),
            };
            (value, format!("count({col})"))
        }
        Metric::Rate {
            column: name,
            op,
            value,
        } => {
            let col = column(name);
            let passes = format!(
                "CASE WHEN {col} {} {value:?} THEN 1.0 ELSE 0.0 END",
                compare(*op)
            );
            (
                format!("sum({passes}) / count({col})"),
                format!("count({col})"),
            )
        }
        Metric::Requests => ("count(*)".into(), "count(*)".into()),
        Metric::RequestsPerMinute => (
            format!("count(*) / {:?}", window_s / 60.0),
            "count(*)".into(),
        ),
        Metric::ErrorRate => (share_of("error"), "count(*)".into()),
        Metric::LostRate => (share_of("lost"), "count(*)".into()),
        Metric::OrphanRate => (share_of("orphan"), "count(*)".into()),
        Metric::CostUsdPerHour => (
            format!("sum(cost_nusd) / 1e9 / {:?}", window_s / 3600.0),
            "count(*)".into(),
        ),
        other => unreachable!("{other} is not an llm_events metric"),
    };
    let mut filter = vec![store.time_range("request_time", from_ms, to_ms)];
    filter.extend(c.matchers.iter().map(|m| matcher_sql(store, m)));
    format!(
        "SELECT project, model, model_version AS version, {} AS value, {} AS n FROM llm_events \
         WHERE {} GROUP BY project, model, model_version ORDER BY project, model, version",
        store.float(&value),
        store.float(&n),
        filter.join(" AND ")
    )
}

fn bias_sql(store: &Store, matchers: &[Matcher], from_ms: i64, to_ms: i64) -> String {
    let mut filter = vec![
        store.time_range("request_time", from_ms, to_ms),
        "offensive_label IS NOT NULL".to_owned(),
    ];
    filter.extend(matchers.iter().map(|m| matcher_sql(store, m)));
    format!(
        "SELECT project, model, model_version AS version, identity_groups_output AS groups, \
         {} AS toxic, {} AS n FROM llm_events WHERE {} \
         GROUP BY project, model, model_version, identity_groups_output",
        store.float("sum(CASE WHEN offensive_label = 'offensive' THEN 1 ELSE 0 END)"),
        store.float("count(*)"),
        filter.join(" AND ")
    )
}

/// The share of drifted features in the latest window checked that ended within the rule's window.
fn drift_sql(store: &Store, matchers: &[Matcher], from_ms: i64, to_ms: i64) -> String {
    let mut filter = vec![
        store.time_range("window_end", from_ms, to_ms + 1000),
        "feature = '*'".to_owned(),
        "test = 'share'".to_owned(),
    ];
    filter.extend(matchers.iter().map(|m| matcher_sql(store, m)));
    let latest = if store.is_clickhouse() {
        "argMax(statistic, window_end)"
    } else {
        "last_value(statistic ORDER BY window_end)"
    };
    format!(
        "SELECT project, model, {latest} AS value, {} AS n FROM drift_reports WHERE {} \
         GROUP BY project, model ORDER BY project, model",
        store.float("count(*)"),
        filter.join(" AND ")
    )
}

/// Feedback in the window, joined to the exchanges it rates for their model and version.
fn feedback_sql(store: &Store, matchers: &[Matcher], from_ms: i64, to_ms: i64) -> String {
    let ratings = format!(
        "SELECT request_id, project, service, score FROM feedback WHERE {}",
        store.time_range("time", from_ms, to_ms)
    );
    let exchanges = format!(
        "SELECT request_id, model, model_version FROM llm_events WHERE {}",
        store.time_range("request_time", from_ms - FEEDBACK_LOOKBACK_MS, to_ms)
    );
    // ClickHouse 18.16 wants the strictness of a join spelled out, and DataFusion the USING list
    // in parentheses.
    let join = if store.is_clickhouse() {
        format!("({ratings}) ANY INNER JOIN ({exchanges}) USING request_id")
    } else {
        format!("({ratings}) AS f INNER JOIN ({exchanges}) AS e USING (request_id)")
    };
    let filter: Vec<String> = matchers.iter().map(|m| matcher_sql(store, m)).collect();
    let filter = if filter.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filter.join(" AND "))
    };
    format!(
        "SELECT project, model, model_version AS version, \
         avg(CASE WHEN score < 0 THEN 1.0 ELSE 0.0 END) AS value, {} AS n FROM {join}{filter} \
         GROUP BY project, model, model_version ORDER BY project, model, version",
        store.float("count(*)")
    )
}
