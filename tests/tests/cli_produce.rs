//! `sightline produce` publishes valid, reproducible traffic to the broker and to files.

use std::{collections::HashSet, process::Command, time::Duration};

use rdkafka::Message;
use sightline_e2e::{brokers, repo_root, sightline, unique_name};
use sightline_schemas::{Event, Limits, Payload, decode_event};

fn produce(args: &[&str]) -> std::process::Output {
    let out = Command::new(sightline())
        .arg("produce")
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "produce failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read_events(path: &std::path::Path) -> Vec<Event> {
    let text = std::fs::read_to_string(path).expect("output file");
    text.lines()
        .map(|l| decode_event(l.as_bytes(), &Limits::default()).expect("valid event"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_100k_valid_events_and_reports_the_rate() {
    const COUNT: usize = 100_000;
    let topic = unique_name("produce");
    let count = COUNT.to_string();
    let out = produce(&[
        "--brokers",
        &brokers(),
        "--topic",
        &topic,
        "--count",
        &count,
        "--seed",
        "5",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("produced {COUNT} events to topic {topic}")),
        "{stderr}"
    );
    assert!(stderr.contains("events/s"), "{stderr}");

    let consumer = sightline_e2e::pipeline::read_from_start(&topic);
    let mut event_ids = HashSet::new();
    let limits = Limits::default();
    while event_ids.len() < COUNT {
        let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out after {} events", event_ids.len()))
            .expect("message");
        let event = decode_event(message.payload().expect("payload"), &limits)
            .expect("every event is valid");
        assert_eq!(
            message.key(),
            Some(event.header.request_id.as_bytes()),
            "keyed by request_id"
        );
        assert!(
            event_ids.insert(event.header.event_id),
            "event ids are unique"
        );
    }
}

#[test]
fn same_seed_writes_the_same_file() {
    let dir = std::env::temp_dir().join(unique_name("produce"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = |name: &str| dir.join(name).display().to_string();
    for (name, seed) in [("a.ndjson", "9"), ("b.ndjson", "9"), ("c.ndjson", "10")] {
        produce(&["--out", &path(name), "--count", "2000", "--seed", seed]);
    }
    let read = |name: &str| std::fs::read(dir.join(name)).expect("file");
    assert_eq!(read("a.ndjson"), read("b.ndjson"));
    assert_ne!(read("a.ndjson"), read("c.ndjson"));
    assert_eq!(read_events(&dir.join("a.ndjson")).len(), 2000);
}

#[test]
fn toxic_share_controls_how_many_outputs_come_from_the_corpus() {
    let dir = std::env::temp_dir().join(unique_name("toxic"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let corpus = repo_root().join("../shared/data/davidson/labeled_data.csv");
    let outputs = |share: &str| {
        let file = dir.join(format!("share-{share}.ndjson"));
        produce(&[
            "--out",
            &file.display().to_string(),
            "--count",
            "20000",
            "--seed",
            "1",
            "--toxic-share",
            share,
            "--toxic-corpus",
            &corpus.display().to_string(),
        ]);
        read_events(&file)
            .into_iter()
            .filter_map(|e| match e.payload {
                Payload::Response { response } | Payload::Completion { response, .. } => {
                    response.output
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let benign: HashSet<String> = outputs("0").into_iter().collect();
    assert!(
        benign.len() <= 32,
        "benign traffic draws on a small catalogue"
    );
    let mixed = outputs("0.3");
    let toxic = mixed.iter().filter(|o| !benign.contains(*o)).count() as f64 / mixed.len() as f64;
    assert!((0.25..0.35).contains(&toxic), "toxic share {toxic}");
}

#[test]
fn missing_corpus_is_a_clear_error() {
    let out = Command::new(sightline())
        .args([
            "produce",
            "--out",
            "/dev/null",
            "--count",
            "1",
            "--toxic-share",
            "0.1",
            "--toxic-corpus",
            "/nonexistent.csv",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --toxic-corpus PATH"));
}
