//! The Rust validator and the published JSON Schema must accept and reject the same events.

use std::{fs, path::PathBuf};

use sightline_schemas::{EVENT_JSON_SCHEMA, Limits, decode_event};

/// Read when the test runs, not when it is compiled: a shared target directory may hold a test
/// binary built from another checkout of the same sources.
fn fixture_root() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = fixture_root().join("../tests/fixtures").join(kind);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn schema_accepts(bytes: &[u8]) -> bool {
    let schema: serde_json::Value =
        serde_json::from_str(EVENT_JSON_SCHEMA).expect("schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(instance) => validator.is_valid(&instance),
        Err(_) => false,
    }
}

#[test]
fn valid_fixtures_pass_both() {
    for path in fixtures("valid") {
        let bytes = fs::read(&path).expect("fixture");
        let rust = decode_event(&bytes, &Limits::default());
        assert!(
            rust.is_ok(),
            "{}: rust rejected: {:?}",
            path.display(),
            rust.err()
        );
        assert!(
            schema_accepts(&bytes),
            "{}: JSON Schema rejected",
            path.display()
        );
    }
}

#[test]
fn invalid_fixtures_fail_both() {
    for path in fixtures("invalid") {
        let bytes = fs::read(&path).expect("fixture");
        let rust = decode_event(&bytes, &Limits::default());
        assert!(rust.is_err(), "{}: rust accepted", path.display());
        assert!(
            !schema_accepts(&bytes),
            "{}: JSON Schema accepted",
            path.display()
        );
    }
}

#[test]
fn several_problems_are_all_reported() {
    let path = fixture_root().join("../tests/fixtures/invalid/several_problems.json");
    let rejection =
        decode_event(&fs::read(path).expect("fixture"), &Limits::default()).expect_err("invalid");
    let paths: Vec<_> = rejection.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["model", "request"], "{rejection}");
}

#[test]
fn wrong_type_names_path_and_value() {
    let path = fixture_root().join("../tests/fixtures/invalid/output_tokens_string.json");
    let rejection =
        decode_event(&fs::read(path).expect("fixture"), &Limits::default()).expect_err("invalid");
    assert_eq!(
        rejection.to_string(),
        r#"response.usage.output_tokens: expected unsigned integer, got "12a""#
    );
}

#[test]
fn oversized_event_is_rejected_before_parsing() {
    let limits = Limits {
        max_event_bytes: 64,
        ..Limits::default()
    };
    let bytes = vec![b' '; 65];
    let rejection = decode_event(&bytes, &limits).expect_err("too large");
    assert_eq!(
        rejection.to_string(),
        "$: event is 65 bytes, over the limit of 64"
    );
    assert_eq!(rejection.reason_class(), "too_large");
}
