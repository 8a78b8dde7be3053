//! Runs a query and returns the server's own rendering of the result.

use super::{Clickhouse, ClickhouseError};

/// Runs `sql` against the database with output in a ClickHouse `format` (`JSONEachRow`,
/// `CSVWithNames`, `PrettyCompactMonoBlock`, ...). With `readonly`, the server itself refuses any
/// statement that would change data or settings.
pub async fn query_text(
    ch: &Clickhouse,
    sql: &str,
    format: &str,
    readonly: bool,
) -> Result<String, ClickhouseError> {
    let client = ch.client().clone().with_database(ch.database());
    let mut query = client.query(sql);
    if readonly {
        query = query.with_option("readonly", "1");
    }
    let bytes = query
        .fetch_bytes(format)
        .map_err(|e| ClickhouseError::from_client(e, "running the query"))?
        .collect()
        .await
        .map_err(|e| ClickhouseError::from_client(e, "running the query"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
