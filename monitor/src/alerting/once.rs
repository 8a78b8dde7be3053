//! The monitor's one-shot rule commands: `--check-rules` checks a file, `--dry-run` shows every
//! rule's values now; neither moves an alert or sends a webhook.

use std::{path::Path, process::ExitCode};

use anyhow::Context;
use sightline_alerts::{Rule, rules};
use sightline_schemas::Timestamp;

use crate::{rows::Store, settings::AlertsConfig, window_metrics::compute};

/// `sightline monitor --check-rules FILE`.
pub fn check_rules(file: &Path) -> ExitCode {
    match rules::load(file) {
        Ok(rules) => {
            println!("{}: {} rules, all valid", file.display(), rules.len());
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in problems {
                println!("{}:{p}", file.display());
            }
            ExitCode::from(1)
        }
    }
}

/// `sightline monitor --dry-run`: every rule's values now, one JSON line each.
pub async fn dry_run(config: &AlertsConfig, store: &Store) -> anyhow::Result<ExitCode> {
    let path = config
        .rules
        .as_deref()
        .context("--dry-run needs rules: --rules FILE or alerts.rules")?;
    let rules = load(path)?;
    let now = Timestamp::now().millis().div_euclid(1000) * 1000;
    for rule in &rules {
        let computed = compute(store, rule, now)
            .await
            .with_context(|| format!("rule {}", rule.name))?;
        for (labels, value) in &computed.values {
            let line = serde_json::json!({
                "rule": rule.name,
                "labels": labels,
                "value": value,
                "holds": rule.condition.holds(*value),
                "sql": computed.sql,
            });
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The rules of a file, or every problem in it.
pub(super) fn load(path: &Path) -> anyhow::Result<Vec<Rule>> {
    rules::load(path).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}:{p}", path.display()))
            .collect();
        anyhow::anyhow!("the rule file has problems:\n{}", lines.join("\n"))
    })
}
