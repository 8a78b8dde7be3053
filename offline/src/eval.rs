//! `sightline eval`: the pipeline's evaluators over a file, for backfills and for scoring a
//! dataset. Events (NDJSON or a JSON array) are validated and joined as the pipeline would; a
//! Parquet file of `llm_events` rows is scored as it is. Each output row keeps its request_id.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use arrow::{array::RecordBatch, datatypes::Schema};
use clap::Args;
use parquet::arrow::{ArrowWriter, arrow_reader::ParquetRecordBatchReaderBuilder};
use sightline_evaluators::EvaluatorsConfig;
use sightline_ingest::{
    JoinConfig,
    join::{Joined, Joiner},
    offsets::Position,
};
use sightline_schemas::{Evaluators, Limits, Timestamp, decode_view, llm_events};

const BATCH_ROWS: usize = 10_000;
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Events as NDJSON, JSON Lines or a JSON array, or llm_events rows as Parquet.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Scores as NDJSON (.ndjson, .jsonl) or Parquet (.parquet): one row per exchange, with its
    /// request_id and every evaluator column.
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// Evaluators to run, comma-separated [default: the config's, all of them].
    #[arg(long, value_name = "NAMES")]
    pub evaluators: Option<String>,
}

pub fn run(args: &EvalArgs, evaluators: &EvaluatorsConfig) -> anyhow::Result<ExitCode> {
    let mut settings = evaluators.clone();
    if let Some(names) = &args.evaluators {
        settings.enabled = names.split(',').map(|s| s.trim().to_owned()).collect();
    }
    let evaluators = settings.build().context("loading the evaluators")?;
    let mut output = Output::create(&args.output)?;
    let mut progress = Progress::new();
    match extension(&args.input).as_str() {
        "parquet" => {
            let file = File::open(&args.input)
                .with_context(|| format!("opening {}", args.input.display()))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)?
                .with_batch_size(BATCH_ROWS)
                .build()?;
            for batch in reader {
                let scored = score(&evaluators, &batch?)?;
                progress.rows(scored.num_rows());
                output.write(&scored)?;
            }
        }
        "ndjson" | "jsonl" | "json" => {
            let mut batches = EventBatches::open(&args.input)?;
            for batch in batches.by_ref() {
                let scored = score(&evaluators, &batch?)?;
                progress.rows(scored.num_rows());
                output.write(&scored)?;
            }
            progress.invalid = batches.invalid;
        }
        other => bail!(
            "cannot read {:?} files; give events as .ndjson, .jsonl or .json, or llm_events rows as .parquet",
            other
        ),
    }
    output.finish()?;
    eprintln!(
        "scored {} exchanges from {} into {} in {:.1} s ({} invalid events skipped)",
        progress.rows,
        args.input.display(),
        args.output.display(),
        progress.started.elapsed().as_secs_f64(),
        progress.invalid
    );
    Ok(ExitCode::SUCCESS)
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The scores of a batch: its ids and every evaluator column.
fn score(evaluators: &Evaluators, batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    let base = llm_events::base_schema();
    let missing: Vec<&str> = base
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .filter(|name| batch.column_by_name(name).is_none())
        .collect();
    if !missing.is_empty() {
        bail!(
            "the Parquet rows are not llm_events rows: they lack {}",
            missing.join(", ")
        );
    }
    let evaluated = evaluators.apply(batch)?;
    for failure in &evaluated.failures {
        eprintln!("warning: {failure}");
    }
    Ok(evaluated.llm_events.project(&score_columns())?)
}

/// The output's columns, as positions in `llm_events`: the ids, then every evaluator column.
fn score_columns() -> Vec<usize> {
    let base = llm_events::base_schema();
    llm_events::schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            ["request_id", "event_id", "provider", "model", "status"].contains(&f.name().as_str())
                || base.field_with_name(f.name()).is_err()
        })
        .map(|(i, _)| i)
        .collect()
}

struct Progress {
    started: Instant,
    last: Instant,
    rows: usize,
    invalid: usize,
}

impl Progress {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            last: Instant::now(),
            rows: 0,
            invalid: 0,
        }
    }

    fn rows(&mut self, n: usize) {
        self.rows += n;
        if self.last.elapsed() >= PROGRESS_EVERY {
            self.last = Instant::now();
            eprintln!(
                "  {} exchanges scored, {:.0}/s",
                self.rows,
                self.rows as f64 / self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Events read, validated and joined into `llm_events` batches, as the pipeline does.
struct EventBatches {
    lines: Box<dyn Iterator<Item = anyhow::Result<(usize, Vec<u8>)>>>,
    joiner: Joiner,
    builder: llm_events::LlmEventsBuilder,
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
            limits: Limits::default(),
            offset: 0,
            done: false,
            invalid: 0,
            path: path.display().to_string(),
        })
    }

    /// Keeps the rows the join makes; nothing here is acknowledged or sent anywhere else.
    fn keep(builder: &mut llm_events::LlmEventsBuilder) -> impl FnMut(Joined<'_>) + '_ {
        |outcome| {
            if let Joined::Row(exchange, _) = outcome {
                builder.push(&exchange, Timestamp::now());
            }
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
                            &mut Self::keep(&mut self.builder),
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
                    self.joiner
                        .expire(never, &mut Self::keep(&mut self.builder));
                    self.done = true;
                }
            }
        }
        (!self.builder.is_empty()).then(|| self.builder.finish().map_err(Into::into))
    }
}

enum Output {
    Ndjson(arrow::json::LineDelimitedWriter<std::io::BufWriter<File>>),
    Parquet(ArrowWriter<File>),
}

impl Output {
    fn create(path: &Path) -> anyhow::Result<Self> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        match extension(path).as_str() {
            "ndjson" | "jsonl" => Ok(Self::Ndjson(arrow::json::LineDelimitedWriter::new(
                std::io::BufWriter::new(file),
            ))),
            "parquet" => {
                let schema: Arc<Schema> = Arc::new(llm_events::schema().project(&score_columns())?);
                Ok(Self::Parquet(ArrowWriter::try_new(file, schema, None)?))
            }
            other => bail!("cannot write {other:?} files; use .ndjson or .parquet"),
        }
    }

    fn write(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        match self {
            Self::Ndjson(writer) => writer.write(batch)?,
            Self::Parquet(writer) => writer.write(batch)?,
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Self::Ndjson(mut writer) => writer.finish()?,
            Self::Parquet(writer) => {
                writer.close()?;
            }
        }
        Ok(())
    }
}
