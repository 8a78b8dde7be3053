//! `sightline bench`: whole-pipeline benchmarks that run their competitors in the same run, on the
//! same data and machine, and report ratios.

mod args;
mod baselines;
mod clickhouse;
mod drift;
mod events;
mod freshness;
mod infer;
mod ingest;
mod otlp;
mod toxicity;
mod worker;

use std::{path::Path, process::ExitCode};

use sightline_evaluators::toxicity::ToxicityConfig;
use sightline_service::{ClickhouseConfig, KafkaConfig};

pub use args::{
    BenchCommand, BenchDriftArgs, BenchInferArgs, BenchIngestArgs, BenchOtlpArgs, BenchToxicityArgs,
};

/// What the benchmarks take from the settings, as defaults for their own flags.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub kafka: &'a KafkaConfig,
    pub clickhouse: &'a ClickhouseConfig,
    pub toxicity: &'a ToxicityConfig,
    pub model_repo: Option<&'a Path>,
}

pub fn run(which: BenchCommand, config: Settings<'_>) -> anyhow::Result<ExitCode> {
    match which {
        BenchCommand::Ingest(args) => ingest::run(args, config),
        BenchCommand::Toxicity(args) => toxicity::run(&args, config),
        BenchCommand::Drift(args) => drift::run(&args),
        BenchCommand::Infer(args) => infer::run(&args, config),
        BenchCommand::Otlp(args) => otlp::run(&args),
    }
}
