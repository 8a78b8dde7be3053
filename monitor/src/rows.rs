//! The monitor's store, ClickHouse or the embedded one: the rows drift is computed over (each
//! feature's values for one model and stretch of event time), the queries alert rules run, and
//! the monitor's own tables written back.

use std::{io::Cursor, sync::Arc};

use anyhow::Context;
use arrow::{
    array::RecordBatch,
    compute::concat_batches,
    datatypes::{DataType, Field, Schema, SchemaRef},
};
use sightline_drift::monitor::{Feature, FeatureKind, Group, Source};
use sightline_schemas::{
    Dialect, Sink, Table, TableBatch,
    drift_reports::{DriftReport, drift_reports_batch},
};
use sightline_storage::{
    clickhouse::{Clickhouse, ClickhouseSink, query_text},
    embedded::ParquetStore,
};

use crate::Settings;

pub enum Store {
    // Boxed: one store lives per process, and the client is far larger than the embedded one.
    Clickhouse {
        ch: Box<Clickhouse>,
        sink: Box<ClickhouseSink>,
    },
    Embedded(ParquetStore),
}

/// A filter on `llm_events`: a stretch of event time and `column = value` conditions.
#[derive(Debug, Clone)]
pub struct Slice<'a> {
    pub from_ms: i64,
    pub to_ms: i64,
    pub conditions: &'a [(String, String)],
}

/// `conditions` narrowed to one model.
pub fn for_group(conditions: &[(String, String)], group: &Group) -> Vec<(String, String)> {
    let mut narrowed = conditions.to_vec();
    narrowed.push(("project".into(), group.project.clone()));
    narrowed.push(("model".into(), group.model.clone()));
    narrowed
}

impl Store {
    pub async fn open(config: Settings<'_>) -> anyhow::Result<Self> {
        if config.storage.embedded {
            return Ok(Self::Embedded(ParquetStore::open(
                &config.storage.data_dir,
            )?));
        }
        let ch = sightline_service::connect(config.clickhouse).await?;
        sightline_storage::clickhouse::migrate(&ch).await?;
        let sink = ClickhouseSink::new(ch.clone(), Arc::default());
        Ok(Self::Clickhouse {
            ch: Box::new(ch),
            sink: Box::new(sink),
        })
    }

    /// The (project, model) pairs with rows in the slice.
    pub async fn groups(&self, slice: &Slice<'_>) -> anyhow::Result<Vec<Group>> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("project", DataType::Utf8, false),
            Field::new("model", DataType::Utf8, false),
        ]));
        let sql = format!(
            "SELECT DISTINCT project, model FROM llm_events WHERE {} ORDER BY project, model",
            self.filter(slice)
        );
        let batch = self.select(&sql, schema).await?;
        let column = |i: usize| arrow::array::AsArray::as_string::<i32>(batch.column(i)).clone();
        let (projects, models) = (column(0), column(1));
        Ok((0..batch.num_rows())
            .map(|i| Group {
                project: projects.value(i).to_owned(),
                model: models.value(i).to_owned(),
            })
            .collect())
    }

    /// One column per feature, named after it, for the rows in the slice.
    pub async fn features(
        &self,
        features: &[Feature],
        slice: &Slice<'_>,
    ) -> anyhow::Result<RecordBatch> {
        let fields: Vec<Field> = features
            .iter()
            .map(|f| {
                let kind = match f.kind {
                    FeatureKind::Categorical => DataType::Utf8,
                    FeatureKind::Numeric | FeatureKind::LogNumeric => DataType::Float64,
                };
                Field::new(&f.name, kind, true)
            })
            .collect();
        let select: Vec<String> = features
            .iter()
            .map(|f| format!("{} AS {}", self.expression(f), f.name))
            .collect();
        let sql = format!(
            "SELECT {} FROM llm_events WHERE {}",
            select.join(", "),
            self.filter(slice)
        );
        self.select(&sql, Arc::new(Schema::new(fields))).await
    }

    pub async fn write(&mut self, reports: &[DriftReport]) -> anyhow::Result<()> {
        let mut batch = TableBatch::default();
        batch.push(Table::DriftReports, drift_reports_batch(reports)?);
        self.write_batch(batch).await
    }

    /// Writes rows of any table; every row is stored or the call fails.
    pub async fn write_batch(&mut self, batch: TableBatch) -> anyhow::Result<()> {
        let tables: Vec<&str> = batch.tables.iter().map(|(t, _)| t.name()).collect();
        let what = format!("writing {}", tables.join(" and "));
        let rejected = match self {
            Self::Clickhouse { sink, .. } => sink.write(batch).await,
            Self::Embedded(store) => store.write(batch).await,
        }
        .context(what.clone())?;
        anyhow::ensure!(
            rejected.is_empty(),
            "{what}: the store rejected {} rows",
            rejected.len()
        );
        Ok(())
    }

    pub fn is_clickhouse(&self) -> bool {
        matches!(self, Self::Clickhouse { .. })
    }

    pub fn dialect(&self) -> Dialect {
        if self.is_clickhouse() {
            Dialect::ClickHouse
        } else {
            Dialect::DataFusion
        }
    }

    pub fn literal(&self, value: &str) -> String {
        self.dialect().literal(value)
    }

    pub fn float(&self, expression: &str) -> String {
        self.dialect().float(expression)
    }

    pub fn time_range(&self, column: &str, from_ms: i64, to_ms: i64) -> String {
        self.dialect().time_range(column, from_ms, to_ms)
    }

    /// Rows as JSON objects, for results that are passed on rather than computed with.
    pub async fn rows_json(&self, sql: &str) -> anyhow::Result<Vec<serde_json::Value>> {
        match self {
            Self::Clickhouse { ch, .. } => {
                let text = query_text(ch, sql, "JSONEachRow", true).await?;
                Ok(text
                    .lines()
                    .map(serde_json::from_str)
                    .collect::<Result<_, _>>()?)
            }
            Self::Embedded(store) => {
                let batches = match store.query(sql).await {
                    Ok(b) => b,
                    Err(e) if e.to_string().contains("not found") => Vec::new(),
                    Err(e) => return Err(e.into()),
                };
                let mut writer = arrow::json::ArrayWriter::new(Vec::new());
                for batch in &batches {
                    writer.write(batch)?;
                }
                writer.finish()?;
                let bytes = writer.into_inner();
                if bytes.is_empty() {
                    return Ok(Vec::new());
                }
                Ok(serde_json::from_slice(&bytes)?)
            }
        }
    }

    fn expression(&self, feature: &Feature) -> String {
        let column = &feature.column;
        match (feature.source, feature.kind, self.is_clickhouse()) {
            (Source::LengthOf, _, true) => self.float(&format!("lengthUTF8({column})")),
            (Source::LengthOf, _, false) => self.float(&format!("character_length({column})")),
            (Source::Column, FeatureKind::Categorical, _) => column.clone(),
            (Source::Column, _, _) => self.float(column),
        }
    }

    /// The slice as a WHERE clause.
    fn filter(&self, slice: &Slice<'_>) -> String {
        let mut parts = vec![self.time_range("request_time", slice.from_ms, slice.to_ms)];
        for (column, value) in slice.conditions {
            parts.push(format!("{column} = {}", self.literal(value)));
        }
        parts.join(" AND ")
    }

    pub async fn select(&self, sql: &str, schema: SchemaRef) -> anyhow::Result<RecordBatch> {
        match self {
            Self::Clickhouse { ch, .. } => {
                let text = query_text(ch, sql, "JSONEachRow", true).await?;
                let batches = arrow::json::ReaderBuilder::new(schema.clone())
                    .build(Cursor::new(text.into_bytes()))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(concat_batches(&schema, &batches)?)
            }
            Self::Embedded(store) => {
                let batches = match store.query(sql).await {
                    Ok(b) => b,
                    // No rows stored yet: the table does not exist.
                    Err(e) if e.to_string().contains("not found") => Vec::new(),
                    Err(e) => return Err(e.into()),
                };
                // DataFusion may hand strings back as views; the drift code reads plain ones.
                let batches: Vec<RecordBatch> = batches
                    .into_iter()
                    .map(|b| {
                        let columns = b
                            .columns()
                            .iter()
                            .zip(schema.fields())
                            .map(|(c, f)| arrow::compute::cast(c, f.data_type()))
                            .collect::<Result<Vec<_>, _>>()?;
                        RecordBatch::try_new(schema.clone(), columns)
                    })
                    .collect::<Result<_, _>>()?;
                Ok(concat_batches(&schema, &batches)?)
            }
        }
    }
}
