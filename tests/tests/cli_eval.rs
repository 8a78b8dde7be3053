//! `sightline eval` over a file: events are joined as the pipeline joins them and every exchange
//! gets one output row with its request_id and the evaluator columns; invalid events are reported
//! and skipped.

use std::{collections::HashSet, process::Command};

use sightline_e2e::{pipeline::generate, sightline, unique_name};

#[test]
fn scores_every_exchange_of_a_file() {
    let events = generate(3_000, 21);
    let exchanges: HashSet<String> = events
        .iter()
        .filter(|e| e["kind"] != "feedback")
        .map(|e| e["request_id"].as_str().expect("id").to_owned())
        .collect();
    let dir = std::env::temp_dir();
    let input = dir.join(format!("{}.ndjson", unique_name("eval-in")));
    let output = dir.join(format!("{}.ndjson", unique_name("eval-out")));
    let mut text: String = events.iter().map(|e| format!("{e}\n")).collect();
    text.push_str("{\"kind\": \"nonsense\"}\n");
    std::fs::write(&input, text).expect("write events");

    let out = Command::new(sightline())
        .args(["eval", "--evaluators", "latency,cost,pii"])
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .expect("run sightline eval");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(":3001: "),
        "the invalid line is reported: {stderr}"
    );

    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .expect("scores")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect();
    let scored: HashSet<String> = rows
        .iter()
        .map(|r| r["request_id"].as_str().expect("request_id").to_owned())
        .collect();
    assert_eq!(rows.len(), scored.len(), "one row per exchange");
    assert_eq!(scored, exchanges);
    let priced = rows.iter().filter(|r| r["cost_nusd"].is_i64()).count();
    assert!(
        priced * 10 > rows.len() * 9,
        "{priced} of {} rows have a cost",
        rows.len()
    );
    assert!(rows.iter().all(|r| r["pii_email"].is_u64()));
    assert!(
        rows.iter().all(|r| r.get("offensive_language").is_none()),
        "toxicity was not asked for"
    );
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
}
