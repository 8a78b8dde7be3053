//! Where rows are kept and how they are read back: ClickHouse in distributed mode (migrations, a
//! batch sink, read-only queries) and, in embedded mode, Parquet files queried with DataFusion.

pub mod clickhouse;
pub mod embedded;
pub mod render;
