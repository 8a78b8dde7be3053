//! `sightline monitor` and `sightline drift baseline create`: their flags, each overriding the
//! `[drift]` or `[alerts]` setting of the same name.

use std::{path::PathBuf, time::Duration};

use clap::Args;
use sightline_service::{SourceArgs, StoreArgs, set};

use crate::settings::{AlertsConfig, DriftConfig};

#[derive(Debug, Args)]
pub struct BaselineCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Its name, used by `drift.baseline` and in drift_reports.
    #[arg(long)]
    pub name: String,
    /// Start of the stretch, RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub from: String,
    /// End of the stretch (exclusive), RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub to: String,
    /// Only rows with COLUMN=VALUE (project, model, model_version, service, environment or
    /// provider); repeatable.
    #[arg(long, value_name = "COLUMN=VALUE")]
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// With brokers, monitors share one lease through the group `<group>.monitor` on the topic
    /// `<topic>.monitor`, so only one evaluates alert rules.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Check the windows between --from and --to (RFC 3339) once, then exit, instead of running.
    #[arg(long, value_name = "TIME", requires = "to")]
    pub from: Option<String>,
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<String>,
    /// Window length [default: the config's drift.window, 1h].
    #[arg(long, value_name = "DURATION", value_parser = sightline_schemas::duration::parse)]
    pub window: Option<Duration>,
    /// Compare with the stretch just before each window, this long [default: 24h]...
    #[arg(long, value_name = "DURATION", value_parser = sightline_schemas::duration::parse, conflicts_with = "baseline")]
    pub trailing: Option<Duration>,
    /// ...or with a pinned baseline.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Drifted windows in a row before a drift alerts [default: 3].
    #[arg(long)]
    pub consecutive: Option<u32>,
    /// Address for /metrics [default: 127.0.0.1:9465].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Alert rules to evaluate, TOML or YAML [default: the config's alerts.rules].
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Check a rule file and exit: 0 when it is valid; otherwise 1, with FILE:LINE:COL: message
    /// for each problem.
    #[arg(long, value_name = "FILE", exclusive = true)]
    pub check_rules: Option<PathBuf>,
    /// Evaluate every rule once against the store, print each value as a JSON line, and exit;
    /// no alert changes state and no webhook is sent.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub dry_run: bool,
}

impl MonitorArgs {
    /// The monitor's own sections; `store` and `source` apply to theirs.
    pub fn apply(&self, drift: &mut DriftConfig, alerts: &mut AlertsConfig) {
        set(&mut drift.window, &self.window);
        set(&mut drift.trailing, &self.trailing);
        if self.baseline.is_some() {
            drift.baseline.clone_from(&self.baseline);
        }
        if self.trailing.is_some() {
            drift.baseline = None;
        }
        set(&mut drift.consecutive, &self.consecutive);
        set(&mut drift.listen, &self.listen);
        if self.rules.is_some() {
            alerts.rules.clone_from(&self.rules);
        }
    }
}
