//! Alert rules on the embedded store: errors sent over HTTP ingest make an `error_rate` rule fire
//! once; its transitions and attempts land in Parquet, a restarted monitor rebuilds its state from
//! them and calls nobody again, and a second monitor on the same data directory refuses to start.

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::json;
use sightline_e2e::{
    embedded::EmbeddedPipeline, monitor::Monitor, pipeline::completion, receiver::Receiver,
    unique_name,
};
use sightline_schemas::Timestamp;

const SECRET: &str = "embedded-webhook-secret";

/// Posts five failed exchanges with the current time every 300 ms until `stop`.
fn send_errors(url: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let body: String = (0..5)
                .map(|_| {
                    n += 1;
                    let event = completion(
                        &format!("req-{n}"),
                        &Timestamp::now().to_rfc3339(),
                        "embedded",
                        ("chat", "v1"),
                        json!({"status": "error", "error": {"type": "overloaded"}, "timings": {"latency_ms": 10.0}}),
                    );
                    format!("{event}\n")
                })
                .collect();
            let _ = Command::new("curl")
                .args([
                    "-fsS",
                    "-o",
                    "/dev/null",
                    "-X",
                    "POST",
                    "--data-binary",
                    &body,
                    &url,
                ])
                .status();
            std::thread::sleep(Duration::from_millis(300));
        }
    })
}

async fn wait_until(what: &str, monitor: &Monitor, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}; monitor log:\n{}",
            monitor.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_rate_fires_once_across_a_restart() {
    let pipeline = EmbeddedPipeline::start(
        "alerts",
        &[
            ("SIGHTLINE__PIPELINE__BATCH_AGE", "100ms"),
            ("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\"]"),
        ],
    );
    let data_dir = pipeline.data_dir.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let sender = send_errors(pipeline.ingest_url(), stop.clone());

    let receiver = Receiver::start(SECRET).await;
    let rules = format!("{data_dir}-rules.yaml");
    std::fs::write(
        &rules,
        format!(
            "rules:\n  - name: failing\n    expr: error_rate{{model=\"chat\"}} > 0.5\n    window: 10s\n    min_samples: 5\n    action:\n      kind: notify\n      url: {}/page\n",
            receiver.base
        ),
    )
    .expect("write rules");
    let args: Vec<String> = ["--embedded", "--data-dir", &data_dir, "--rules", &rules]
        .map(String::from)
        .to_vec();
    let env = [
        ("SIGHTLINE_WEBHOOK_SECRET", SECRET),
        ("SIGHTLINE__ALERTS__INTERVAL", "1s"),
    ];
    let log = std::env::temp_dir().join(format!("{}.log", unique_name("monitor")));
    let monitor = Monitor::start(&args, &env, log.clone());
    wait_until("the page", &monitor, || !receiver.calls("/page").is_empty()).await;
    let call = &receiver.calls("/page")[0];
    assert!(call.refused.is_none(), "{call:?}");
    assert_eq!(call.body["status"], "firing");
    assert_eq!(call.body["sightline"]["evidence"]["value"], 1.0);
    assert!(
        call.body["sightline"]["evidence"]["sql"]
            .as_str()
            .is_some_and(|s| s.contains("CAST(request_time AS BIGINT)")),
        "DataFusion's dialect: {}",
        call.body
    );
    wait_until("the attempt in Parquet", &monitor, || {
        !pipeline
            .sql("SELECT ok FROM webhook_deliveries WHERE rule = 'failing' AND ok = 1")
            .is_empty()
    })
    .await;

    // Only one monitor per data directory.
    let second = Monitor::start(&args, &env, log.with_extension("second"));
    let status = second.wait();
    assert!(!status.success());
    let refusal = std::fs::read_to_string(log.with_extension("second")).unwrap_or_default();
    assert!(refusal.contains("another monitor is running"), "{refusal}");

    monitor.stop();
    let monitor = Monitor::start(&args, &env, log.clone());
    wait_until("the restart", &monitor, || {
        monitor
            .log()
            .contains("alert rules loaded rules=1 firing=1")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        receiver.calls("/page").len(),
        1,
        "no second page after the restart"
    );
    let trail =
        pipeline.sql("SELECT from_state, to_state FROM alert_events WHERE rule = 'failing'");
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0]["to_state"], "firing");
    monitor.stop();

    stop.store(true, Ordering::Relaxed);
    let _ = sender.join();
}
