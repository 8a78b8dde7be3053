//! The webhook client the rules send through.

use anyhow::Context;
use sightline_alerts::{
    Rule,
    webhook::{Allowlist, RetryPolicy, Secret, Sender},
};

use crate::settings::AlertsConfig;

/// The webhook client: signed with the configured secret, to the allowed hosts (by default
/// loopback and the hosts the rules name).
pub(super) fn sender(config: &AlertsConfig, rules: &[Rule]) -> anyhow::Result<Sender> {
    let secret = read_secret(config)?;
    let allow = match &config.allowed_hosts {
        Some(list) => {
            Allowlist::new(list).map_err(|e| anyhow::anyhow!("alerts.allowed_hosts: {e}"))?
        }
        None => Allowlist::loopback_and(rules.iter().map(|r| r.action.url.as_str())),
    };
    let policy = RetryPolicy {
        timeout: config.timeout,
        max_attempts: config.max_attempts,
        backoff: config.backoff,
        max_backoff: config.max_backoff,
    };
    Sender::new(secret, allow, policy).context("building the webhook client")
}

fn read_secret(config: &AlertsConfig) -> anyhow::Result<Secret> {
    sightline_service::host::key(
        config.webhook_secret_file.as_deref(),
        Some("SIGHTLINE_WEBHOOK_SECRET"),
    )?
    .and_then(Secret::new)
    .context(
        "webhooks are always signed: set alerts.webhook_secret_file, or SIGHTLINE_WEBHOOK_SECRET",
    )
}
