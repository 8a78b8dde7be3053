//! `sightline drift compare` over CSV files: the JSON document's shape, the automatic choice of
//! tests, a shifted column found and an unchanged one left alone, and clear errors.

use std::{path::PathBuf, process::Command};

use serde_json::Value;
use sightline_e2e::{sightline, unique_name};

/// A deterministic uniform stream (xorshift64), so the files are the same on every run.
fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// latency shifts by `shift`; tokens never changes; finish_reason changes its mix when shifted.
fn write_csv(rows: usize, seed: u64, shift: f64) -> PathBuf {
    let mut next = uniform(seed);
    let mut text = String::from("latency_ms,output_tokens,finish_reason,cached\n");
    for _ in 0..rows {
        let latency = 200.0 + 100.0 * next() + shift;
        let tokens = (50.0 + 400.0 * next()).floor();
        let reason = if next() < 0.9 - shift / 200.0 {
            "stop"
        } else {
            "length"
        };
        let cached = next() < 0.3;
        text.push_str(&format!("{latency},{tokens},{reason},{cached}\n"));
    }
    let path = std::env::temp_dir().join(format!("{}.csv", unique_name("drift")));
    std::fs::write(&path, text).expect("write csv");
    path
}

fn compare(reference: &PathBuf, current: &PathBuf, extra: &[&str]) -> std::process::Output {
    Command::new(sightline())
        .args(["drift", "compare", "--reference"])
        .arg(reference)
        .arg("--current")
        .arg(current)
        .args(extra)
        .output()
        .expect("run sightline drift compare")
}

fn column<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["columns"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["column"] == name))
        .unwrap_or_else(|| panic!("no column {name} in {document}"))
}

#[test]
fn finds_the_shifted_column_and_leaves_the_rest() {
    let reference = write_csv(800, 1, 0.0);
    let current = write_csv(700, 2, 40.0);
    let out = compare(&reference, &current, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let document: Value = serde_json::from_slice(&out.stdout).expect("JSON document");

    let latency = column(&document, "latency_ms");
    assert_eq!(
        (latency["n_ref"].as_u64(), latency["n_cur"].as_u64()),
        (Some(800), Some(700))
    );
    let tests = latency["tests"].as_array().expect("tests");
    assert_eq!(tests[0]["test"], "ks", "numeric, reference of 800: KS");
    assert_eq!(tests[0]["drifted"], true);
    assert!(tests[0]["p_value"].as_f64().expect("p") < 1e-6);
    assert_eq!(tests[1]["test"], "psi", "PSI beside the chosen test");

    let tokens = column(&document, "output_tokens");
    assert_eq!(tokens["tests"][0]["test"], "ks");
    assert_eq!(tokens["tests"][0]["drifted"], false, "{tokens}");

    let reason = column(&document, "finish_reason");
    assert_eq!(
        reason["tests"][0]["test"], "ztest",
        "two categories: binary"
    );
    let cached = column(&document, "cached");
    assert_eq!(cached["tests"][0]["test"], "ztest");
    assert_eq!(cached["tests"][0]["drifted"], false, "{cached}");

    let share = document["share_drifted"].as_f64().expect("share");
    let drifted = document["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter(|c| c["tests"][0]["drifted"] == true)
        .count();
    assert_eq!(share, drifted as f64 / 4.0);
    assert_eq!(document["dataset_drifted"], share >= 0.5);
}

#[test]
fn wasserstein_reports_raw_and_normed_and_the_table_prints_verdicts() {
    let reference = write_csv(2_000, 3, 0.0);
    let current = write_csv(2_000, 4, 30.0);
    let out = compare(
        &reference,
        &current,
        &[
            "--columns",
            "latency_ms",
            "--test",
            "wasserstein,ks",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let document: Value = serde_json::from_slice(&out.stdout).expect("JSON document");
    assert_eq!(document["columns"].as_array().map(Vec::len), Some(1));
    let w = &column(&document, "latency_ms")["tests"][0];
    assert_eq!(w["test"], "wasserstein");
    let (raw, normed) = (
        w["statistic"].as_f64().expect("raw"),
        w["normed"].as_f64().expect("normed"),
    );
    // A shift of 30 on a uniform of width 100 (std 28.9): raw about 30, normed about 1.04.
    assert!(
        (raw - 30.0).abs() < 3.0 && (normed - raw / 28.87).abs() < 0.05,
        "{w}"
    );
    assert!(w.get("p_value").is_none(), "a distance has no p-value: {w}");

    let table = compare(&reference, &current, &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(table.status.success());
    assert!(
        text.contains("latency_ms")
            && text.contains("DRIFT")
            && text.contains("share of drifted columns"),
        "{text}"
    );
}

#[test]
fn bad_requests_get_clear_errors() {
    let reference = write_csv(100, 5, 0.0);
    let current = write_csv(100, 6, 0.0);
    for (args, expected) in [
        (vec!["--columns", "nope"], "has no column \"nope\""),
        (vec!["--test", "kss"], "unknown drift test `kss`"),
        (
            vec!["--columns", "finish_reason", "--test", "ks"],
            "ks does not apply to a binary feature",
        ),
        (vec!["--threshold", "ks"], "expected TEST=VALUE"),
    ] {
        let out = compare(&reference, &current, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
