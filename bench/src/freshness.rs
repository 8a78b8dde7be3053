//! Freshness: how long from publishing an exchange's last event until its row can be queried,
//! under a steady publish rate. A sample of exchanges is timed by polling ClickHouse for their
//! request ids; the poll interval bounds the error, and it errs towards reporting longer.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sightline_schemas::{EventKind, Timestamp};

use super::clickhouse::Http;
use sightline_traffic::{Sink, Traffic};

const SAMPLE_EVERY: u64 = 20;
const POLL_EVERY: Duration = Duration::from_millis(100);
const SETTLE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Freshness {
    pub rate: u32,
    pub samples: usize,
    pub missing: usize,
    pub p50_s: f64,
    pub p99_s: f64,
    pub max_s: f64,
}

type Pending = Arc<Mutex<HashMap<String, Instant>>>;

/// Publishes `rate` events per second for `duration` through `sink`, and times a sample of them
/// into `table`.
pub async fn measure(
    sink: &mut Sink,
    ch: &Http,
    table: &str,
    rate: u32,
    duration: Duration,
) -> anyhow::Result<Freshness> {
    let pending: Pending = Arc::default();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let poller = tokio::spawn(poll(
        ch.clone(),
        table.to_owned(),
        pending.clone(),
        seen.clone(),
    ));

    let total = (f64::from(rate) * duration.as_secs_f64()) as u64;
    let began = Instant::now();
    let mut completing = 0u64;
    for (sent, event) in (1..=total).zip(Traffic::new(1, Timestamp::now(), Vec::new(), 0.0)) {
        sink.send(&event).await?;
        if matches!(event.kind(), EventKind::Response | EventKind::Completion) {
            completing += 1;
            if completing.is_multiple_of(SAMPLE_EVERY) {
                lock(&pending).insert(event.header.request_id.clone(), Instant::now());
            }
        }
        let due = Duration::from_secs_f64(sent as f64 / f64::from(rate));
        if let Some(wait) = due.checked_sub(began.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
    sink.finish().await?;

    let settle_until = Instant::now() + SETTLE;
    while !lock(&pending).is_empty() && Instant::now() < settle_until {
        tokio::time::sleep(POLL_EVERY).await;
    }
    poller.abort();
    let missing = lock(&pending).len();
    let mut times: Vec<f64> = lock(&seen).clone();
    // An exchange never seen counts as the longest wait the run allowed, not as no wait.
    times.extend(std::iter::repeat_n(SETTLE.as_secs_f64(), missing));
    times.sort_by(f64::total_cmp);
    Ok(Freshness {
        rate,
        samples: times.len() - missing,
        missing,
        p50_s: percentile(&times, 0.50),
        p99_s: percentile(&times, 0.99),
        max_s: times.last().copied().unwrap_or(0.0),
    })
}

async fn poll(ch: Http, table: String, pending: Pending, seen: Arc<Mutex<Vec<f64>>>) {
    loop {
        tokio::time::sleep(POLL_EVERY).await;
        let ids: Vec<String> = lock(&pending).keys().cloned().collect();
        if ids.is_empty() {
            continue;
        }
        let list = ids
            .iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",");
        let Ok(found) = ch
            .text(&format!(
                "SELECT request_id FROM {table} WHERE request_id IN ({list})"
            ))
            .await
        else {
            continue;
        };
        let now = Instant::now();
        let mut pending = lock(&pending);
        let mut seen = lock(&seen);
        for id in found.lines() {
            if let Some(published) = pending.remove(id) {
                seen.push(now.duration_since(published).as_secs_f64());
            }
        }
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
