//! The whole loop on real parts: the inference node serves version 2 and publishes its events; the
//! pipeline lands them in ClickHouse; the monitor's rule fires on version 2's traffic and sends a
//! signed rollback webhook to the node's admin API; the node verifies it, rolls back to version 1,
//! and the monitor records that the active version changed; traffic goes on at version 1.

use std::time::{Duration, Instant};

use serde_json::json;
use sightline_e2e::{
    monitor::Monitor,
    node::{Node, repository},
    pipeline::{Setup, create_topic},
    unique_name,
};

const SECRET: &str = "loop-webhook-secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firing_rule_rolls_the_node_back() {
    let setup = Setup::new("loop");
    create_topic(&setup.topic, 2).await;
    let _worker =
        setup.start_worker_with_env(&[], &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\"]")]);
    let node = Node::start(
        &repository(&["1", "2"]),
        &[
            "--brokers",
            &sightline_e2e::brokers(),
            "--topic",
            &setup.topic,
        ],
        &[("SIGHTLINE_WEBHOOK_SECRET", SECRET)],
    );
    let rules = std::env::temp_dir().join(format!("{}.toml", unique_name("rules")));
    std::fs::write(
        &rules,
        format!(
            "[[rules]]\nname = \"v2-is-bad\"\nexpr = 'requests{{model=\"minilm\", version=\"2\"}} > 3'\nwindow = \"30s\"\nfor = \"2s\"\n\
             action = {{ kind = \"rollback\", url = \"{}/admin/models/{{model}}/rollback\" }}\n",
            node.base
        ),
    )
    .expect("rules");
    let mut args = setup.store_args();
    args.extend(["--rules".into(), rules.display().to_string()]);
    let log = std::env::temp_dir().join(format!("{}.log", unique_name("monitor")));
    let monitor = Monitor::start(
        &args,
        &[
            ("SIGHTLINE_WEBHOOK_SECRET", SECRET),
            ("SIGHTLINE__ALERTS__INTERVAL", "1s"),
        ],
        log,
    );

    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut versions = Vec::new();
    // Traffic until the node serves version 1 again, and a little after.
    let mut rolled_back_at = None;
    while rolled_back_at.is_none_or(|t: Instant| t.elapsed() < Duration::from_secs(2)) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no rollback; versions served {versions:?}; monitor log:\n{}",
            monitor.log()
        );
        let answer: serde_json::Value = client
            .post(format!("{}/v2/models/minilm/infer", node.base))
            .json(&json!({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["hello"]}]}))
            .send()
            .await
            .expect("infer")
            .json()
            .await
            .expect("json");
        let version = answer["model_version"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if version == "1" && rolled_back_at.is_none() {
            rolled_back_at = Some(Instant::now());
        }
        versions.push(version);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(versions.first().map(String::as_str), Some("2"));
    let switch = versions.iter().position(|v| v == "1").expect("served by 1");
    assert!(versions[switch..].iter().all(|v| v == "1"), "{versions:?}");

    // The monitor saw the change confirmed.
    let confirmed = Instant::now();
    while setup
        .try_count("SELECT count() FROM webhook_deliveries WHERE ok = 1 AND detail = 'confirmed: active version 1 (was 2)'")
        != Some(1)
    {
        assert!(confirmed.elapsed() < Duration::from_secs(30), "no confirmed rollback row; monitor log:\n{}", monitor.log());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let audit = std::fs::read_to_string(node.repo.join("audit.log")).unwrap_or_default();
    assert!(audit.contains("\"by\":\"signed-webhook\""), "{audit}");
    monitor.stop();
    node.stop();
}
