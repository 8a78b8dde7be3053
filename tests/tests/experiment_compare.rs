//! `sightline experiment compare` and `GET /v1/experiments/compare`: the same exchanges give the
//! same report from a file (scored into a scratch DataFusion store), from ClickHouse (the
//! aggregates in its own SQL, through Kafka and a pipeline worker) and from the API over an
//! embedded store; bad requests get a message that says what to change.

use std::{collections::HashMap, process::Command, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sightline_e2e::{
    api::{Api, recent_events},
    pipeline::{Setup, as_messages, complete_exchanges, create_topic, publish},
    sightline, unique_name,
};

const EVALUATORS: &str = "[\"latency\",\"cost\"]";

/// Complete exchanges only, so that every request in the file is a stored row in every store, and
/// a rating of -1, 0 or 1 for every fourth of them (the generator's own feedback mostly falls
/// after the last event), twice for some, as a user may rate twice.
fn events(count: usize, seed: u64) -> Vec<Value> {
    let lines = recent_events(count, seed, 30);
    let mut events = complete_exchanges(
        lines
            .iter()
            .map(|l| serde_json::from_str(l).expect("a JSON event"))
            .collect(),
    );
    let requests: Vec<Value> = events
        .iter()
        .filter(|e| e["kind"] == "request" || e["kind"] == "completion")
        .cloned()
        .collect();
    for (i, request) in requests.iter().enumerate().filter(|(i, _)| i % 4 == 0) {
        for again in 0..1 + usize::from(i % 12 == 0) {
            events.push(json!({
                "schema_version": "1",
                "event_id": format!("rating-{i}-{again}"),
                "kind": "feedback",
                "request_id": request["request_id"],
                "timestamp": request["timestamp"],
                "service": request["service"],
                "environment": request["environment"],
                "project": request["project"],
                "feedback": {"score": ((i + again) % 3) as f64 - 1.0},
            }));
        }
    }
    events
}

fn write_events(events: &[Value]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("{}.ndjson", unique_name("experiment")));
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&path, text).expect("write events");
    path
}

fn compare(args: &[&str]) -> Value {
    let out = Command::new(sightline())
        .args(["experiment", "compare", "--json"])
        .args(args)
        .env("SIGHTLINE__EVALUATORS__ENABLED", EVALUATORS)
        .output()
        .expect("run sightline experiment compare");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// Exchanges per arm, counted from the events themselves.
fn exchanges_per_arm(
    events: &[Value],
    arm_of: impl Fn(&Value) -> Option<String>,
) -> HashMap<String, u64> {
    let mut arms = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e["kind"] == "request" || e["kind"] == "completion")
    {
        if let Some(arm) = arm_of(e) {
            *arms.entry(arm).or_default() += 1;
        }
    }
    arms
}

/// Two reports agree: the same arms and counts, and every figure equal to rounding.
#[track_caller]
fn same_report(a: &Value, b: &Value) {
    fn walk(path: &str, a: &Value, b: &Value) {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (x.as_f64().expect("a number"), y.as_f64().expect("a number"));
                assert!(
                    (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-12),
                    "{path}: {x} against {y}"
                );
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{path}: lengths");
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    walk(&format!("{path}[{i}]"), x, y);
                }
            }
            (Value::Object(x), Value::Object(y)) => {
                assert_eq!(
                    x.keys().collect::<Vec<_>>(),
                    y.keys().collect::<Vec<_>>(),
                    "{path}: fields"
                );
                for (k, v) in x {
                    walk(&format!("{path}.{k}"), v, &y[k]);
                }
            }
            _ => assert_eq!(a, b, "{path}"),
        }
    }
    walk("report", a, b);
}

#[track_caller]
fn check_shape(report: &Value, expected: &HashMap<String, u64>, arms: &[&str]) {
    let got: Vec<(&str, u64)> = report["arms"]
        .as_array()
        .expect("the report's documented shape")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().expect("the report's documented shape"),
                a["exchanges"]
                    .as_u64()
                    .expect("the report's documented shape"),
            )
        })
        .collect();
    let want: Vec<(&str, u64)> = arms.iter().map(|a| (*a, expected[*a])).collect();
    assert_eq!(got, want, "{report}");
    let comparisons = report["comparisons"]
        .as_array()
        .expect("the report's documented shape");
    assert_eq!(comparisons.len(), 6 * (arms.len() - 1), "{report}");
    for c in comparisons {
        let Some(d) = c["difference"].as_object() else {
            // Only toxicity, which these runs do not score, and the cost of self-hosted models,
            // which is nothing on either side, leave a test nothing to say.
            let unpriced = c["metric"]
                .as_str()
                .expect("the report's documented shape")
                .starts_with("cost")
                && c["control"] == 0.0
                && c["value"] == 0.0;
            assert!(c["metric"] == "toxicity_rate" || unpriced, "{c}");
            continue;
        };
        let (low, estimate, high) = (
            d["low"].as_f64().expect("the report's documented shape"),
            d["estimate"]
                .as_f64()
                .expect("the report's documented shape"),
            d["high"].as_f64().expect("the report's documented shape"),
        );
        assert!(low <= estimate && estimate <= high, "{c}");
        let p = d["p_value"]
            .as_f64()
            .expect("the report's documented shape");
        assert!((0.0..=1.0).contains(&p), "{c}");
        assert_eq!(c["significant"], p < 0.05, "{c}");
    }
    assert_eq!(report["design"]["horizon"], "fixed");
    assert!(
        report["design"]["note"]
            .as_str()
            .expect("the report's documented shape")
            .contains("Fixed-horizon"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_and_clickhouse_give_the_same_report() {
    let events = events(6_000, 41);
    let file = write_events(&events);
    let input = file.display().to_string();
    let feedback = events.iter().filter(|e| e["kind"] == "feedback").count() as u64;
    let exchanges = exchanges_per_arm(&events, |_| Some(String::new()))[""];

    let setup = Setup::new("experiment_ch");
    create_topic(&setup.topic, 2).await;
    let _worker =
        setup.start_worker_with_env(&[], &[("SIGHTLINE__EVALUATORS__ENABLED", EVALUATORS)]);
    publish(&setup.topic, &as_messages(&events)).await;
    setup.wait_for_count(
        "SELECT count() FROM llm_events",
        exchanges,
        Duration::from_secs(120),
    );
    setup.wait_for_count(
        "SELECT count() FROM feedback",
        feedback,
        Duration::from_secs(60),
    );
    let store = setup.store_args();
    let store: Vec<&str> = store.iter().map(String::as_str).collect();

    let by_version = exchanges_per_arm(&events, |e| {
        e["model"]["version"].as_str().map(str::to_owned)
    });
    let versions = ["--by", "model_version", "--arms", "v1,v2"];
    let from_file = compare(&[&versions[..], &["--input", &input]].concat());
    let from_clickhouse = compare(&[&versions[..], &store[..]].concat());
    check_shape(&from_file, &by_version, &["v1", "v2"]);
    same_report(&from_file, &from_clickhouse);
    let rated = from_file["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["feedback_count"].as_u64().unwrap())
        .sum::<u64>();
    assert!(
        rated > 0,
        "some exchanges of v1 and v2 were rated: {from_file}"
    );

    // Priced models: gpt-4o costs many times what gpt-4o-mini does, and the tests say so.
    let by_model = exchanges_per_arm(&events, |e| e["model"]["name"].as_str().map(str::to_owned));
    let models = ["--by", "model", "--arms", "gpt-4o-mini,gpt-4o"];
    let from_file = compare(&[&models[..], &["--input", &input]].concat());
    let from_clickhouse = compare(&[&models[..], &store[..]].concat());
    check_shape(&from_file, &by_model, &["gpt-4o-mini", "gpt-4o"]);
    same_report(&from_file, &from_clickhouse);
    for metric in ["cost_usd", "cost_per_exchange_usd"] {
        let c = from_file["comparisons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["metric"] == metric)
            .unwrap();
        assert!(c["difference"]["low"].as_f64().unwrap() > 0.0, "{c}");
        assert_eq!(c["significant"], true, "{c}");
    }

    let by_tenant = exchanges_per_arm(&events, |e| {
        e["attributes"]["tenant"].as_str().map(str::to_owned)
    });
    let tenants = ["--by", "attributes.tenant", "--arms", "acme,globex,initech"];
    let from_file = compare(&[&tenants[..], &["--input", &input]].concat());
    let from_clickhouse = compare(&[&tenants[..], &store[..]].concat());
    check_shape(&from_file, &by_tenant, &["acme", "globex", "initech"]);
    same_report(&from_file, &from_clickhouse);

    // A period bounds the exchanges: one that ended before any traffic has none.
    let before = compare(&[&versions[..], &store[..], &["--to", "2020-01-01T00:00:00Z"]].concat());
    assert!(
        before["arms"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["exchanges"] == 0),
        "{before}"
    );
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_over_an_embedded_store_agrees_with_the_file() {
    let events = events(3_000, 43);
    let file = write_events(&events);
    let exchanges = exchanges_per_arm(&events, |_| Some(String::new()))[""];
    let dir = std::env::temp_dir().join(unique_name("experiment_api"));
    let api = Api::start(
        "experiment_api",
        &[
            "--embedded".into(),
            "--data-dir".into(),
            dir.display().to_string(),
        ],
        &[("SIGHTLINE__EVALUATORS__ENABLED", EVALUATORS)],
    );
    let body: String = events.iter().map(|e| format!("{e}\n")).collect();
    let (status, answer) = api
        .call(
            Method::POST,
            "/v1/events",
            Some(&api.ingest),
            Some(body.into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let feedback = events.iter().filter(|e| e["kind"] == "feedback").count() as u64;
    let count = |table: &'static str| {
        let api = &api;
        async move {
            api.sql(&format!("SELECT count(*) AS n FROM {table}"))
                .await
                .first()
                .and_then(|r| r["n"].as_u64())
                .unwrap_or(0)
        }
    };
    for _ in 0..240 {
        if count("llm_events").await == exchanges && count("feedback").await == feedback {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(count("llm_events").await, exchanges);
    assert_eq!(count("feedback").await, feedback);

    let from_api = api
        .get("/v1/experiments/compare?by=model_version&arms=v1,v2")
        .await;
    let from_file = compare(&[
        "--by",
        "model_version",
        "--arms",
        "v1,v2",
        "--input",
        &file.display().to_string(),
    ]);
    let by_version = exchanges_per_arm(&events, |e| {
        e["model"]["version"].as_str().map(str::to_owned)
    });
    check_shape(&from_api, &by_version, &["v1", "v2"]);
    same_report(&from_api, &from_file);

    for (query, says) in [
        ("by=model_version", "arms is required"),
        ("by=service&arms=a,b", "attributes.KEY"),
        ("by=model&arms=a", "two or more"),
        ("by=model&arms=a,b&from=yesterday", "RFC 3339"),
        (
            "by=model&arms=a,b&minimum_detectable_effect=0",
            "positive fraction",
        ),
    ] {
        let (status, body) = api
            .call(
                Method::GET,
                &format!("/v1/experiments/compare?{query}"),
                Some(&api.read),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body.to_string().contains(says), "{query}: {body}");
    }
    let _ = std::fs::remove_file(file);
}

#[test]
fn bad_arguments_are_refused_with_what_to_change() {
    for (args, says) in [
        (
            vec!["--by", "service", "--arms", "a,b", "--embedded"],
            "attributes.KEY",
        ),
        (
            vec!["--by", "model", "--arms", "a", "--embedded"],
            "two or more",
        ),
        (
            vec![
                "--by",
                "model",
                "--arms",
                "a,b",
                "--input",
                "x.ndjson",
                "--from",
                "2026-01-01T00:00:00Z",
            ],
            "the file is the period",
        ),
        (
            vec!["--by", "model", "--arms", "a,b", "--input", "x.csv"],
            "cannot read",
        ),
    ] {
        let out = Command::new(sightline())
            .args(["experiment", "compare"])
            .args(&args)
            .output()
            .expect("run sightline experiment compare");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
