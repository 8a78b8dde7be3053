//! `sightline eval`: the pipeline's evaluators over a file, for backfills and for scoring a
//! dataset. Events (NDJSON or a JSON array) are validated and joined as the pipeline would; a
//! Parquet file of `llm_events` rows is scored as it is. Each output row keeps its request_id.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use arrow::{array::RecordBatch, datatypes::Schema};
use clap::Args;
use parquet::arrow::ArrowWriter;
use sightline_evaluators::EvaluatorsConfig;
use sightline_schemas::{Evaluators, llm_events};

use crate::exchanges::{Exchanges, extension};

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

/// The configured evaluators, or those `names` (comma-separated) lists instead.
pub fn load_evaluators(
    config: &EvaluatorsConfig,
    names: Option<&str>,
) -> anyhow::Result<Evaluators> {
    let mut settings = config.clone();
    if let Some(names) = names {
        settings.enabled = names.split(',').map(|s| s.trim().to_owned()).collect();
    }
    settings.build().context("loading the evaluators")
}

pub fn run(args: &EvalArgs, evaluators: &EvaluatorsConfig) -> anyhow::Result<ExitCode> {
    let evaluators = load_evaluators(evaluators, args.evaluators.as_deref())?;
    let mut output = Output::create(&args.output)?;
    let mut progress = Progress::new();
    let mut exchanges = Exchanges::open(&args.input)?;
    for batch in exchanges.by_ref() {
        let scored = score(&evaluators, &batch?)?;
        progress.rows(scored.num_rows());
        output.write(&scored)?;
    }
    progress.invalid = exchanges.invalid();
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
