//! The `Store` trait: read-only queries over the tables, in either mode, and the SQL dialect each
//! store speaks, so callers can build one query for both.

use std::future::Future;

/// The SQL a store understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    ClickHouse,
    DataFusion,
}

impl Dialect {
    /// A string literal. Values go in as hex on ClickHouse and with doubled quotes in DataFusion, so
    /// no value can end a literal.
    pub fn literal(self, value: &str) -> String {
        match self {
            Self::ClickHouse => {
                let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
                format!("unhex('{hex}')")
            }
            Self::DataFusion => format!("'{}'", value.replace('\'', "''")),
        }
    }

    /// `expression` as a double.
    pub fn float(self, expression: &str) -> String {
        match self {
            Self::ClickHouse => format!("toFloat64({expression})"),
            Self::DataFusion => format!("CAST({expression} AS DOUBLE)"),
        }
    }

    /// A timestamp column as milliseconds since the epoch.
    pub fn millis(self, column: &str) -> String {
        match self {
            // DateTime64 arrived after 18.16, whose DateTime is whole seconds.
            Self::ClickHouse => format!("toInt64(toUInt32({column})) * 1000"),
            Self::DataFusion => format!("CAST({column} AS BIGINT)"),
        }
    }

    /// The `q` quantile of `column`: exact for small groups on both, approximate above.
    pub fn quantile(self, q: f64, column: &str) -> String {
        match self {
            Self::ClickHouse => format!("quantile({q})({column})"),
            Self::DataFusion => format!("approx_percentile_cont({column}, {q})"),
        }
    }

    /// An integer expression rounded down to a multiple of `step`.
    pub fn floor_to(self, expression: &str, step: i64) -> String {
        match self {
            Self::ClickHouse => format!("intDiv({expression}, {step}) * {step}"),
            Self::DataFusion => format!("({expression}) / {step} * {step}"),
        }
    }

    /// `column` within [from, to), both in milliseconds since the epoch.
    pub fn time_range(self, column: &str, from_ms: i64, to_ms: i64) -> String {
        match self {
            // Windows are whole seconds (checked in the config and the rules), so DateTime's
            // resolution on ClickHouse 18.16 loses nothing.
            Self::ClickHouse => format!(
                "{column} >= toDateTime({}) AND {column} < toDateTime({})",
                from_ms.div_euclid(1000),
                to_ms.div_euclid(1000)
            ),
            Self::DataFusion => {
                format!(
                    "CAST({column} AS BIGINT) >= {from_ms} AND CAST({column} AS BIGINT) < {to_ms}"
                )
            }
        }
    }
}

/// How a query's rows come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryFormat {
    /// One JSON object per row, one row per line.
    JsonLines,
    /// CSV with a header row.
    Csv,
    /// An Arrow IPC stream.
    Arrow,
}

/// Answers read-only queries. The store itself refuses anything that would change data: ClickHouse
/// through a read-only user or setting, DataFusion through its SQL options.
pub trait Store: Send + Sync + 'static {
    fn dialect(&self) -> Dialect;

    /// Runs `sql` and returns its rows in `format`.
    fn query(
        &self,
        sql: &str,
        format: QueryFormat,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;
}

/// A store's JSON-lines answer, one value per non-blank line.
pub fn json_lines<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<Vec<T>, serde_json::Error> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(serde_json::from_slice)
        .collect()
}

/// A number out of a row of that answer, whatever JSON type the store gave it: ClickHouse quotes
/// 64-bit integers.
pub fn row_number(row: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<f64> {
    match row.get(key)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub kind: StoreErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The query is wrong, or not allowed: the caller must change it.
    Query,
    /// The query ran past a limit on time, rows or memory.
    Limit,
    /// The store cannot be reached; trying again later may work.
    Unavailable,
}

impl StoreError {
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn retryable(&self) -> bool {
        self.kind == StoreErrorKind::Unavailable
    }
}
