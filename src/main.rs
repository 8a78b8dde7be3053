//! The `sightline` command: one binary for every role in the pipeline.

mod api;
mod bench;
mod cli;
mod config;
mod demo;
mod drift;
mod eval;
mod host;
mod infer;
mod kafka_admin;
mod monitor;
mod pipeline;
mod produce;
mod signals;
mod sql;
mod validate;

use std::process::ExitCode;

use clap::Parser;

use crate::{
    cli::{BaselineCommand, Cli, Command, DriftCommand, MonitorArgs},
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
        Command::Validate(args) => return validate::run(args),
        Command::Demo(args) => return demo::run(args),
        Command::Drift(DriftCommand::Compare(args)) => return drift::compare(args),
        Command::Monitor(MonitorArgs {
            check_rules: Some(file),
            ..
        }) => return Ok(monitor::alerting::check_rules(file)),
        _ => {}
    }
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Produce(args) => produce::run(args, &config),
        Command::Pipeline(args) => {
            args.apply(&mut config);
            config.validate()?;
            pipeline::run(&config)
        }
        Command::Migrate(args) => {
            args.apply(&mut config);
            config.validate()?;
            sql::migrate(&config)
        }
        Command::Sql(args) => {
            args.store.apply(&mut config);
            config.validate()?;
            sql::run(&config, &args.sql, args.format)
        }
        Command::Bench(which) => bench::run(which, &config),
        Command::Eval(args) => {
            config.validate()?;
            eval::run(&args, &config)
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
            args.apply(&mut config);
            config.validate()?;
            monitor::run(&args, &config)
        }
        Command::Drift(DriftCommand::Baseline(BaselineCommand::Create(args))) => {
            args.store.apply(&mut config);
            config.validate()?;
            monitor::baseline::create(&args, &config)
        }
        other => unreachable!("{} is answered before settings load", other.name()),
    }
}
