//! The command line: every subcommand and its help text. Each subcommand's flags live beside the
//! code that reads them, in its own crate or module.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sightline_bench::BenchCommand;
use sightline_demo::DemoArgs;
use sightline_monitor::{BaselineCreateArgs, MonitorArgs};
use sightline_offline::{compare::DriftCompareArgs, eval::EvalArgs, validate::ValidateArgs};
use sightline_service::StoreArgs;
use sightline_traffic::ProduceArgs;

use crate::{
    api::ApiArgs, experiment::ExperimentCommand, infer::InferArgs, pipeline::PipelineArgs,
    sql::SqlArgs,
};

#[derive(Debug, Parser)]
#[command(name = "sightline", version, about = "LLM observability and evaluation pipeline", long_about = None)]
pub struct Cli {
    /// TOML settings file; `SIGHTLINE__SECTION__KEY` variables override it, and flags override both.
    #[arg(long, global = true, value_name = "FILE", env = "SIGHTLINE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole product on one machine (embedded mode) and drive a scripted scenario through it.
    Demo(DemoArgs),
    /// Consume events, join, score and store them (Kafka to ClickHouse, or embedded).
    Pipeline(PipelineArgs),
    /// Check each closed window of event time for drift, model by model, against a trailing window
    /// or a pinned baseline; write drift_reports and serve the verdicts on /metrics.
    Monitor(MonitorArgs),
    /// Serve the HTTP API, the dashboard and Prometheus metrics; in embedded mode the pipeline runs
    /// in the same process. `sightline api key ...` manages the API keys.
    Api(ApiArgs),
    /// Serve ONNX models and emit a request and a response event for every call.
    Infer(InferArgs),
    /// Create or upgrade the ClickHouse database and tables.
    Migrate(StoreArgs),
    /// Run a read-only SQL query over the stored traces and print the result.
    ///
    /// Tables such as llm_events read deduplicated rows; the server enforces read-only.
    Sql(SqlArgs),
    /// Publish synthetic LLM traffic to Kafka, to an HTTP ingest endpoint, or to a file.
    Produce(ProduceArgs),
    /// Measure whole-pipeline throughput, freshness and memory against a competitor in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Score a file with the pipeline's evaluators: events (.ndjson, .jsonl, .json) are validated
    /// and joined first; llm_events rows (.parquet) are scored as they are.
    Eval(EvalArgs),
    /// Drift between a reference and a current data set, offline.
    #[command(subcommand)]
    Drift(DriftCommand),
    /// A/B experiments: arms of traffic compared with a control, each metric with its test.
    #[command(subcommand)]
    Experiment(ExperimentCommand),
    /// Check events against schema v1; print one line per problem as FILE:LINE: PATH: REASON.
    ///
    /// Each FILE holds one JSON event, a JSON array of events, or NDJSON (one event per line).
    /// Exits 0 when every event is valid, 1 when any is not, 2 when a file cannot be read.
    Validate(ValidateArgs),
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Demo(_) => "demo",
            Self::Pipeline(_) => "pipeline",
            Self::Monitor(_) => "monitor",
            Self::Api(_) => "api",
            Self::Infer(_) => "infer",
            Self::Migrate(_) => "migrate",
            Self::Sql(_) => "sql",
            Self::Produce(_) => "produce",
            Self::Bench(_) => "bench",
            Self::Eval(_) => "eval",
            Self::Drift(_) => "drift",
            Self::Experiment(_) => "experiment",
            Self::Validate(_) => "validate",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum DriftCommand {
    /// Compare two files column by column: for each column the test, its statistic, p-value
    /// (where the test has one), threshold and verdict, then the share of drifted columns.
    ///
    /// Files are CSV (with a header), Parquet, or NDJSON (.ndjson, .jsonl); numbers and booleans
    /// are compared as they are, short strings as categories, long mostly-distinct strings as
    /// text, and lists of numbers as embeddings.
    Compare(DriftCompareArgs),
    /// Pinned baselines: references frozen from a stretch of history.
    #[command(subcommand)]
    Baseline(BaselineCommand),
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Freeze each feature's histogram (bin edges and counts over every row) and a reservoir
    /// sample of up to 10,000 values, from the llm_events rows between --from and --to.
    Create(BaselineCreateArgs),
}
