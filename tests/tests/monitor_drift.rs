//! The drift monitor end to end: traffic that drifts at a known moment (`sightline produce
//! --drift-at`) goes through the broker and the pipeline into ClickHouse; `sightline monitor`
//! checks its windows against a trailing window and against a pinned baseline, and its
//! `drift_reports` rows say where the drift began.

use std::{process::Command, time::Duration};

use serde_json::Value;
use sightline_e2e::{
    clickhouse_url,
    embedded::EmbeddedPipeline,
    free_address,
    pipeline::{Setup, as_messages, complete_exchanges, create_topic, publish},
    repo_root, sightline, unique_name,
};

const START: &str = "2026-01-01T00:00:00Z";

/// `sightline produce` flags for traffic that drifts 60 s of event time after the first event.
const DRIFTING: [&str; 8] = [
    "--count",
    "37000",
    "--seed",
    "11",
    "--start",
    START,
    "--drift-at",
    "60s",
];

/// Events from `sightline produce`, drifting 60 s of event time after the first (200 exchanges
/// a second, so about 12,000 exchanges before the drift and 8,000 after).
fn drifting_events() -> Vec<Value> {
    let file = std::env::temp_dir().join(format!("{}.ndjson", unique_name("drift")));
    let status = Command::new(sightline())
        .arg("produce")
        .args(DRIFTING)
        .arg("--out")
        .arg(&file)
        .current_dir(repo_root())
        .status()
        .expect("run produce");
    assert!(status.success());
    let text = std::fs::read_to_string(&file).expect("events");
    let _ = std::fs::remove_file(&file);
    complete_exchanges(
        text.lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect(),
    )
}

fn run(args: &[&str], setup: &Setup) {
    let out = Command::new(sightline())
        .args(args)
        .args([
            "--clickhouse",
            &clickhouse_url(),
            "--database",
            &setup.database,
        ])
        .env(
            "SIGHTLINE__DRIFT__BASELINES_DIR",
            std::env::temp_dir().join(&setup.database),
        )
        .output()
        .expect("run sightline");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `feature` rows of one window: (model, drifted).
fn verdicts(setup: &Setup, window_end: &str, feature: &str, baseline: bool) -> Vec<(String, bool)> {
    let baseline = if baseline {
        "isNotNull(baseline)"
    } else {
        "isNull(baseline)"
    };
    setup
        .query(&format!(
            "SELECT model, drifted, test, n_ref, n_cur, p_value, threshold FROM drift_reports \
             WHERE window_end = toDateTime('{window_end}', 'UTC') AND feature = '{feature}' \
             AND test IN ('ks', 'wasserstein', 'share') AND {baseline} ORDER BY model"
        ))
        .into_iter()
        .map(|row| {
            let drifted = row["drifted"]
                .as_u64()
                .or_else(|| row["drifted"].as_str()?.parse().ok());
            (
                row["model"].as_str().unwrap_or_default().to_owned(),
                drifted == Some(1),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_finds_the_injected_drift_and_writes_reports() {
    let setup = Setup::new("drift");
    let events = drifting_events();
    let exchanges = events
        .iter()
        .filter(|e| e["kind"] != "feedback")
        .map(|e| e["request_id"].as_str().unwrap_or_default())
        .collect::<std::collections::HashSet<_>>()
        .len() as u64;
    create_topic(&setup.topic, 3).await;
    let _worker = setup.start_worker_with_env(
        &[],
        &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\", \"cost\"]")],
    );
    publish(&setup.topic, &as_messages(&events)).await;
    setup.wait_for_count(
        "SELECT count() FROM llm_events",
        exchanges,
        Duration::from_secs(240),
    );

    // Windows of 20 s, each against the 20 s before it: [20, 40) and [40, 60) are quiet, [60, 80)
    // is the first drifted one, and [80, 100) compares drifted traffic with drifted traffic.
    run(
        &[
            "monitor",
            "--window",
            "20s",
            "--trailing",
            "20s",
            "--from",
            START,
            "--to",
            "2026-01-01T00:01:40Z",
        ],
        &setup,
    );
    let latency = |end: &str| verdicts(&setup, end, "latency_ms", false);
    let quiet: Vec<bool> = [
        latency("2026-01-01 00:00:40"),
        latency("2026-01-01 00:01:00"),
    ]
    .concat()
    .into_iter()
    .map(|(_, d)| d)
    .collect();
    assert!(
        quiet.len() >= 10,
        "a latency verdict per model in the quiet windows: {quiet:?}"
    );
    // KS at p < 0.05 raises a false alarm about once in twenty.
    assert!(
        quiet.iter().filter(|d| **d).count() <= 2,
        "quiet windows: {quiet:?}"
    );
    let first = latency("2026-01-01 00:01:20");
    assert!(
        first.len() >= 5 && first.iter().all(|(_, d)| *d),
        "the first drifted window: {first:?}"
    );
    let after = latency("2026-01-01 00:01:40");
    assert!(
        after.iter().filter(|(_, d)| *d).count() <= 2,
        "drifted against drifted: {after:?}"
    );
    for feature in ["output_tokens", "cost_nusd"] {
        let rows = verdicts(&setup, "2026-01-01 00:01:20", feature, false);
        assert!(
            rows.iter().filter(|(_, d)| *d).count() * 2 > rows.len(),
            "{feature}: {rows:?}"
        );
    }
    let report = setup.query(
        "SELECT test, n_ref, n_cur, p_value, threshold, statistic FROM drift_reports \
         WHERE feature = 'latency_ms' AND test = 'ks' AND window_end = toDateTime('2026-01-01 00:01:20', 'UTC') LIMIT 1",
    );
    let row = &report[0];
    assert_eq!(row["threshold"].as_f64(), Some(0.05));
    assert!(row["p_value"].as_f64().is_some_and(|p| p < 0.05), "{row}");
    let psi = setup.count(
        "SELECT count() FROM drift_reports WHERE feature = 'latency_ms' AND test = 'psi' \
         AND window_end = toDateTime('2026-01-01 00:01:20', 'UTC')",
    );
    assert!(psi >= 5, "PSI beside the chosen test");
    let shares = verdicts(&setup, "2026-01-01 00:01:20", "*", false);
    assert!(!shares.is_empty(), "a dataset-level row per model");

    // A baseline of one model's first minute: the window inside it is quiet, every window after
    // the drift is not, and the monitor checks only that model.
    run(
        &[
            "drift",
            "baseline",
            "create",
            "--name",
            "calm",
            "--from",
            START,
            "--to",
            "2026-01-01T00:01:00Z",
            "--filter",
            "model=gpt-4o-mini",
        ],
        &setup,
    );
    run(
        &[
            "monitor",
            "--window",
            "20s",
            "--baseline",
            "calm",
            "--from",
            "2026-01-01T00:00:40Z",
            "--to",
            "2026-01-01T00:01:40Z",
        ],
        &setup,
    );
    let against = |end: &str| verdicts(&setup, end, "latency_ms", true);
    let model = |rows: &[(String, bool)]| rows.iter().map(|(m, _)| m.clone()).collect::<Vec<_>>();
    let quiet = against("2026-01-01 00:01:00");
    assert_eq!(model(&quiet), ["gpt-4o-mini"], "{quiet:?}");
    assert!(!quiet[0].1, "inside the baseline's own stretch: {quiet:?}");
    for end in ["2026-01-01 00:01:20", "2026-01-01 00:01:40"] {
        let rows = against(end);
        assert_eq!(model(&rows), ["gpt-4o-mini"], "{rows:?}");
        assert!(rows[0].1, "against the baseline, {end}: {rows:?}");
    }
    let named = setup.count("SELECT count() FROM drift_reports WHERE baseline = 'calm'");
    assert!(named > 0);
}

/// Embedded mode: the same check over the Parquet store, and the reports land there too.
#[test]
fn embedded_monitor_writes_reports_to_the_parquet_store() {
    let pipeline = EmbeddedPipeline::start(
        "drift-embedded",
        &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\", \"cost\"]")],
    );
    let produce = Command::new(sightline())
        .args(["produce", "--http", &pipeline.ingest_url()])
        .args(DRIFTING)
        .current_dir(repo_root())
        .output()
        .expect("run produce");
    assert!(
        produce.status.success(),
        "{}",
        String::from_utf8_lossy(&produce.stderr)
    );
    let rows = drifting_events()
        .iter()
        .filter(|e| matches!(e["kind"].as_str(), Some("completion" | "response")))
        .count() as u64;
    let sql = |query: &str| pipeline.sql(query);
    let started = std::time::Instant::now();
    loop {
        let n = sql("SELECT count(*) AS n FROM llm_events")
            .first()
            .and_then(|r| r["n"].as_u64());
        if n == Some(rows) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "stored {n:?} of {rows} rows"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    let out = Command::new(sightline())
        .arg("monitor")
        .args(pipeline.store_args())
        .args(["--window", "20s", "--trailing", "20s"])
        .args(["--from", START, "--to", "2026-01-01T00:01:20Z"])
        .output()
        .expect("run the monitor");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let latency = |window_end_ms: i64| -> Vec<bool> {
        sql(&format!(
            "SELECT drifted FROM drift_reports WHERE feature = 'latency_ms' AND test IN ('ks', 'wasserstein') \
             AND CAST(window_end AS BIGINT) = {window_end_ms}"
        ))
        .iter()
        .map(|r| r["drifted"].as_u64() == Some(1))
        .collect()
    };
    // 2026-01-01T00:01:00Z and 00:01:20Z in milliseconds.
    let (quiet, drifted) = (latency(1_767_225_660_000), latency(1_767_225_680_000));
    assert!(
        quiet.len() >= 5 && quiet.iter().filter(|d| **d).count() <= 1,
        "quiet window: {quiet:?}"
    );
    assert!(
        drifted.len() >= 5 && drifted.iter().all(|d| *d),
        "drifted window: {drifted:?}"
    );
}

/// The running monitor: it checks windows as they close on the wall clock and serves the verdicts
/// on /metrics, where a drift that lasts `--consecutive` windows shows as alerting.
#[test]
fn running_monitor_serves_drift_metrics() {
    let pipeline = EmbeddedPipeline::start(
        "drift-live",
        &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\"]")],
    );
    let metrics = free_address();
    let mut monitor = Command::new(sightline())
        .arg("monitor")
        .args(pipeline.store_args())
        .args(["--window", "4s", "--trailing", "8s"])
        .args(["--consecutive", "2", "--listen", &metrics])
        .env("SIGHTLINE__DRIFT__LATENESS", "3s")
        // The injected drift moves latency, output tokens and, through them, finish reasons: 3 of
        // the 7 features the latency evaluator alone fills.
        .env("SIGHTLINE__DRIFT__SHARE", "0.3")
        .env("SIGHTLINE__DRIFT__INTERVAL", "500ms")
        .env("SIGHTLINE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the monitor");
    sightline_e2e::wait_for_listener(&metrics, "the monitor", Duration::from_secs(30));
    // About 200 exchanges a second of event time, sent at about the same pace, so event time
    // keeps up with the wall clock; the traffic drifts 10 s in.
    let produce = Command::new(sightline())
        .args([
            "produce",
            "--http",
            &pipeline.ingest_url(),
            "--count",
            "8000",
            "--rate",
            "370",
        ])
        .args(["--seed", "5", "--drift-at", "10s"])
        .current_dir(repo_root())
        .output()
        .expect("run produce");
    assert!(
        produce.status.success(),
        "{}",
        String::from_utf8_lossy(&produce.stderr)
    );

    let scrape = || -> String {
        let out = Command::new("curl")
            .args(["-sS", &format!("http://{metrics}/metrics")])
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let alerting = |text: &str| {
        text.lines()
            .any(|l| l.starts_with("sightline_drift_alerting{") && l.ends_with(" 1"))
    };
    let waited = std::time::Instant::now();
    let mut text = scrape();
    while !alerting(&text) && waited.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(500));
        text = scrape();
    }
    let _ = monitor.kill();
    let _ = monitor.wait();
    assert!(
        alerting(&text),
        "no model alerting after the drift:\n{text}"
    );
    assert!(text.contains("sightline_drift_share{project="), "{text}");
    let windows = text
        .lines()
        .find_map(|l| l.strip_prefix("sightline_drift_windows_total "))
        .and_then(|v| v.parse::<u64>().ok());
    assert!(windows.is_some_and(|w| w >= 2), "{text}");
}
