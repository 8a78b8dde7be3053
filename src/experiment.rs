//! `sightline experiment compare`: arms of traffic against the control, from a file of exchanges
//! (scored with the evaluators first, as `sightline eval` scores it) or from the store.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use clap::{Args, Subcommand};
use sightline_experiments::{
    DEFAULT_MINIMUM_DETECTABLE_EFFECT, Report, Scope, Split, compare, parse_arms,
};
use sightline_monitor::parse_time;
use sightline_offline::{eval::load_evaluators, exchanges::Exchanges};
use sightline_schemas::{Sink, Table, TableBatch};
use sightline_service::StoreArgs;
use sightline_storage::embedded::ParquetStore;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ExperimentCommand {
    /// Compare two or more arms of traffic with the first, the control: latency (p50, p95), error
    /// rate, cost per exchange, toxicity rate and feedback score, each difference with its 95 %
    /// interval and p-value (Mann–Whitney U for latency and cost, Welch's t for means, the
    /// two-proportion z for rates), and the sample a fixed-horizon test needs.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// What splits traffic into arms: model_version, model, or attributes.KEY.
    #[arg(long, value_name = "SPLIT")]
    pub by: Split,
    /// The arms, comma-separated, the control first (such as v1,v2).
    #[arg(long, value_name = "NAMES")]
    pub arms: String,
    /// Read exchanges from this file instead of the store: events (.ndjson, .jsonl, .json) or
    /// llm_events rows (.parquet).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["embedded", "data_dir", "clickhouse"])]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only exchanges requested at or after this time, RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only exchanges requested before this time, RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// The relative change the needed sample sizes are for.
    #[arg(long, value_name = "FRACTION", default_value_t = DEFAULT_MINIMUM_DETECTABLE_EFFECT)]
    pub minimum_detectable_effect: f64,
    /// With --input: the evaluators to score the file with, comma-separated [default: the
    /// config's].
    #[arg(long, value_name = "NAMES", requires = "input")]
    pub evaluators: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: &ExperimentCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let ExperimentCommand::Compare(args) = command;
    let mde = args.minimum_detectable_effect;
    anyhow::ensure!(
        mde > 0.0 && mde.is_finite(),
        "--minimum-detectable-effect {mde}: give a positive fraction such as 0.1 for 10 %"
    );
    let scope = Scope {
        split: args.by.clone(),
        arms: parse_arms(&args.arms).map_err(anyhow::Error::msg)?,
        from_ms: args.from.as_deref().map(parse_time).transpose()?,
        to_ms: args.to.as_deref().map(parse_time).transpose()?,
    };
    anyhow::ensure!(
        args.input.is_none() || (args.from.is_none() && args.to.is_none()),
        "--from and --to choose a period of the store; with --input the file is the period"
    );
    let report = match &args.input {
        Some(path) => from_file(path, &scope, mde, config, args.evaluators.as_deref())?,
        None => from_store(&scope, mde, config)?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    Ok(ExitCode::SUCCESS)
}

fn from_store(scope: &Scope, mde: f64, config: &Config) -> anyhow::Result<Report> {
    sightline_service::runtime()?.block_on(async {
        if config.storage.embedded {
            let store = ParquetStore::open(&config.storage.data_dir)?;
            Ok(compare(&store, scope, mde).await?)
        } else {
            let ch = sightline_service::connect(&config.clickhouse).await?;
            Ok(compare(&ch, scope, mde).await?)
        }
    })
}

/// The file's exchanges scored as `sightline eval` scores them, and its feedback, into a scratch
/// embedded store that is compared as any store is and removed after.
fn from_file(
    path: &Path,
    scope: &Scope,
    mde: f64,
    config: &Config,
    evaluators: Option<&str>,
) -> anyhow::Result<Report> {
    let mut exchanges = Exchanges::open(path)?;
    let evaluators = load_evaluators(&config.evaluators, evaluators)?;
    let scratch = Scratch::new()?;
    let mut store = ParquetStore::open(&scratch.0)?;
    let mut rows = 0;
    sightline_service::runtime()?.block_on(async {
        for batch in exchanges.by_ref() {
            let scored = evaluators.apply(&batch?)?.llm_events;
            rows += scored.num_rows();
            let mut tables = TableBatch::default();
            tables.push(Table::LlmEvents, scored);
            store.write(tables).await?;
        }
        if let Some(feedback) = exchanges.feedback()? {
            let mut tables = TableBatch::default();
            tables.push(Table::Feedback, feedback);
            store.write(tables).await?;
        }
        eprintln!(
            "read {rows} exchanges from {} ({} invalid events skipped)",
            path.display(),
            exchanges.invalid()
        );
        Ok(compare(&store, scope, mde).await?)
    })
}

/// A directory of its own under the system's temporary one, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "sightline-experiment-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
