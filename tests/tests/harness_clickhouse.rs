//! The `clickhouse` crate writes to and reads from the real ClickHouse server.

use clickhouse::{Client, Compression, Row};
use serde::{Deserialize, Serialize};
use sightline_e2e::{clickhouse_url, unique_name};

#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
struct Reading {
    id: u64,
    name: String,
    value: f64,
}

#[tokio::test]
async fn inserts_and_reads_back_rows() -> clickhouse::error::Result<()> {
    let database = unique_name("harness");
    // Debian's ClickHouse 18.16 predates the typed row header; plain RowBinary works on every version.
    let client = Client::default()
        .with_url(clickhouse_url())
        .with_validation(false)
        .with_compression(Compression::None);
    client
        .query(&format!("CREATE DATABASE {database}"))
        .execute()
        .await?;
    let client = client.with_database(&database);
    client
        .query("CREATE TABLE readings (id UInt64, name String, value Float64) ENGINE = MergeTree ORDER BY id")
        .execute()
        .await?;

    let rows: Vec<Reading> = (0..1000)
        .map(|i| Reading {
            id: i,
            name: format!("sensor-{i}"),
            value: i as f64 * 0.5,
        })
        .collect();
    let mut insert = client.insert::<Reading>("readings").await?;
    for row in &rows {
        insert.write(row).await?;
    }
    insert.end().await?;

    let back = client
        .query("SELECT id, name, value FROM readings ORDER BY id")
        .fetch_all::<Reading>()
        .await?;
    client
        .query(&format!("DROP DATABASE {database}"))
        .execute()
        .await?;
    assert_eq!(back, rows);
    Ok(())
}
