//! ClickHouse goes away for 20 seconds mid-stream: the worker retries, loses nothing, catches up,
//! and its memory stays bounded meanwhile. Alone in its own test binary, because it stops the
//! server every other test uses.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use sightline_e2e::{
    pipeline::{Setup, as_messages, complete_exchanges, create_topic, generate, publish},
    repo_root, service_env,
};

const ROWS: &str = "SELECT count() AS n FROM llm_events";
const OUTAGE: Duration = Duration::from_secs(20);
/// Far above a healthy worker's footprint, far below what an unbounded backlog would take.
const RSS_LIMIT_KIB: u64 = 512 * 1024;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_outage_loses_nothing() {
    let setup = Setup::new("outage");
    let events = complete_exchanges(generate(90_000, 21));
    let rows = events
        .iter()
        .filter(|e| matches!(e["kind"].as_str(), Some("completion" | "response")))
        .count() as u64;
    let (first, rest) = events.split_at(events.len() / 3);
    create_topic(&setup.topic, 6).await;
    publish(&setup.topic, &as_messages(first)).await;

    let worker = setup.start_worker(&[]);
    setup.wait_for_at_least(ROWS, 1_000, Duration::from_secs(120));

    let pid = clickhouse_pid();
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
    publish(&setup.topic, &as_messages(rest)).await;
    let mut peak_rss = 0;
    while outage_started.elapsed() < OUTAGE {
        peak_rss = peak_rss.max(worker.rss_kib());
        std::thread::sleep(Duration::from_millis(250));
    }
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
    assert!(
        retries > 0.0,
        "the worker retried while ClickHouse was down"
    );
    assert!(
        peak_rss > 0 && peak_rss < RSS_LIMIT_KIB,
        "peak RSS {peak_rss} KiB during the outage"
    );
    eprintln!(
        "outage: {retries} retries, peak RSS {} MiB, {rows} rows",
        peak_rss / 1024
    );
    worker.stop();
}
