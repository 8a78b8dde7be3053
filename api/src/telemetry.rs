//! The API's own metrics: requests and their durations per catalog route and status class, a
//! bounded label set because routes come from the catalog, not from request paths.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex};

use sightline_schemas::prometheus::Histogram;

use crate::catalog::ROUTES;

const SECONDS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug)]
pub struct ApiMetrics {
    durations: Vec<Histogram>,
    /// Per catalog route and status class ("2xx", "4xx", ...).
    requests: Mutex<BTreeMap<(usize, &'static str), u64>>,
}

impl Default for ApiMetrics {
    fn default() -> Self {
        Self {
            durations: ROUTES.iter().map(|_| Histogram::new(SECONDS)).collect(),
            requests: Mutex::default(),
        }
    }
}

impl ApiMetrics {
    pub fn record(&self, route: usize, status: u16, seconds: f64) {
        let class = match status {
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((route, class))
            .or_default() += 1;
        self.durations[route].observe(seconds);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let label = |i: usize| {
            let r = &ROUTES[i];
            format!("method=\"{}\",route=\"{}\"", r.method, r.path)
        };
        out.push_str("# HELP sightline_api_requests_total API requests by route and status class\n# TYPE sightline_api_requests_total counter\n");
        for ((route, class), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "sightline_api_requests_total{{{},status=\"{class}\"}} {n}",
                label(*route)
            );
        }
        out.push_str("# HELP sightline_api_request_seconds API request durations by route\n# TYPE sightline_api_request_seconds histogram\n");
        for (i, h) in self.durations.iter().enumerate() {
            h.render_series("sightline_api_request_seconds", &label(i), &mut out);
        }
        out
    }
}
