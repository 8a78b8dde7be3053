//! Alert rules end to end: live traffic through the broker and the pipeline into ClickHouse, the
//! monitor evaluating rules over it, and a real HTTP receiver that verifies every signature. A
//! latency regression on one model version goes pending, then firing, and the receiver gets one
//! signed rollback (after two 500s, three attempts); a restarted monitor does not call again; the
//! recovery resolves the alert and sends the resolved notice; a target off the allowlist is
//! refused; forged and stale requests are refused by the receiver.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rdkafka::{
    ClientConfig,
    producer::{FutureProducer, FutureRecord},
};
use serde_json::json;
use sightline_alerts::webhook::{Secret, sign};
use sightline_e2e::{
    brokers,
    monitor::Monitor,
    pipeline::{Setup, completion, create_topic},
    receiver::Receiver,
    unique_name,
};
use sightline_schemas::Timestamp;

const SECRET: &str = "e2e-webhook-secret";
const ROLLBACK: &str = "/admin/models/chat/rollback";

/// What the traffic looks like now: the version serving and its latency.
type Traffic = Arc<Mutex<(&'static str, f64)>>;

/// Publishes a completion every 50 ms with the current time, until the test ends.
fn start_traffic(topic: &str, traffic: Traffic) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    let topic = topic.to_owned();
    tokio::spawn(async move {
        for i in 0u64.. {
            let (version, latency) = *traffic.lock().expect("traffic");
            let id = format!("req-{i}");
            let event = completion(
                &id,
                &Timestamp::now().to_rfc3339(),
                "alerts",
                ("chat", version),
                json!({"status": "ok", "output": "Hi", "timings": {"latency_ms": latency}}),
            );
            let payload = serde_json::to_vec(&event).expect("json");
            let _ = producer
                .send(
                    FutureRecord::to(&topic).key(&id).payload(&payload),
                    Duration::from_secs(5),
                )
                .await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}

fn rules_file(receiver: &Receiver) -> PathBuf {
    let base = &receiver.base;
    let path = std::env::temp_dir().join(format!("{}.toml", unique_name("rules")));
    let text = format!(
        r#"
[[rules]]
name = "slow-version"
expr = 'p99(latency_ms){{model="chat"}} > 2000'
window = "10s"
for = "4s"
severity = "critical"
annotations = {{ summary = "p99 latency of {{model}} {{version}} is {{value}} ms" }}
action = {{ kind = "rollback", url = "{base}/admin/models/{{model}}/rollback" }}

[[rules]]
name = "slow-version-notice"
expr = 'p99(latency_ms){{model="chat"}} > 2000'
window = "10s"
for = "4s"
action = {{ kind = "notify", url = "{base}/notify", send_resolved = true }}

[[rules]]
name = "off-the-list"
expr = 'requests{{model="chat"}} > 0'
window = "10s"
action = {{ kind = "notify", url = "http://192.0.2.1:9/hook" }}
"#
    );
    std::fs::write(&path, text).expect("write rules");
    path
}

fn start_monitor(setup: &Setup, rules: &Path, log: PathBuf) -> Monitor {
    let mut args = setup.store_args();
    args.extend(["--rules".into(), rules.display().to_string()]);
    let env = [
        ("SIGHTLINE_WEBHOOK_SECRET", SECRET),
        ("SIGHTLINE__ALERTS__INTERVAL", "1s"),
        ("SIGHTLINE__ALERTS__BACKOFF", "300ms"),
        ("SIGHTLINE__ALERTS__ALLOWED_HOSTS", "[\"127.0.0.1\"]"),
    ];
    Monitor::start(&args, &env, log)
}

async fn wait_until(
    what: &str,
    timeout: Duration,
    log: &dyn Fn() -> String,
    mut done: impl FnMut() -> bool,
) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < timeout,
            "timed out waiting for {what}; monitor log:\n{}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn transitions(setup: &Setup, rule: &str) -> Vec<(String, String, f64)> {
    setup
        .query(&format!(
            "SELECT from_state, to_state, toFloat64(toUnixTimestamp(time)) AS t FROM alert_events \
             WHERE rule = '{rule}' ORDER BY time, to_state"
        ))
        .into_iter()
        .map(|r| {
            (
                r["from_state"].as_str().unwrap_or_default().to_owned(),
                r["to_state"].as_str().unwrap_or_default().to_owned(),
                r["t"].as_f64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Posts a body with the given signature headers to the receiver; returns the HTTP status.
fn post(url: &str, timestamp: i64, signature: &str, body: &str) -> String {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            url,
        ])
        .args(["-H", &format!("x-sightline-timestamp: {timestamp}")])
        .args(["-H", &format!("x-sightline-signature: {signature}")])
        .args(["--data-binary", body])
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_regression_rolls_back_once_and_resolves() {
    let setup = Setup::new("alerts");
    create_topic(&setup.topic, 2).await;
    let _worker = setup.start_worker_with_env(
        &[],
        &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\", \"cost\"]")],
    );
    let receiver = Receiver::start(SECRET).await;
    receiver.reply(
        ROLLBACK,
        json!({"model": "chat", "active_version": "v1", "previous_version": "v2"}),
    );
    receiver.fail_next(ROLLBACK, 2);
    let rules = rules_file(&receiver);
    let log = std::env::temp_dir().join(format!("{}.log", unique_name("monitor")));

    let traffic: Traffic = Arc::new(Mutex::new(("v1", 120.0)));
    start_traffic(&setup.topic, traffic.clone());
    let no_log = || String::new();
    wait_until(
        "the first rows in ClickHouse",
        Duration::from_secs(120),
        &no_log,
        || {
            setup
                .try_count("SELECT count() FROM llm_events")
                .unwrap_or(0)
                > 0
        },
    )
    .await;

    let monitor = start_monitor(&setup, &rules, log.clone());
    let monitor_log = || std::fs::read_to_string(&log).unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        receiver.calls(ROLLBACK).is_empty(),
        "no rollback while v1 is fast"
    );
    assert!(transitions(&setup, "slow-version").is_empty());

    // v2 ships with a latency regression.
    *traffic.lock().expect("traffic") = ("v2", 3_000.0);
    let regressed = Instant::now();
    wait_until(
        "the rollback to succeed",
        Duration::from_secs(60),
        &monitor_log,
        || receiver.calls(ROLLBACK).iter().any(|c| c.status == 200),
    )
    .await;
    let took = regressed.elapsed();
    // 10 s window, 4 s `for`, 1 s rounds, two retries and the pipeline's own delay.
    assert!(took < Duration::from_secs(30), "rollback took {took:?}");

    let calls = receiver.calls(ROLLBACK);
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [500, 500, 200], "{calls:#?}");
    assert!(calls.iter().all(|c| c.refused.is_none()), "{calls:#?}");
    let keys: std::collections::HashSet<_> =
        calls.iter().map(|c| c.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), 1, "one notification, retried: {keys:?}");
    assert!(keys.iter().all(Option::is_some));
    let body = &calls[2].body;
    assert_eq!(body["version"], "4");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["alerts"][0]["labels"]["alertname"], "slow-version");
    assert_eq!(body["alerts"][0]["labels"]["version"], "v2");
    assert_eq!(body["alerts"][0]["labels"]["severity"], "critical");
    let summary = body["alerts"][0]["annotations"]["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(
        summary.starts_with("p99 latency of chat v2 is 3000"),
        "{summary}"
    );
    let extra = &body["sightline"];
    assert_eq!(extra["action"], "rollback");
    assert_eq!(extra["model"], "chat");
    assert_eq!(extra["current_version"], "v2");
    assert_eq!(extra["target_version"], "v1");
    assert!(
        extra["evidence"]["value"].as_f64().unwrap_or_default() > 2000.0,
        "{extra}"
    );
    let sql = extra["evidence"]["sql"].as_str().unwrap_or_default();
    assert!(sql.contains("quantile(0.99)(latency_ms)"), "{sql}");

    // The state machine's trail: pending, then firing no sooner than `for` later.
    let trail = transitions(&setup, "slow-version");
    let pending = trail.iter().find(|t| t.1 == "pending").expect("pending").2;
    let firing = trail.iter().find(|t| t.1 == "firing").expect("firing").2;
    assert_eq!(trail[0].0, "inactive", "{trail:?}");
    assert!(firing - pending >= 4.0, "{trail:?}");
    // Three attempts, in the log and in webhook_deliveries, the last confirming the rollback.
    wait_until(
        "the attempts to be stored",
        Duration::from_secs(20),
        &monitor_log,
        || {
            setup.try_count("SELECT count() FROM webhook_deliveries WHERE rule = 'slow-version'")
                == Some(3)
        },
    )
    .await;
    let attempts = setup.query(
        "SELECT attempt, ok, status_code, detail FROM webhook_deliveries WHERE rule = 'slow-version' ORDER BY attempt",
    );
    assert_eq!(
        attempts[2]["detail"], "confirmed: active version v1 (was v2)",
        "{attempts:?}"
    );
    let logged = monitor_log()
        .lines()
        .filter(|l| l.contains("webhook attempt") && l.contains("rule=slow-version "))
        .count();
    assert_eq!(logged, 3, "{}", monitor_log());
    let metrics = monitor.metrics();
    assert!(
        metrics.lines().any(|l| l.starts_with("ALERTS{")
            && l.contains("alertname=\"slow-version\"")
            && l.contains("alertstate=\"firing\"")
            && l.contains("version=\"v2\"")),
        "{metrics}"
    );

    // A target off the allowlist is refused without a request.
    wait_until(
        "the refused delivery",
        Duration::from_secs(20),
        &monitor_log,
        || {
            setup.try_count(
                "SELECT count() FROM webhook_deliveries WHERE rule = 'off-the-list' AND ok = 0 \
             AND position(error, 'not on the webhook allowlist') > 0",
            ) >= Some(1)
        },
    )
    .await;

    // A restart while firing calls nobody again.
    monitor.stop();
    let notices_before = receiver.calls("/notify").len();
    assert_eq!(notices_before, 1, "the firing notice");
    let monitor = start_monitor(&setup, &rules, log.clone());
    wait_until(
        "the restarted monitor",
        Duration::from_secs(30),
        &monitor_log,
        || monitor_log().matches("alert rules loaded").count() == 2,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        receiver.calls(ROLLBACK).len(),
        3,
        "no second rollback after the restart"
    );
    assert_eq!(
        receiver.calls("/notify").len(),
        1,
        "no second notice after the restart"
    );
    assert!(
        // Both slow-version rules, and off-the-list for v1 and for v2.
        monitor_log().contains("firing=4"),
        "the restarted monitor took the firing alerts back: {}",
        monitor_log()
    );

    // The rollback took: v1 serves again, v2's latency leaves the window, the alert resolves.
    *traffic.lock().expect("traffic") = ("v1", 120.0);
    wait_until(
        "the resolved notice",
        Duration::from_secs(60),
        &monitor_log,
        || {
            receiver
                .calls("/notify")
                .iter()
                .any(|c| c.body["status"] == "resolved")
        },
    )
    .await;
    let resolved = receiver
        .calls("/notify")
        .into_iter()
        .find(|c| c.body["status"] == "resolved")
        .expect("resolved");
    assert!(resolved.refused.is_none());
    assert_ne!(resolved.body["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
    let trail = transitions(&setup, "slow-version");
    assert_eq!(
        trail.last().map(|t| (t.0.as_str(), t.1.as_str())),
        Some(("firing", "resolved")),
        "{trail:?}"
    );
    assert_eq!(
        trail.iter().filter(|t| t.1 == "firing").count(),
        1,
        "fired once: {trail:?}"
    );
    assert_eq!(receiver.calls(ROLLBACK).len(), 3);
    monitor.stop();

    // Receivers refuse what the monitor did not sign, and what it signed too long ago.
    let url = format!("{}/forged", receiver.base);
    let now = Timestamp::now().millis() / 1000;
    let secret = Secret::new(SECRET).expect("secret");
    let body = r#"{"status":"firing"}"#;
    assert_eq!(
        post(
            &url,
            now,
            &sign(&Secret::new("wrong").expect("secret"), now, body.as_bytes()),
            body
        ),
        "401"
    );
    assert_eq!(
        post(
            &url,
            now - 600,
            &sign(&secret, now - 600, body.as_bytes()),
            body
        ),
        "401"
    );
    assert_eq!(
        post(&url, now, &sign(&secret, now, body.as_bytes()), body),
        "200"
    );
    let refused: Vec<Option<String>> = receiver
        .calls("/forged")
        .into_iter()
        .map(|c| c.refused)
        .collect();
    assert!(
        refused[0]
            .as_deref()
            .is_some_and(|r| r.contains("no v1 signature")),
        "{refused:?}"
    );
    assert!(
        refused[1]
            .as_deref()
            .is_some_and(|r| r.contains("from now")),
        "{refused:?}"
    );
    assert_eq!(refused[2], None);
}
