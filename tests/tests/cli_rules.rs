//! `sightline monitor --check-rules`: a valid file exits 0; an invalid one exits 1 and names every
//! problem as FILE:LINE:COL: message, in TOML and in YAML.

use std::process::Command;

use sightline_e2e::{sightline, unique_name};

fn check(name: &str, text: &str) -> (i32, String, String) {
    let path = std::env::temp_dir().join(format!("{}-{name}", unique_name("rules")));
    std::fs::write(&path, text).expect("write rules");
    let out = Command::new(sightline())
        .args(["monitor", "--check-rules"])
        .arg(&path)
        .output()
        .expect("run sightline");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::remove_file(&path);
    (
        out.status.code().unwrap_or(-1),
        stdout,
        path.display().to_string(),
    )
}

#[test]
fn a_valid_file_passes() {
    let (code, stdout, _) = check(
        "ok.toml",
        r#"
[[rules]]
name = "errors"
expr = 'error_rate{model="gpt-4o-mini"} > 0.05'
window = "5m"
for = "2m"
action = { kind = "notify", url = "http://127.0.0.1:9000/hooks" }
"#,
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("1 rules, all valid"), "{stdout}");
}

#[test]
fn every_problem_is_reported_with_its_position() {
    let (code, stdout, path) = check(
        "bad.toml",
        r#"[[rules]]
name = "slow"
expr = 'p99(latency) > 2000'
window = "5m"
action = { kind = "rollback", url = "http://127.0.0.1/admin/models/{model}/rollback" }

[[rules]]
name = "costly"
expr = "cost_usd_per_hour >> 50"
window = "1h"
cooldown = "soon"
action = { kind = "notify", url = "http://127.0.0.1/hooks" }
"#,
    );
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with(&format!("{path}:3:13: unknown column `latency`")),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{path}:9:28: expected a number after the comparison, found `>`"
        )),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with(&format!("{path}:11:12: expected a duration")),
        "{stdout}"
    );

    let (code, stdout, path) = check(
        "bad.yaml",
        "rules:\n  - name: drifting\n    expr: drift.share{version=\"2\"} > 0.5\n    window: 1h\n    action: {kind: retrain, url: \"http://127.0.0.1/retrain\"}\n",
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.starts_with(&format!(
            "{path}:3:23: `drift.share` has no label `version`"
        )),
        "{stdout}"
    );

    let (code, stdout, path) = check("syntax.yaml", "rules:\n  - name: [\n");
    assert_eq!(code, 1);
    assert!(stdout.starts_with(&format!("{path}:")), "{stdout}");
}

#[test]
fn the_example_rule_files_are_valid() {
    for file in ["deploy/alert-rules.toml", "deploy/compose/alert-rules.toml"] {
        let path = sightline_e2e::repo_root().join(file);
        let out = Command::new(sightline())
            .args(["monitor", "--check-rules"])
            .arg(&path)
            .output()
            .expect("run sightline");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{file}: {stdout}");
        assert!(stdout.contains("8 rules, all valid"), "{file}: {stdout}");
    }
}

/// The receiver code the README gives accepts what the monitor signs, and refuses a changed body.
#[test]
fn the_readme_verification_code_accepts_real_signatures() {
    use sightline_alerts::webhook::{Secret, sign};

    let readme =
        std::fs::read_to_string(sightline_e2e::repo_root().join("README.md")).expect("README");
    let block = readme
        .split("<!-- verify-python -->\n```python\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the README's Python verification block");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let body = r#"{"version":"4","status":"firing"}"#;
    let signature = sign(
        &Secret::new("shared-secret").expect("secret"),
        now,
        body.as_bytes(),
    );
    let script = format!(
        "{block}\nbody = {body:?}.encode()\nprint(verify(b'shared-secret', '{now}', '{signature}', body), \
         verify(b'shared-secret', '{now}', '{signature}', body + b' '), \
         verify(b'other', '{now}', '{signature}', body), \
         verify(b'shared-secret', '{}', '{signature}', body))",
        now - 600
    );
    let python = std::env::var("SIGHTLINE_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args(["-c", &script])
        .output()
        .expect("run python");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "True False False False",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
