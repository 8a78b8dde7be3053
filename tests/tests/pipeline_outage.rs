//! ClickHouse goes away for 20 seconds mid-stream: the worker retries, loses nothing, catches up,
//! and its memory stays bounded meanwhile. Alone in its own test binary, because it stops the
//! server every other test uses.

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use serde_json::Value;
use sightline_e2e::{
    pipeline::{Setup, as_messages, complete_exchanges, create_topic, generate, publish, rss_kib},
    repo_root, service_env,
};

const ROWS: &str = "SELECT count() AS n FROM llm_events";
const OUTAGE: Duration = Duration::from_secs(20);
/// Far above a healthy worker's footprint.
const RSS_LIMIT_KIB: u64 = 512 * 1024;
/// Text added to each event published during the outage. It makes the backlog several times what
/// a worker may hold by design (four batches of at most 8 MiB and librdkafka's 32 MiB prefetch),
/// so holding the backlog and holding what the design allows differ by hundreds of MiB.
const PADDING_BYTES: usize = 8 * 1024;

fn clickhouse_pid() -> String {
    let file = service_env("SIGHTLINE_TEST_CLICKHOUSE_PID_FILE");
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .trim()
        .to_owned()
}

fn alive(pid: &str) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Lengthens the event's output, or its prompt or last message if it has none, as a long answer
/// or a pasted document would.
fn pad(event: &mut Value, filler: &str) {
    let last_message = event["request"]["messages"]
        .as_array()
        .and_then(|m| m.len().checked_sub(1))
        .map(|i| format!("/request/messages/{i}/content"));
    let pointer = ["/response/output", "/request/prompt"]
        .map(String::from)
        .into_iter()
        .chain(last_message)
        .find(|p| event.pointer(p).is_some_and(Value::is_string));
    if let Some(Value::String(text)) = pointer.and_then(|p| event.pointer_mut(&p)) {
        text.push(' ');
        text.push_str(filler);
    }
}

/// Samples a process's resident memory every 100 ms until stopped; returns the peak in KiB.
struct PeakRss {
    stop: Arc<AtomicBool>,
    sampler: JoinHandle<u64>,
}

impl PeakRss {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let sampler = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                peak = rss_kib(pid).max(peak);
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        });
        Self { stop, sampler }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.sampler.join().expect("RSS sampler")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_outage_loses_nothing() {
    let setup = Setup::new("outage");
    let mut events = complete_exchanges(generate(90_000, 21));
    let rows = events
        .iter()
        .filter(|e| matches!(e["kind"].as_str(), Some("completion" | "response")))
        .count() as u64;
    let filler = "the assistant walked through the quarterly figures line by line ".repeat(128);
    let filler = &filler[..PADDING_BYTES];
    let split = events.len() / 3;
    events[split..].iter_mut().for_each(|e| pad(e, filler));
    let (first, rest) = events.split_at(split);
    let backlog = as_messages(rest);
    let backlog_kib = backlog.iter().map(|(_, m)| m.len() as u64).sum::<u64>() / 1024;
    create_topic(&setup.topic, 6).await;
    publish(&setup.topic, &as_messages(first)).await;

    let worker = setup.start_worker(&[]);
    setup.wait_for_at_least(ROWS, 1_000, Duration::from_secs(120));

    let pid = clickhouse_pid();
    let before = rss_kib(worker.pid());
    let peak = PeakRss::start(worker.pid());
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    while alive(&pid) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let outage_started = Instant::now();
    publish(&setup.topic, &backlog).await;
    drop(backlog);
    let remaining = OUTAGE.saturating_sub(outage_started.elapsed());
    std::thread::sleep(remaining);
    let peak_rss = peak.finish();
    let restart = Command::new(repo_root().join("scripts/services.sh"))
        .arg("start")
        .output()
        .expect("restart services");
    assert!(
        restart.status.success(),
        "restarting ClickHouse: {}",
        String::from_utf8_lossy(&restart.stderr)
    );

    setup.wait_for_count(ROWS, rows, Duration::from_secs(240));
    let retries = worker
        .metric("sightline_sink_retries_total")
        .expect("metrics");
    let growth = peak_rss.saturating_sub(before);
    eprintln!(
        "outage: {retries} retries, {rows} rows, backlog {} MiB; RSS {} MiB before, peak {} MiB",
        backlog_kib / 1024,
        before / 1024,
        peak_rss / 1024
    );
    assert!(
        before > 0 && peak_rss < RSS_LIMIT_KIB,
        "peak RSS {peak_rss} KiB during the outage"
    );
    assert!(
        growth < backlog_kib / 2,
        "RSS grew by {growth} KiB during the outage, with a backlog of {backlog_kib} KiB: the \
         worker held much of the backlog instead of leaving it in the topic"
    );
    assert!(
        retries > 0.0,
        "the worker retried while ClickHouse was down"
    );
    worker.stop();
}
