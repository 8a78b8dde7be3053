//! Renders query results as a table, NDJSON or CSV.

use arrow::{array::RecordBatch, error::ArrowError};

#[derive(Debug, Clone, Copy)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn render(batches: &[RecordBatch], format: Format) -> Result<String, ArrowError> {
    let mut out = Vec::new();
    match format {
        Format::Table => {
            return Ok(arrow::util::pretty::pretty_format_batches(batches)?.to_string() + "\n");
        }
        Format::Json => {
            let mut writer = arrow::json::LineDelimitedWriter::new(&mut out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
        }
        Format::Csv => {
            let mut writer = arrow::csv::Writer::new(&mut out);
            for batch in batches {
                writer.write(batch)?;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
