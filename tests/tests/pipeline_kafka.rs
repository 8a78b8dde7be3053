//! `sightline pipeline` from the real broker to the real ClickHouse: the join, at-least-once
//! delivery across crashes and rebalances, and the dead-letter queue.

use std::{collections::HashMap, time::Duration};

use rdkafka::{
    ClientConfig, Message,
    consumer::{Consumer, StreamConsumer},
    message::Headers,
};
use serde_json::{Value, json};
use sightline_e2e::{
    brokers,
    pipeline::{Setup, as_messages, complete_exchanges, create_topic, generate, publish},
    unique_name,
};
use sightline_schemas::Timestamp;

const ROWS: &str = "SELECT count() AS n FROM llm_events";
const WAIT: Duration = Duration::from_secs(240);
/// How long a restarted worker may take to be given its partitions back and catch up.
const RECOVERY: Duration = Duration::from_secs(480);

fn millis(ts: &Value) -> i64 {
    match ts {
        Value::String(s) => Timestamp::parse_rfc3339(s).expect("timestamp").millis(),
        other => other.as_i64().expect("epoch ms"),
    }
}

/// Rows the events must produce: one per completion and one per request/response pair.
fn expected_rows(events: &[Value]) -> u64 {
    events
        .iter()
        .filter(|e| matches!(e["kind"].as_str(), Some("completion" | "response")))
        .count() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_200k_events_with_correct_latencies() {
    let setup = Setup::new("join");
    let mut events = complete_exchanges(generate(200_000, 11));
    // Half the responses lose their own latency, so the pipeline must derive it from the pair.
    let mut requests: HashMap<String, i64> = HashMap::new();
    let mut expected: HashMap<String, f64> = HashMap::new();
    for (i, e) in events.iter_mut().enumerate() {
        let id = e["request_id"].as_str().expect("id").to_owned();
        match e["kind"].as_str() {
            Some("request") => {
                requests.insert(id, millis(&e["timestamp"]));
            }
            Some("response") if i % 2 == 0 => {
                e["response"]["timings"]
                    .as_object_mut()
                    .expect("timings")
                    .remove("latency_ms");
                expected.insert(id.clone(), (millis(&e["timestamp"]) - requests[&id]) as f64);
            }
            Some("response" | "completion") => {
                let latency = e["response"]["timings"]["latency_ms"].as_f64();
                expected.insert(id, latency.expect("generated latency"));
            }
            _ => {}
        }
    }
    let rows = expected_rows(&events);
    assert_eq!(rows as usize, expected.len());
    create_topic(&setup.topic, 6).await;
    publish(&setup.topic, &as_messages(&events)).await;

    let worker = setup.start_worker(&[]);
    setup.wait_for_count(ROWS, rows, WAIT);
    assert_eq!(
        setup.count("SELECT uniqExact(request_id) AS n FROM llm_events"),
        rows,
        "one row per exchange"
    );
    assert_eq!(
        setup.count("SELECT count() AS n FROM llm_events WHERE status IN ('lost', 'orphan')"),
        0
    );
    let feedback = events.iter().filter(|e| e["kind"] == "feedback").count() as u64;
    setup.wait_for_count("SELECT count() AS n FROM feedback", feedback, WAIT);

    let stored = setup.query("SELECT request_id, latency_ms FROM llm_events");
    let mut wrong = 0;
    for row in &stored {
        let want = expected[row["request_id"].as_str().expect("id")];
        if (row["latency_ms"].as_f64().expect("latency") - want).abs() > 1e-6 {
            wrong += 1;
        }
    }
    assert_eq!(
        wrong,
        0,
        "{wrong} of {} latencies differ from their pair",
        stored.len()
    );
    worker.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_loses_nothing_and_hides_duplicates() {
    let setup = Setup::new("crash");
    let events = complete_exchanges(generate(60_000, 12));
    let rows = expected_rows(&events);
    let (first, second) = events.split_at(events.len() / 2);
    create_topic(&setup.topic, 6).await;
    publish(&setup.topic, &as_messages(first)).await;

    // A stable instance id, as a deployment gives each worker (its pod name, say): the restarted
    // worker reclaims its partitions at once. Without one the group must first notice the death,
    // and the test broker (Tansu 0.6) then assigns the partitions to the dead member.
    let same_worker = [("SIGHTLINE__KAFKA__INSTANCE_ID", "crash-worker")];
    let worker = setup.start_worker_with_env(&[], &same_worker);
    setup.wait_for_at_least(ROWS, 1_000, WAIT);
    worker.kill_9();
    publish(&setup.topic, &as_messages(second)).await;

    let worker = setup.start_worker_with_env(&[], &same_worker);
    // The test asserts that nothing is lost, not how fast the group recovers: under load (the
    // tests of this file run side by side) Tansu has once taken three and a half minutes to hand
    // the returning static member its partitions, where it usually takes six seconds.
    setup.wait_for_count(ROWS, rows, RECOVERY);
    let raw = setup.count("SELECT count() AS n FROM llm_events_raw");
    assert!(raw >= rows, "raw rows {raw} < {rows}");
    assert_eq!(
        setup.count("SELECT uniqExact(event_id) AS n FROM llm_events"),
        rows,
        "the view shows each once"
    );
    worker.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_partitions_and_one_leaves() {
    let setup = Setup::new("group");
    let events = complete_exchanges(generate(80_000, 13));
    let rows = expected_rows(&events);
    create_topic(&setup.topic, 6).await;

    let mut a = setup.start_worker(&[]);
    let mut b = setup.start_worker(&[]);
    let (first, second) = events.split_at(events.len() / 2);
    publish(&setup.topic, &as_messages(first)).await;
    setup.wait_for_at_least(ROWS, 1_000, WAIT);
    // Both must hold partitions before one leaves: the scenario is a member leaving a settled
    // group, not one leaving while the group is still forming.
    let started = std::time::Instant::now();
    let reading = |w: &sightline_e2e::pipeline::Worker| {
        w.metric("sightline_events_in_total")
            .is_some_and(|n| n > 0.0)
    };
    while !(reading(&a) && reading(&b)) {
        a.assert_running();
        b.assert_running();
        assert!(
            started.elapsed() < WAIT,
            "both workers never received partitions"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    a.stop();
    publish(&setup.topic, &as_messages(second)).await;
    setup.wait_for_count(ROWS, rows, WAIT);
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_go_to_the_dlq_and_neighbours_land() {
    let setup = Setup::new("dlq");
    let good = complete_exchanges(generate(400, 14));
    let completion = good
        .iter()
        .find(|e| e["kind"] == "completion")
        .expect("a completion")
        .clone();
    let request = good
        .iter()
        .find(|e| e["kind"] == "request")
        .expect("a request")
        .clone();
    let mut wrong_type = completion.clone();
    wrong_type["event_id"] = json!("bad-type");
    wrong_type["request_id"] = json!("req-bad-type");
    wrong_type["response"]["usage"]["output_tokens"] = json!("12a");
    let mut missing_id = completion.clone();
    missing_id
        .as_object_mut()
        .expect("object")
        .remove("event_id");
    let mut future_version = completion.clone();
    future_version["schema_version"] = json!("2");
    future_version["request_id"] = json!("req-v2");
    let mut conflicting = request.clone();
    conflicting["event_id"] = json!("evt-conflicting");
    let mut oversized = completion.clone();
    oversized["request_id"] = json!("req-big");
    oversized["request"]["prompt"] = json!("x".repeat(200_000));

    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("bad_json", b"{\"schema_version\": \"1\", ".to_vec()),
        ("wrong_type", serde_json::to_vec(&wrong_type).expect("json")),
        ("too_large", serde_json::to_vec(&oversized).expect("json")),
        ("bad_utf8", b"{\"event_id\": \"\xff\xfe\"}".to_vec()),
        (
            "missing_field",
            serde_json::to_vec(&missing_id).expect("json"),
        ),
        (
            "schema_version",
            serde_json::to_vec(&future_version).expect("json"),
        ),
        // A second, different request under an id already used: rejected; the original joins.
        ("duplicate", serde_json::to_vec(&conflicting).expect("json")),
    ];
    let mut messages = as_messages(&good);
    let (duplicate, malformed) = bad.split_last().expect("cases");
    let middle = messages.len() / 2;
    for (i, (_, payload)) in malformed.iter().enumerate() {
        messages.insert(middle + i * 7, (Some(format!("bad-{i}")), payload.clone()));
    }
    // The copy must follow its original on the same partition, so it takes the same key.
    messages.push((
        request["request_id"].as_str().map(str::to_owned),
        duplicate.1.clone(),
    ));

    create_topic(&setup.topic, 3).await;
    publish(&setup.topic, &messages).await;
    let worker = setup.start_worker(&["--max-event-bytes", "100000"]);
    setup.wait_for_count(ROWS, expected_rows(&good), WAIT);
    setup.wait_for_count(
        "SELECT count() AS n FROM dead_letters",
        bad.len() as u64,
        WAIT,
    );
    for (class, _) in &bad {
        let n = setup.count(&format!(
            "SELECT count() AS n FROM dead_letters WHERE reason_class = '{class}'"
        ));
        assert_eq!(n, 1, "one dead letter of class {class}");
    }
    let reason = setup.query("SELECT reason FROM dead_letters WHERE reason_class = 'wrong_type'");
    assert_eq!(
        reason[0]["reason"],
        r#"response.usage.output_tokens: expected unsigned integer, got "12a""#
    );

    // The dead-letter topic holds the original bytes with the reason as a header.
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("group.id", unique_name("dlq-reader"))
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("consumer");
    consumer
        .subscribe(&[&format!("{}.dlq", setup.topic)])
        .expect("subscribe");
    let mut seen = 0;
    while seen < bad.len() {
        let m = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .expect("dlq message")
            .expect("ok");
        let headers = m.headers().expect("headers");
        let reason = headers
            .iter()
            .find(|h| h.key == "sightline.reason")
            .and_then(|h| h.value)
            .expect("reason header");
        assert!(!reason.is_empty());
        let payload = m.payload().expect("payload");
        assert!(
            bad.iter().any(|(_, p)| p.as_slice() == payload),
            "original bytes are kept"
        );
        seen += 1;
    }
    worker.stop();
}
