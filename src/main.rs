//! The `sightline` command: one binary for every role in the pipeline.

mod cli;
mod duration;
mod kafka_admin;
mod pipeline;
mod produce;
mod signals;
mod sql;
mod validate;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIGHTLINE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Produce(args) => produce::run(args),
        Command::Pipeline(args) => pipeline::run(args),
        Command::Migrate(args) => sql::migrate(&args),
        Command::Sql(args) => sql::run(&args),
        Command::Demo | Command::Monitor | Command::Api | Command::Infer | Command::Bench => {
            eprintln!("sightline {}: not built yet", cli.command.name());
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
