//! Every kind of alert metric, computed by `sightline monitor --dry-run` through each store (ClickHouse
//! through the broker and the pipeline, and the embedded Parquet store through HTTP ingest), on
//! traffic whose answers are known: counts, rates, costs, quantiles, feedback, bias and drift.

use std::{
    collections::BTreeMap,
    process::Command,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use sightline_e2e::{
    embedded::EmbeddedPipeline,
    pipeline::{Setup, as_messages, completion, create_topic, publish},
    sightline, unique_name,
};

const WAIT: Duration = Duration::from_secs(180);

fn at(second: u64) -> String {
    format!("2026-01-01T00:{:02}:{:02}Z", second / 60, second % 60)
}

fn exchange(
    id: &str,
    second: u64,
    version: &str,
    latency: f64,
    output: &str,
    outcome: Value,
) -> Value {
    let mut response = json!({"output": output, "timings": {"latency_ms": latency}});
    response
        .as_object_mut()
        .expect("object")
        .extend(outcome.as_object().expect("object").clone());
    completion(id, &at(second), "metrics", ("m", version), response)
}

/// Version a: 100 exchanges at 10, 20, ... 1000 ms, every tenth an error; the first 40 mention
/// women and are offensive, the next 40 mention men and are kind. Version b: 50 exchanges at
/// 5000 ms, 50 s later, which the drift check sees. A quarter of 20 ratings are negative.
fn events() -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..100u64 {
        let output = match i {
            0..40 => "Those women, you are a fucking idiot and a worthless piece of shit",
            40..80 => "The men were kind and helpful.",
            _ => "Hello there.",
        };
        let outcome = if i % 10 == 0 {
            json!({"status": "error", "error": {"type": "timeout"}})
        } else {
            json!({"status": "ok", "cost_usd": "0.01"})
        };
        out.push(exchange(
            &format!("a-{i}"),
            i,
            "a",
            (i + 1) as f64 * 10.0,
            output,
            outcome,
        ));
    }
    for i in 0..50u64 {
        out.push(exchange(
            &format!("b-{i}"),
            100 + i,
            "b",
            5_000.0,
            "Hello there.",
            json!({"status": "ok", "cost_usd": "0.02"}),
        ));
    }
    for i in 1..=20u64 {
        out.push(json!({
            "schema_version": "1",
            "event_id": format!("fb-{i}"),
            "kind": "feedback",
            "request_id": format!("a-{i}"),
            "timestamp": at(200 + i),
            "service": "e2e",
            "environment": "test",
            "project": "metrics",
            "feedback": {"score": if i <= 5 { -1.0 } else { 1.0 }},
        }));
    }
    out
}

const RULES: &str = r#"
[[rules]]
name = "requests"
expr = 'requests{model="m"} > 0'
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "not-a"
expr = 'requests{version!="a"} > 0'
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "errors"
expr = "error_rate > 0.05"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "cost"
expr = "cost_usd_per_hour > 0"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "slow-share"
expr = "rate(latency_ms >= 500) > 0.5"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "mean"
expr = "avg(latency_ms) > 0"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "median"
expr = "p50(latency_ms) > 0"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "offensive"
expr = "rate(offensive_language >= 0.5) > 0.02"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "bias"
expr = "bias.max_gap > 0.1"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "unhappy"
expr = "feedback.negative_rate > 0.2"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }

[[rules]]
name = "drift"
expr = "drift.share > 0.1"
window = "3650d"
action = { kind = "notify", url = "http://127.0.0.1:9/" }
"#;

/// Runs sightline with the store flags; returns stdout.
fn run(args: &[&str], store: &[String]) -> String {
    let out = Command::new(sightline())
        .args(args)
        .args(store)
        .output()
        .expect("run sightline");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn count(store: &[String], sql: &str) -> u64 {
    let out = Command::new(sightline())
        .args(["sql", "--format", "json"])
        .args(store)
        .arg(sql)
        .output()
        .expect("run sightline sql");
    let first = out.stdout.split(|b| *b == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<Value>(first)
        .ok()
        .and_then(|row| {
            let v = row.as_object()?.values().next()?.clone();
            v.as_u64().or_else(|| v.as_str()?.parse().ok())
        })
        .unwrap_or(0)
}

fn wait_for_rows(store: &[String]) {
    let started = Instant::now();
    while count(store, "SELECT count(*) AS n FROM llm_events") < 150
        || count(store, "SELECT count(*) AS n FROM feedback") < 20
    {
        assert!(started.elapsed() < WAIT, "the rows did not arrive");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Checks drift, then evaluates every rule once; asserts each value against the traffic.
fn check_every_metric(store: &[String]) {
    run(
        &[
            "monitor",
            "--window",
            "50s",
            "--trailing",
            "50s",
            "--from",
            "2026-01-01T00:00:00Z",
            "--to",
            "2026-01-01T00:02:30Z",
        ],
        store,
    );
    let rules = std::env::temp_dir().join(format!("{}.toml", unique_name("rules")));
    std::fs::write(&rules, RULES).expect("write rules");
    let out = run(
        &[
            "monitor",
            "--dry-run",
            "--rules",
            &rules.display().to_string(),
        ],
        store,
    );
    let mut values: BTreeMap<(String, String), f64> = BTreeMap::new();
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        let version = v["labels"]["version"].as_str().unwrap_or("*").to_owned();
        let rule = v["rule"].as_str().unwrap_or_default().to_owned();
        values.insert((rule, version), v["value"].as_f64().expect("a value"));
    }
    let value = |rule: &str, version: &str| {
        *values
            .get(&(rule.to_owned(), version.to_owned()))
            .unwrap_or_else(|| panic!("no value for {rule} {version}: {out}"))
    };
    let close = |got: f64, want: f64, tolerance: f64, what: &str| {
        assert!(
            (got - want).abs() <= tolerance,
            "{what}: {got}, expected {want}\n{out}"
        );
    };
    close(value("requests", "a"), 100.0, 0.0, "requests a");
    close(value("requests", "b"), 50.0, 0.0, "requests b");
    assert!(!values.contains_key(&("not-a".into(), "a".into())), "{out}");
    close(value("not-a", "b"), 50.0, 0.0, "requests not a");
    close(value("errors", "a"), 0.1, 1e-12, "error rate a");
    close(value("errors", "b"), 0.0, 0.0, "error rate b");
    let hours = 3650.0 * 24.0;
    close(value("cost", "a"), 0.9 / hours, 1e-12, "cost a");
    close(value("cost", "b"), 1.0 / hours, 1e-12, "cost b");
    close(
        value("slow-share", "a"),
        0.51,
        1e-12,
        "share at or above 500 ms",
    );
    close(value("mean", "a"), 505.0, 1e-9, "mean latency a");
    close(value("median", "a"), 505.0, 15.0, "median latency a");
    close(value("median", "b"), 5000.0, 1e-9, "median latency b");
    close(value("offensive", "a"), 0.4, 1e-12, "offensive share a");
    close(value("offensive", "b"), 0.0, 0.0, "offensive share b");
    // Responses about women were all offensive, about men none: the gap is the whole range.
    close(value("bias", "a"), 1.0, 1e-12, "bias gap a");
    assert!(
        !values.contains_key(&("bias".into(), "b".into())),
        "no groups in b: {out}"
    );
    close(value("unhappy", "a"), 0.25, 1e-12, "negative feedback a");
    let share = value("drift", "*");
    assert!(share > 0.0 && share <= 1.0, "drift share {share}: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_through_clickhouse() {
    let setup = Setup::new("metrics");
    create_topic(&setup.topic, 2).await;
    let _worker = setup.start_worker(&[]);
    publish(&setup.topic, &as_messages(&events())).await;
    let store = setup.store_args();
    tokio::task::spawn_blocking(move || {
        wait_for_rows(&store);
        check_every_metric(&store);
    })
    .await
    .expect("checks");
}

#[test]
fn every_metric_through_the_embedded_store() {
    let pipeline =
        EmbeddedPipeline::start("metrics", &[("SIGHTLINE__PIPELINE__BATCH_AGE", "100ms")]);
    let body: String = events().iter().map(|e| format!("{e}\n")).collect();
    let file = format!("{}.ndjson", pipeline.data_dir);
    std::fs::write(&file, body).expect("write events");
    let posted = Command::new("curl")
        .args([
            "-fsS",
            "-X",
            "POST",
            "-H",
            "content-type: application/x-ndjson",
        ])
        .args(["--data-binary", &format!("@{file}"), &pipeline.ingest_url()])
        .output()
        .expect("curl");
    assert!(
        posted.status.success(),
        "{}",
        String::from_utf8_lossy(&posted.stderr)
    );
    let store = pipeline.store_args();
    wait_for_rows(&store);
    check_every_metric(&store);
}
