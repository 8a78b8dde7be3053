//! `sightline monitor`: checks each closed window of event time for drift, model by model, and
//! writes `drift_reports`; evaluates alert rules and sends their webhooks; serves both as metrics.
//! Also `sightline drift baseline`, which pins a reference.

mod alerting;
pub mod args;
pub mod baseline;
mod lease;
mod rows;
pub mod settings;
mod window_metrics;

use std::{process::ExitCode, sync::Arc};

use anyhow::Context;
use axum::{Router, routing::get};
use sightline_alerts::exposition::AlertMetrics;
use sightline_drift::monitor::{
    CheckConfig, DriftMetrics, Group, Reference, Streaks, Window, check_window, closed_windows,
};
use sightline_schemas::Timestamp;

pub use alerting::check_rules;
pub use args::{BaselineCreateArgs, MonitorArgs};
pub use settings::{AlertsConfig, DriftConfig, Settings};

use alerting::Alerting;
use lease::Lease;
use rows::{Slice, Store, for_group};

pub fn run(args: &MonitorArgs, config: Settings<'_>) -> anyhow::Result<ExitCode> {
    let drift = &config.drift;
    let check = CheckConfig {
        features: drift.features()?,
        compare: drift.compare_config()?,
        share: drift.share,
        consecutive: drift.consecutive,
    };
    let baseline = drift
        .baseline
        .as_deref()
        .map(|name| baseline::load(&drift.baselines_dir, name))
        .transpose()?;
    let window_ms = drift.window.as_millis() as i64;
    let lateness_ms = drift.lateness.as_millis() as i64;
    let once = match (&args.from, &args.to) {
        (Some(from), Some(to)) => {
            let (from, to) = (parse_time(from)?, parse_time(to)?);
            anyhow::ensure!(from < to, "--from must be before --to");
            Some((from, to))
        }
        (None, None) => None,
        _ => anyhow::bail!("--from and --to go together"),
    };
    sightline_service::runtime()?.block_on(async move {
        let mut store = Store::open(config).await?;
        if args.dry_run {
            return alerting::dry_run(config.alerts, &store).await;
        }
        let metrics = Arc::new(DriftMetrics::default());
        let alert_metrics = Arc::new(AlertMetrics::default());
        let mut monitor = Monitor {
            check,
            baseline,
            trailing_ms: drift.trailing.as_millis() as i64,
            streaks: Streaks::default(),
            metrics: metrics.clone(),
        };
        if let Some((from, to)) = once {
            // Windows that start at or after --from and end by --to.
            for window in closed_windows(from + window_ms - 1, to, window_ms) {
                monitor.window(&mut store, window).await?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        let mut alerting = Alerting::new(config.alerts, alert_metrics.clone())?;
        // Only the monitor that evaluates rules needs to be the only one.
        let lease = match alerting {
            Some(_) => Lease::acquire(config).await?,
            None => Lease::Unguarded,
        };
        let listener = tokio::net::TcpListener::bind(&drift.listen)
            .await
            .with_context(|| format!("listening on {}", drift.listen))?;
        let app = Router::new().route(
            "/metrics",
            get(move || async move { metrics.render() + &alert_metrics.render() }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        tracing::info!(listen = %drift.listen, window = ?drift.window, "monitor running");
        let mut rules_tick = tokio::time::interval(config.alerts.interval);
        // The newest window that has closed, late events included, is checked first.
        let mut done = Timestamp::now().millis() - lateness_ms;
        done = done.div_euclid(window_ms) * window_ms - window_ms;
        let mut stop = std::pin::pin!(sightline_service::terminated());
        let mut tick = tokio::time::interval(drift.interval);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = rules_tick.tick(), if alerting.is_some() => {
                    if let Some(a) = alerting.as_mut() {
                        if !lease.held() {
                            a.standby(&mut store).await;
                        } else if let Err(e) = a.round(&mut store, || lease.held()).await {
                            tracing::warn!(error = %format!("{e:#}"), "alert round failed; retrying");
                        }
                    }
                    continue;
                }
                _ = tick.tick() => {}
            }
            let closed = Timestamp::now().millis() - lateness_ms;
            for window in closed_windows(done, closed, window_ms) {
                if let Err(e) = monitor.window(&mut store, window).await {
                    // The store may be briefly away; the window is tried again on the next tick.
                    tracing::warn!(error = %format!("{e:#}"), "drift check failed; retrying");
                    break;
                }
                done = window.end;
            }
        }
        if let Some(a) = alerting.as_mut() {
            a.finish(&mut store, alerting::WEBHOOK_DRAIN).await;
        }
        tracing::info!("monitor stopped");
        Ok(ExitCode::SUCCESS)
    })
}

struct Monitor {
    check: CheckConfig,
    baseline: Option<sightline_drift::baseline::Baseline>,
    trailing_ms: i64,
    streaks: Streaks,
    metrics: Arc<DriftMetrics>,
}

impl Monitor {
    /// Checks every model with rows in the window and writes all its reports at once. The runs of
    /// drifted windows and the metrics move only once the reports are stored, so a window retried
    /// after a failure counts once.
    async fn window(&mut self, store: &mut Store, window: Window) -> anyhow::Result<()> {
        let no_conditions: Vec<(String, String)> = Vec::new();
        let conditions = self.baseline.as_ref().map_or(&no_conditions, |b| &b.filter);
        let current = Slice {
            from_ms: window.start,
            to_ms: window.end,
            conditions,
        };
        let mut streaks = self.streaks.clone();
        let mut checks = Vec::new();
        for group in store.groups(&current).await? {
            let narrowed = for_group(conditions, &group);
            let mine = Slice {
                conditions: &narrowed,
                ..current.clone()
            };
            let rows = store.features(&self.check.features, &mine).await?;
            let reference = match &self.baseline {
                Some(b) => Reference::Baseline(b),
                None => {
                    let before = Slice {
                        from_ms: window.start - self.trailing_ms,
                        to_ms: window.start,
                        ..mine
                    };
                    Reference::Trailing(store.features(&self.check.features, &before).await?)
                }
            };
            let checked = check_window(
                &group,
                window,
                &reference,
                &rows,
                &self.check,
                &mut streaks,
                Timestamp::now(),
            );
            checks.push((group, checked));
        }
        let reports: Vec<_> = checks
            .iter()
            .flat_map(|(_, c)| c.reports.iter().cloned())
            .collect();
        if !reports.is_empty() {
            store.write(&reports).await?;
        }
        let present: Vec<Group> = checks.iter().map(|(g, _)| g.clone()).collect();
        streaks.retain(&present.iter().map(Group::key).collect::<Vec<_>>());
        self.streaks = streaks;
        self.metrics.retain(&present);
        for (group, checked) in &checks {
            log_check(group, window, checked);
            self.metrics.record(group, window.end, checked);
        }
        Ok(())
    }
}

fn log_check(group: &Group, window: Window, checked: &sightline_drift::monitor::WindowCheck) {
    tracing::info!(
        project = %group.project,
        model = %group.model,
        window_start = %Timestamp(window.start),
        window_end = %Timestamp(window.end),
        share = checked.share_drifted,
        drifted = ?checked.drifted,
        run = checked.run,
        alerting = checked.alerting,
        no_verdict = checked.skipped.len(),
        "window checked"
    );
}

/// RFC 3339, as everywhere else in the CLI.
pub fn parse_time(text: &str) -> anyhow::Result<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .with_context(|| format!("{text:?} is not an RFC 3339 time such as 2026-01-01T00:00:00Z"))
}
