//! A file of exchanges read as `llm_events` batches: events (NDJSON, JSON Lines or a JSON array)
//! validated and joined as the pipeline joins them, or `llm_events` rows from Parquet as they are.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
    time::Duration,
};

use anyhow::{Context, bail};
use arrow::array::RecordBatch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use sightline_ingest::{
    JoinConfig,
    join::{Joined, Joiner},
    offsets::Position,
};
use sightline_schemas::{Limits, Timestamp, decode_view, llm_events, side_tables::FeedbackBuilder};

pub const BATCH_ROWS: usize = 10_000;

/// A file's lower-case extension.
pub fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The batches of a file of exchanges, whichever kind it is.
pub struct Exchanges(Source);

enum Source {
    Parquet(ParquetRecordBatchReader),
    Events(Box<EventBatches>),
}

impl std::fmt::Debug for Exchanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Source::Parquet(_) => "Exchanges(Parquet)",
            Source::Events(_) => "Exchanges(Events)",
        })
    }
}

impl Exchanges {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        match extension(path).as_str() {
            "parquet" => {
                let file =
                    File::open(path).with_context(|| format!("opening {}", path.display()))?;
                Ok(Self(Source::Parquet(
                    ParquetRecordBatchReaderBuilder::try_new(file)?
                        .with_batch_size(BATCH_ROWS)
                        .build()?,
                )))
            }
            "ndjson" | "jsonl" | "json" => {
                Ok(Self(Source::Events(Box::new(EventBatches::open(path)?))))
            }
            other => bail!(
                "cannot read {:?} files; give events as .ndjson, .jsonl or .json, or llm_events rows as .parquet",
                other
            ),
        }
    }

    /// Events skipped as invalid so far (each reported on stderr with its line).
    pub fn invalid(&self) -> usize {
        match &self.0 {
            Source::Parquet(_) => 0,
            Source::Events(events) => events.invalid,
        }
    }

    /// The file's feedback events as `feedback` rows, once every batch has been read; none from
    /// Parquet, which holds exchanges only.
    pub fn feedback(&mut self) -> anyhow::Result<Option<RecordBatch>> {
        match &mut self.0 {
            Source::Parquet(_) => Ok(None),
            Source::Events(events) => Ok(Some(events.feedback.finish()?)),
        }
    }
}

impl Iterator for Exchanges {
    type Item = anyhow::Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            Source::Parquet(reader) => reader.next().map(|b| b.map_err(Into::into)),
            Source::Events(events) => events.next(),
        }
    }
}

/// Events read, validated and joined into `llm_events` batches, as the pipeline does.
struct EventBatches {
    lines: Box<dyn Iterator<Item = anyhow::Result<(usize, Vec<u8>)>>>,
    joiner: Joiner,
    builder: llm_events::LlmEventsBuilder,
    feedback: FeedbackBuilder,
    limits: Limits,
    offset: i64,
    done: bool,
    invalid: usize,
    path: String,
}

impl EventBatches {
    fn open(path: &Path) -> anyhow::Result<Self> {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let lines: Box<dyn Iterator<Item = anyhow::Result<(usize, Vec<u8>)>>> = if extension(path)
            == "json"
        {
            let values: Vec<serde_json::Value> =
                match serde_json::from_reader(BufReader::new(file))? {
                    serde_json::Value::Array(values) => values,
                    one => vec![one],
                };
            Box::new(
                values
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Ok((i + 1, serde_json::to_vec(&v)?))),
            )
        } else {
            Box::new(BufReader::new(file).split(b'\n').enumerate().filter_map(
                |(i, line)| match line {
                    Ok(l) if l.iter().all(u8::is_ascii_whitespace) => None,
                    Ok(l) => Some(Ok((i + 1, l))),
                    Err(e) => Some(Err(e.into())),
                },
            ))
        };
        let join = JoinConfig {
            max_open: 1_000_000,
            ..JoinConfig::default()
        };
        Ok(Self {
            lines,
            joiner: Joiner::new(join),
            builder: llm_events::LlmEventsBuilder::default(),
            feedback: FeedbackBuilder::default(),
            limits: Limits::default(),
            offset: 0,
            done: false,
            invalid: 0,
            path: path.display().to_string(),
        })
    }

    /// Keeps the rows and the feedback the join gives; nothing here is acknowledged or sent
    /// anywhere else.
    fn keep<'b>(
        builder: &'b mut llm_events::LlmEventsBuilder,
        feedback: &'b mut FeedbackBuilder,
    ) -> impl FnMut(Joined<'_>) + 'b {
        |outcome| match outcome {
            Joined::Row(exchange, _) => {
                builder.push(&exchange, Timestamp::now());
            }
            Joined::Feedback(event, _) => {
                feedback.push(&event, Timestamp::now());
            }
            Joined::Duplicate(..) | Joined::Redelivered(_) => {}
        }
    }
}

impl Iterator for EventBatches {
    type Item = anyhow::Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && self.builder.len() < BATCH_ROWS {
            match self.lines.next() {
                Some(Ok((line, bytes))) => {
                    self.offset += 1;
                    let at = Position {
                        partition: 0,
                        offset: self.offset,
                    };
                    match decode_view(&bytes, &self.limits) {
                        Ok(event) => self.joiner.accept(
                            event,
                            at,
                            std::time::Instant::now(),
                            &mut Self::keep(&mut self.builder, &mut self.feedback),
                        ),
                        Err(rejection) => {
                            self.invalid += 1;
                            eprintln!("{}:{line}: {rejection}", self.path);
                        }
                    }
                }
                Some(Err(e)) => return Some(Err(e)),
                None => {
                    // The file is all there is: every half still waiting is lost or an orphan.
                    let never = std::time::Instant::now() + Duration::from_secs(366 * 86_400);
                    self.joiner.expire(
                        never,
                        &mut Self::keep(&mut self.builder, &mut self.feedback),
                    );
                    self.done = true;
                }
            }
        }
        (!self.builder.is_empty()).then(|| self.builder.finish().map_err(Into::into))
    }
}
