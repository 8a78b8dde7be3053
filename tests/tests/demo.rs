//! `sightline demo`, shortened: the whole story on real parts, and the rollback really happened.

use std::process::Command;

use sightline_e2e::{free_address, repo_root, sightline, unique_name};

#[test]
fn a_short_demo_rolls_the_node_back_and_tells_the_whole_story() {
    let dir = std::env::temp_dir().join(unique_name("demo"));
    let out = Command::new(sightline())
        .args(["demo", "--duration", "90s", "--no-open", "--exit-when-done"])
        .args([
            "--listen",
            &free_address(),
            "--data-dir",
            &dir.display().to_string(),
        ])
        .current_dir(repo_root())
        .output()
        .expect("run sightline demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "✓ the toxic burst raised an alert and its notification",
        "✓ the latency regression rolled the node back from minilm 2 to 1",
        "✓ drift sent a retraining webhook",
        "alert latency-regression pending → firing for minilm 2",
    ] {
        assert!(stdout.contains(line), "missing {line:?}:\n{stdout}");
    }
    // The node's own audit log: version 2 rolled back to 1 on the monitor's signed webhook.
    let audit =
        std::fs::read_to_string(dir.join("models/audit.log")).expect("the node's audit log");
    let rollback: serde_json::Value = audit
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|l: &serde_json::Value| l["action"] == "rollback")
        .unwrap_or_else(|| panic!("no rollback in the audit log:\n{audit}"));
    assert_eq!(
        (
            rollback["from_version"].as_str(),
            rollback["to_version"].as_str()
        ),
        (Some("2"), Some("1"))
    );
    assert!(
        rollback["idempotency_key"].is_string(),
        "a webhook's rollback carries its idempotency key: {rollback}"
    );
    let key = std::fs::read_to_string(dir.join("api-key")).expect("the demo writes its key");
    assert!(key.trim().starts_with("sl_"));
    let _ = std::fs::remove_dir_all(dir);
}
