//! A table's Parquet files: each batch is written as a new file that appears whole, and small
//! files are merged into larger ones so that queries do not open thousands of them.
//!
//! A merged file is written under a hidden name and swapped in for its inputs under the store's
//! [`SwapLock`], so a query sees either the inputs or the merged file, never both or neither.

use std::{
    fs,
    path::{Path, PathBuf},
};

use arrow::{array::RecordBatch, datatypes::SchemaRef};
use parquet::{
    arrow::{ArrowWriter, arrow_reader::ParquetRecordBatchReaderBuilder},
    basic::Compression,
    file::properties::WriterProperties,
};

use super::{EmbeddedError, swap_lock::SwapLock};

/// When and what to compact: after `every` writes to a table, merge its files smaller than
/// `small_bytes`, if there are at least `min_files` of them, at most `max_files` at a time.
#[derive(Debug, Clone, Copy)]
pub struct Compaction {
    pub every: usize,
    pub small_bytes: u64,
    pub min_files: usize,
    pub max_files: usize,
}

impl Default for Compaction {
    fn default() -> Self {
        Self {
            every: 16,
            small_bytes: 32 << 20,
            min_files: 16,
            max_files: 256,
        }
    }
}

/// Writes one batch as a new file in `dir`, made visible only once complete.
pub fn write(dir: &Path, seq: u64, batch: &RecordBatch) -> Result<PathBuf, EmbeddedError> {
    let path = dir.join(file_name(seq, ""));
    write_batches(&path, batch.schema(), std::iter::once(Ok(batch.clone())))?;
    Ok(path)
}

/// Merges the small files of `dir` into one file of `schema`; returns how many it merged. Files
/// written before a column was added get nulls in it, so no column of a newer file is lost.
pub fn compact(
    dir: &Path,
    seq: u64,
    policy: Compaction,
    schema: &SchemaRef,
    lock: &SwapLock,
) -> Result<usize, EmbeddedError> {
    let mut small: Vec<(PathBuf, u64)> = parts(dir)?
        .into_iter()
        .filter(|(_, size)| *size < policy.small_bytes)
        .collect();
    if small.len() < policy.min_files {
        return Ok(0);
    }
    // Names start with the write time, so sorting keeps rows in roughly the order they came.
    small.sort();
    small.truncate(policy.max_files);
    let inputs: Vec<PathBuf> = small.into_iter().map(|(p, _)| p).collect();
    let batches = inputs.iter().flat_map(|path| {
        let reader =
            open(path).and_then(|f| Ok(ParquetRecordBatchReaderBuilder::try_new(f)?.build()?));
        match reader {
            Ok(reader) => {
                Box::new(reader.map(|b| conform(&b.map_err(EmbeddedError::from)?, schema)))
                    as Box<dyn Iterator<Item = Result<RecordBatch, EmbeddedError>>>
            }
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    });
    let merged = dir.join(file_name(seq, "-merged"));
    let hidden = write_hidden(&merged, schema.clone(), batches)?;
    let _swapping = lock.exclusive()?;
    // Another process compacting the same table took these inputs first; its file has the rows.
    if !inputs.iter().all(|input| input.exists()) {
        fs::remove_file(&hidden).map_err(io(&hidden))?;
        return Ok(0);
    }
    fs::rename(&hidden, &merged).map_err(io(&hidden))?;
    // The merged file and its name must be on disk before the inputs go.
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    for input in &inputs {
        fs::remove_file(input).map_err(io(input))?;
    }
    tracing::debug!(dir = %dir.display(), files = inputs.len(), "compacted");
    Ok(inputs.len())
}

/// A batch in the table's current schema: columns by name, nulls for the ones it predates.
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, EmbeddedError> {
    let columns = schema
        .fields()
        .iter()
        .map(|f| match batch.column_by_name(f.name()) {
            Some(c) if c.data_type() == f.data_type() => Ok(c.clone()),
            Some(c) => Ok(arrow::compute::cast(c, f.data_type())?),
            None => Ok(arrow::array::new_null_array(
                f.data_type(),
                batch.num_rows(),
            )),
        })
        .collect::<Result<Vec<_>, EmbeddedError>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// The table's visible files and their sizes.
fn parts(dir: &Path) -> Result<Vec<(PathBuf, u64)>, EmbeddedError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("part-") && name.ends_with(".parquet") {
            let size = entry.metadata().map_err(io(&entry.path()))?.len();
            out.push((entry.path(), size));
        }
    }
    Ok(out)
}

fn file_name(seq: u64, suffix: &str) -> String {
    format!(
        "part-{}-{}-{seq:08}{suffix}.parquet",
        sightline_schemas::Timestamp::now().millis(),
        std::process::id()
    )
}

/// Writes to a hidden temporary file and renames it into place, so readers never see half a file.
fn write_batches(
    path: &Path,
    schema: SchemaRef,
    batches: impl Iterator<Item = Result<RecordBatch, EmbeddedError>>,
) -> Result<(), EmbeddedError> {
    let hidden = write_hidden(path, schema, batches)?;
    fs::rename(&hidden, path).map_err(io(&hidden))
}

/// Writes the file `path` will be, complete and on disk, under a name queries do not list.
fn write_hidden(
    path: &Path,
    schema: SchemaRef,
    batches: impl Iterator<Item = Result<RecordBatch, EmbeddedError>>,
) -> Result<PathBuf, EmbeddedError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let file = fs::File::create(&tmp).map_err(io(&tmp))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(props))?;
    for batch in batches {
        writer.write(&batch?)?;
    }
    // Writes the footer and hands the file back, to reach the disk before it is renamed.
    writer.into_inner()?.sync_all().map_err(io(&tmp))?;
    Ok(tmp)
}

fn open(path: &Path) -> Result<fs::File, EmbeddedError> {
    fs::File::open(path).map_err(io(path))
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    let path = path.to_owned();
    move |source| EmbeddedError::Io { path, source }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::{
        array::{Int64Array, StringArray},
        datatypes::{DataType, Field, Schema},
    };

    use super::*;

    fn batch(from: i64, n: i64) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("s", DataType::Utf8, true),
        ]));
        let ns: Vec<i64> = (from..from + n).collect();
        let ss: Vec<String> = ns.iter().map(|n| format!("row {n}")).collect();
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(ns)),
                Arc::new(StringArray::from(ss)),
            ],
        )
        .unwrap()
    }

    fn rows(dir: &Path) -> Vec<i64> {
        let mut out = Vec::new();
        for (path, _) in parts(dir).unwrap() {
            let reader = ParquetRecordBatchReaderBuilder::try_new(open(&path).unwrap())
                .unwrap()
                .build()
                .unwrap();
            for b in reader {
                let b = b.unwrap();
                let col = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                out.extend(col.values().iter().copied());
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn merges_small_files_and_keeps_every_row() {
        let dir = std::env::temp_dir().join(format!("sightline-compact-{}", uuid_like()));
        fs::create_dir_all(&dir).unwrap();
        for i in 0..20 {
            write(&dir, i, &batch(i as i64 * 100, 100)).unwrap();
        }
        let policy = Compaction {
            min_files: 8,
            max_files: 12,
            ..Compaction::default()
        };
        let schema = batch(0, 0).schema();
        let lock = SwapLock::new(&dir);
        assert_eq!(compact(&dir, 100, policy, &schema, &lock).unwrap(), 12);
        assert_eq!(parts(&dir).unwrap().len(), 20 - 12 + 1);
        assert_eq!(compact(&dir, 101, policy, &schema, &lock).unwrap(), 9);
        assert_eq!(parts(&dir).unwrap().len(), 1);
        assert_eq!(
            compact(&dir, 102, policy, &schema, &lock).unwrap(),
            0,
            "too few to merge"
        );
        assert_eq!(rows(&dir), (0..2000).collect::<Vec<_>>());
        let leftovers = fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    fn uuid_like() -> String {
        format!(
            "{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        )
    }
}
