//! `sightline demo`'s flags.

use std::{path::PathBuf, time::Duration};

use clap::Args;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Roughly how long the scripted story takes; every step scales with it.
    #[arg(long, value_name = "DURATION", default_value = "4m", value_parser = sightline_schemas::duration::parse)]
    pub duration: Duration,
    /// Address for the API and the dashboard.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8000")]
    pub listen: String,
    /// Do not try to open the dashboard in a browser.
    #[arg(long)]
    pub no_open: bool,
    /// Exit when the story is over, with status 1 if any part of it did not happen; otherwise
    /// everything keeps running until Ctrl-C.
    #[arg(long)]
    pub exit_when_done: bool,
    /// The demo's own directory (data, keys, rules, logs, models), emptied at each start.
    #[arg(long, value_name = "DIR", default_value = "sightline-demo")]
    pub data_dir: PathBuf,
    /// Distributed mode: these Kafka brokers...
    #[arg(long, value_name = "HOST:PORT", requires = "clickhouse")]
    pub kafka: Option<String>,
    /// ...and this ClickHouse (HTTP URL), with its read-only user for the API.
    #[arg(long, value_name = "URL", requires = "kafka")]
    pub clickhouse: Option<String>,
}
