//! `sightline validate` prints one precise line per problem and exits 0, 1 or 2.

use std::process::Command;

use sightline_e2e::{repo_root, sightline};

fn fixtures(kind: &str) -> Vec<String> {
    let dir = repo_root().join("tests/fixtures").join(kind);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            p.strip_prefix(repo_root())
                .expect("inside the repo")
                .display()
                .to_string()
        })
        .collect();
    files.sort();
    files
}

fn validate(files: &[String]) -> std::process::Output {
    Command::new(sightline())
        .arg("validate")
        .args(files)
        .current_dir(repo_root())
        .output()
        .expect("runs")
}

#[test]
fn valid_fixtures_exit_zero_and_print_nothing() {
    let out = validate(&fixtures("valid"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn invalid_fixtures_report_every_problem_precisely() {
    let out = validate(&fixtures("invalid"));
    assert_eq!(out.status.code(), Some(1));
    let expected = std::fs::read_to_string(repo_root().join("tests/fixtures/invalid.expected"))
        .expect("golden");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn ndjson_lines_are_numbered() {
    let dir = std::env::temp_dir().join(sightline_e2e::unique_name("ndjson"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let valid = std::fs::read_to_string(repo_root().join("tests/fixtures/valid/completion.json"))
        .expect("fixture");
    let one_line: serde_json::Value = serde_json::from_str(&valid).expect("json");
    let file = dir.join("events.ndjson");
    std::fs::write(
        &file,
        format!("{one_line}\n\n{{\"kind\": 3}}\n{one_line}\n"),
    )
    .expect("write");
    let out = Command::new(sightline())
        .arg("validate")
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let prefix = format!("{}:3: ", file.display());
    assert!(
        stdout.lines().count() > 1 && stdout.lines().all(|l| l.starts_with(&prefix)),
        "{stdout}"
    );
    assert!(
        stdout.contains(": kind: expected string, got 3"),
        "{stdout}"
    );
}

#[test]
fn unreadable_file_exits_two() {
    let out = validate(&["no/such/file.json".to_owned()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no/such/file.json"));
}
