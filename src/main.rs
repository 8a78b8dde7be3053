//! The `sightline` command: one binary for every role in the pipeline.

mod api;
mod cli;
mod config;
mod experiment;
mod infer;
mod pipeline;
mod sql;

use std::process::ExitCode;

use clap::Parser;
use sightline_monitor::MonitorArgs;

use crate::{
    cli::{BaselineCommand, Cli, Command, DriftCommand},
    config::Config,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIGHTLINE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal; log files and collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Settings come from the config layers, then the subcommand's own flags, and are checked before
/// anything connects.
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Validate(args) => return sightline_offline::validate::run(args),
        Command::Demo(args) => return sightline_demo::run(args),
        Command::Drift(DriftCommand::Compare(args)) => {
            return sightline_offline::compare::run(args);
        }
        Command::Monitor(MonitorArgs {
            check_rules: Some(file),
            ..
        }) => return Ok(sightline_monitor::check_rules(file)),
        _ => {}
    }
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Produce(args) => sightline_traffic::run(args, &config.kafka),
        Command::Pipeline(args) => {
            args.apply(&mut config);
            config.validate()?;
            pipeline::run(&config)
        }
        Command::Migrate(args) => {
            args.apply(&mut config.storage, &mut config.clickhouse);
            config.validate()?;
            sql::migrate(&config)
        }
        Command::Sql(args) => {
            args.store
                .apply(&mut config.storage, &mut config.clickhouse);
            config.validate()?;
            sql::run(&config, &args.sql, args.format)
        }
        Command::Bench(which) => sightline_bench::run(which, config.bench()),
        Command::Eval(args) => {
            config.validate()?;
            sightline_offline::eval::run(&args, &config.evaluators)
        }
        Command::Experiment(command) => {
            let crate::experiment::ExperimentCommand::Compare(args) = &command;
            args.store
                .apply(&mut config.storage, &mut config.clickhouse);
            config.validate()?;
            experiment::run(&command, &config)
        }
        Command::Api(args) => {
            args.apply(&mut config);
            config.validate()?;
            api::run(&args, &config)
        }
        Command::Infer(args) => {
            args.apply(&mut config);
            config.validate()?;
            infer::run(&config)
        }
        Command::Monitor(args) => {
            args.store
                .apply(&mut config.storage, &mut config.clickhouse);
            args.source.apply(&mut config.kafka);
            args.apply(&mut config.drift, &mut config.alerts);
            config.validate()?;
            sightline_monitor::run(&args, config.monitor())
        }
        Command::Drift(DriftCommand::Baseline(BaselineCommand::Create(args))) => {
            args.store
                .apply(&mut config.storage, &mut config.clickhouse);
            config.validate()?;
            sightline_monitor::baseline::create(&args, config.monitor())
        }
        other => unreachable!("{} is answered before settings load", other.name()),
    }
}
