//! `sightline bench`: whole-pipeline benchmarks that run their competitors in the same run, on the
//! same data and machine, and report ratios.

mod baselines;
mod clickhouse;
mod drift;
mod events;
mod freshness;
mod infer;
mod ingest;
mod toxicity;
mod worker;

use std::process::ExitCode;

use crate::{cli::BenchCommand, config::Config};

pub fn run(which: BenchCommand, config: &Config) -> anyhow::Result<ExitCode> {
    match which {
        BenchCommand::Ingest(args) => ingest::run(args, config),
        BenchCommand::Toxicity(args) => toxicity::run(&args, config),
        BenchCommand::Drift(args) => drift::run(&args),
        BenchCommand::Infer(args) => infer::run(&args, config),
    }
}
