//! The rows drift is computed over: each feature's values for one model and stretch of event time,
//! read from ClickHouse or the embedded store, and the reports written back.

use std::{io::Cursor, sync::Arc};

use anyhow::Context;
use arrow::{
    array::RecordBatch,
    compute::concat_batches,
    datatypes::{DataType, Field, Schema, SchemaRef},
};
use sightline_drift::monitor::{Feature, FeatureKind, Group, Source};
use sightline_schemas::{
    Sink, Table, TableBatch,
    drift_reports::{DriftReport, drift_reports_batch},
};
use sightline_storage::{
    clickhouse::{Clickhouse, ClickhouseSink, query_text},
    embedded::ParquetStore,
};

use crate::config::Config;

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
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        if config.storage.embedded {
            return Ok(Self::Embedded(ParquetStore::open(
                &config.storage.data_dir,
            )?));
        }
        let ch = crate::sql::connect(config).await?;
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
        let rejected = match self {
            Self::Clickhouse { sink, .. } => sink.write(batch).await,
            Self::Embedded(store) => store.write(batch).await,
        }
        .context("writing drift reports")?;
        anyhow::ensure!(
            rejected.is_empty(),
            "the store rejected {} drift report rows",
            rejected.len()
        );
        Ok(())
    }

    fn expression(&self, feature: &Feature) -> String {
        let column = &feature.column;
        let clickhouse = matches!(self, Self::Clickhouse { .. });
        match (feature.source, feature.kind, clickhouse) {
            (Source::LengthOf, _, true) => format!("toFloat64(lengthUTF8({column}))"),
            (Source::LengthOf, _, false) => format!("CAST(character_length({column}) AS DOUBLE)"),
            (Source::Column, FeatureKind::Categorical, _) => column.clone(),
            (Source::Column, _, true) => format!("toFloat64({column})"),
            (Source::Column, _, false) => format!("CAST({column} AS DOUBLE)"),
        }
    }

    /// The slice as a WHERE clause. Values go in as hex on ClickHouse and doubled quotes in
    /// DataFusion, so no value can end a literal.
    fn filter(&self, slice: &Slice<'_>) -> String {
        let mut parts = Vec::new();
        match self {
            Self::Clickhouse { .. } => {
                // Windows are whole seconds (checked in the config), so DateTime's resolution on
                // ClickHouse 18.16 loses nothing.
                parts.push(format!(
                    "request_time >= toDateTime({}) AND request_time < toDateTime({})",
                    slice.from_ms / 1000,
                    slice.to_ms / 1000
                ));
                for (column, value) in slice.conditions {
                    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
                    parts.push(format!("{column} = unhex('{hex}')"));
                }
            }
            Self::Embedded(_) => {
                parts.push(format!(
                    "CAST(request_time AS BIGINT) >= {} AND CAST(request_time AS BIGINT) < {}",
                    slice.from_ms, slice.to_ms
                ));
                for (column, value) in slice.conditions {
                    parts.push(format!("{column} = '{}'", value.replace('\'', "''")));
                }
            }
        }
        parts.join(" AND ")
    }

    async fn select(&self, sql: &str, schema: SchemaRef) -> anyhow::Result<RecordBatch> {
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
