//! The ClickHouse sink and queries, migrations, and the embedded Parquet store behind one trait.
