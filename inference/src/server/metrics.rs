//! The node's metrics at `/metrics`: requests by model, version, operation and status, latency and
//! batch-size histograms per model, queue depth, and what became of the events.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex};

use axum::http::StatusCode;
use sightline_schemas::prometheus::Histogram;

use crate::runtime::Version;

const LATENCY_SECONDS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
const BATCH_SIZES: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Model, version, operation and HTTP status.
type RequestKey = (String, String, &'static str, u16);

#[derive(Debug, Default)]
pub struct NodeMetrics {
    requests: Mutex<BTreeMap<RequestKey, u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    batches: Mutex<BTreeMap<String, Histogram>>,
}

impl NodeMetrics {
    pub fn request(
        &self,
        version: &Version,
        operation: &'static str,
        status: StatusCode,
        seconds: f64,
    ) {
        let key = (
            version.model.clone(),
            version.version.clone(),
            operation,
            status.as_u16(),
        );
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default() += 1;
        self.latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(version.model.clone())
            .or_insert_with(|| Histogram::new(&LATENCY_SECONDS))
            .observe(seconds);
    }

    pub fn batch(&self, model: &str, size: usize) {
        self.batches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(model.to_owned())
            .or_insert_with(|| Histogram::new(&BATCH_SIZES))
            .observe(size as f64);
    }

    /// The exposition; `depths` are the queue depths per model, `events` sent, failed, dropped.
    pub fn render(&self, depths: &[(String, usize)], events: (u64, u64, u64)) -> String {
        let mut out = String::new();
        out.push_str("# HELP sightline_infer_requests_total Calls by model, version, operation and HTTP status.\n# TYPE sightline_infer_requests_total counter\n");
        for ((model, version, op, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "sightline_infer_requests_total{{model=\"{}\",version=\"{}\",operation=\"{op}\",status=\"{status}\"}} {n}",
                escape(model),
                escape(version)
            );
        }
        let _ = writeln!(
            out,
            "# HELP sightline_infer_latency_seconds Time from arrival to answer.\n# TYPE sightline_infer_latency_seconds histogram"
        );
        for (model, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            h.render_series(
                "sightline_infer_latency_seconds",
                &format!("model=\"{}\"", escape(model)),
                &mut out,
            );
        }
        let _ = writeln!(
            out,
            "# HELP sightline_infer_batch_size Texts (or tensor requests) per batch run.\n# TYPE sightline_infer_batch_size histogram"
        );
        for (model, h) in self
            .batches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            h.render_series(
                "sightline_infer_batch_size",
                &format!("model=\"{}\"", escape(model)),
                &mut out,
            );
        }
        out.push_str("# HELP sightline_infer_queue_depth Requests waiting for a batch.\n# TYPE sightline_infer_queue_depth gauge\n");
        for (model, depth) in depths {
            let _ = writeln!(
                out,
                "sightline_infer_queue_depth{{model=\"{}\"}} {depth}",
                escape(model)
            );
        }
        let (sent, failed, dropped) = events;
        let _ = writeln!(
            out,
            "# HELP sightline_infer_events_total Request and response events, by outcome: sent, failed, or dropped because the buffer was full.\n# TYPE sightline_infer_events_total counter\nsightline_infer_events_total{{outcome=\"sent\"}} {sent}\nsightline_infer_events_total{{outcome=\"failed\"}} {failed}\nsightline_infer_events_total{{outcome=\"dropped\"}} {dropped}"
        );
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
