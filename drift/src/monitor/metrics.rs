//! The monitor's metrics in Prometheus text: per model, the share of drifted features in the last
//! window (`drift.share`, for alert rules), the run of drifted windows, and whether it alerts.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex};

use super::{Group, WindowCheck};

#[derive(Debug, Default)]
pub struct DriftMetrics {
    latest: Mutex<BTreeMap<(String, String), Latest>>,
    windows: std::sync::atomic::AtomicU64,
}

/// A metric's name, type, help, and how to read it from a model's latest window.
type Series = (&'static str, &'static str, &'static str, fn(&Latest) -> f64);

#[derive(Debug, Clone, Copy)]
struct Latest {
    share: f64,
    run: u32,
    alerting: bool,
    window_end: i64,
}

impl DriftMetrics {
    pub fn record(&self, group: &Group, window_end: i64, check: &WindowCheck) {
        self.windows
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.insert(
            (group.project.clone(), group.model.clone()),
            Latest {
                share: check.share_drifted,
                run: check.run,
                alerting: check.alerting,
                window_end,
            },
        );
    }

    /// Drops the models not in `present`, so a model that stopped sending is not left alerting.
    pub fn retain(&self, present: &[Group]) {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.retain(|(project, model), _| {
            present
                .iter()
                .any(|g| &g.project == project && &g.model == model)
        });
    }

    pub fn render(&self) -> String {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        let series: [Series; 4] = [
            (
                "sightline_drift_share",
                "gauge",
                "Share of drifted features in the model's latest window.",
                |l| l.share,
            ),
            (
                "sightline_drift_consecutive_windows",
                "gauge",
                "Drifted windows in a row, up to the latest.",
                |l| f64::from(l.run),
            ),
            (
                "sightline_drift_alerting",
                "gauge",
                "1 when the run of drifted windows has reached drift.consecutive.",
                |l| f64::from(u8::from(l.alerting)),
            ),
            (
                "sightline_drift_window_end_seconds",
                "gauge",
                "End of the latest window checked.",
                |l| l.window_end as f64 / 1000.0,
            ),
        ];
        for (name, kind, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for ((project, model), l) in latest.iter() {
                let _ = writeln!(
                    out,
                    "{name}{{project=\"{}\",model=\"{}\"}} {}",
                    escape(project),
                    escape(model),
                    value(l)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP sightline_drift_windows_total Windows checked.\n# TYPE sightline_drift_windows_total counter\nsightline_drift_windows_total {}",
            self.windows.load(std::sync::atomic::Ordering::Relaxed)
        );
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
