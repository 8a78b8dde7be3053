//! Read-only queries: the server's own rendering of a result, and the `Store` trait.

use sightline_schemas::{Dialect, QueryFormat, Store, StoreError, StoreErrorKind};

use super::{Clickhouse, ClickhouseError, error::parse_code};

/// Runs `sql` against the database with output in a ClickHouse `format` (`JSONEachRow`,
/// `CSVWithNames`, `PrettyCompactMonoBlock`, ...). With `readonly`, the server itself refuses any
/// statement that would change data or settings.
pub async fn query_text(
    ch: &Clickhouse,
    sql: &str,
    format: &str,
    readonly: bool,
) -> Result<String, ClickhouseError> {
    let bytes = query_bytes(ch, sql, format, readonly).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

async fn query_bytes(
    ch: &Clickhouse,
    sql: &str,
    format: &str,
    readonly: bool,
) -> Result<Vec<u8>, ClickhouseError> {
    let client = ch.client().clone().with_database(ch.database());
    // The client reads `?` as a bind placeholder and `??` as a literal `?`; this SQL binds nothing.
    let sql = sql.trim().trim_end_matches(';').replace('?', "??");
    // The server buffers the whole result first, so a limit hit half-way is an error status
    // rather than a truncated 200.
    let mut query = client.query(&sql).with_option("wait_end_of_query", "1");
    if readonly {
        query = query.with_option("readonly", "1");
    }
    let bytes = query
        .fetch_bytes(format)
        .map_err(|e| ClickhouseError::from_client(e, "running the query"))?
        .collect()
        .await
        .map_err(|e| ClickhouseError::from_client(e, "running the query"))?;
    Ok(bytes.to_vec())
}

/// Codes for a query stopped by a limit on time, rows, bytes or memory.
const LIMIT_CODES: [u32; 6] = [158, 159, 160, 241, 307, 396];
/// A write or a setting change refused in read-only mode: the query's fault.
const READONLY: u32 = 164;
/// Codes for a server that refuses the credentials: the API is misconfigured, not the query.
const ACCESS_CODES: [u32; 4] = [192, 193, 194, 516];

impl Store for Clickhouse {
    fn dialect(&self) -> Dialect {
        Dialect::ClickHouse
    }

    async fn query(&self, sql: &str, format: QueryFormat) -> Result<Vec<u8>, StoreError> {
        let format = match format {
            QueryFormat::JsonLines => "JSONEachRow",
            QueryFormat::Csv => "CSVWithNames",
            QueryFormat::Arrow if self.caps.modern => "ArrowStream",
            QueryFormat::Arrow => {
                return Err(StoreError::new(
                    StoreErrorKind::Query,
                    format!(
                        "ClickHouse {} cannot return Arrow; ask for json or csv",
                        self.caps.version
                    ),
                ));
            }
        };
        query_bytes(self, sql, format, true).await.map_err(|e| {
            let message = e.to_string();
            let kind = match (parse_code(&message), &e) {
                (Some(c), _) if LIMIT_CODES.contains(&c) => StoreErrorKind::Limit,
                (Some(c), _) if ACCESS_CODES.contains(&c) => StoreErrorKind::Unavailable,
                (Some(READONLY), _) => StoreErrorKind::Query,
                (_, ClickhouseError::Unavailable { .. }) => StoreErrorKind::Unavailable,
                (_, ClickhouseError::Refused { .. }) => StoreErrorKind::Query,
            };
            StoreError::new(kind, message)
        })
    }
}
