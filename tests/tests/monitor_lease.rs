//! Two monitors against one ClickHouse database and one broker: the Kafka group lease lets only
//! one evaluate rules, so the receiver is called once; when the active one stops, the standby
//! takes over, rebuilds the alerts from `alert_events`, and calls nobody again.

use std::time::{Duration, Instant};

use serde_json::json;
use sightline_e2e::{
    brokers,
    monitor::Monitor,
    pipeline::{Setup, as_messages, completion, create_topic, publish},
    receiver::Receiver,
    unique_name,
};
use sightline_schemas::Timestamp;

const SECRET: &str = "lease-webhook-secret";

fn leading(monitor: &Monitor) -> bool {
    monitor
        .metrics()
        .lines()
        .any(|l| l == "sightline_monitor_leading 1")
}

async fn wait_until(
    what: &str,
    timeout: Duration,
    logs: &[&Monitor],
    mut done: impl FnMut() -> bool,
) {
    let started = Instant::now();
    while !done() {
        if started.elapsed() > timeout {
            let logs: Vec<String> = logs.iter().map(|m| m.log()).collect();
            panic!(
                "timed out waiting for {what}; monitor logs:\n{}",
                logs.join("\n---\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_monitor_acts_and_a_standby_takes_over() {
    let setup = Setup::new("lease");
    create_topic(&setup.topic, 1).await;
    let _worker =
        setup.start_worker_with_env(&[], &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\"]")]);
    let now = Timestamp::now().to_rfc3339();
    let events: Vec<_> = (0..20)
        .map(|i| {
            completion(
                &format!("req-{i}"),
                &now,
                "lease",
                ("chat", "v1"),
                json!({"status": "ok", "output": "Hi", "timings": {"latency_ms": 10.0}}),
            )
        })
        .collect();
    publish(&setup.topic, &as_messages(&events)).await;
    setup.wait_for_count(
        "SELECT count() FROM llm_events",
        20,
        Duration::from_secs(120),
    );

    let receiver = Receiver::start(SECRET).await;
    let rules = std::env::temp_dir().join(format!("{}.toml", unique_name("rules")));
    std::fs::write(
        &rules,
        format!(
            "[[rules]]\nname = \"traffic\"\nexpr = 'requests{{model=\"chat\"}} > 0'\nwindow = \"1h\"\naction = {{ kind = \"notify\", url = \"{}/page\" }}\n",
            receiver.base
        ),
    )
    .expect("write rules");
    let mut args = setup.store_args();
    args.extend([
        "--brokers".into(),
        brokers(),
        "--topic".into(),
        setup.topic.clone(),
        "--group".into(),
        setup.group.clone(),
        "--rules".into(),
        rules.display().to_string(),
    ]);
    let env = [
        ("SIGHTLINE_WEBHOOK_SECRET", SECRET),
        ("SIGHTLINE__ALERTS__INTERVAL", "1s"),
        ("SIGHTLINE__KAFKA__SESSION_TIMEOUT", "6s"),
    ];
    let log = |name: &str| std::env::temp_dir().join(format!("{}.log", unique_name(name)));
    let first = Monitor::start(&args, &env, log("first"));
    wait_until("the first page", Duration::from_secs(90), &[&first], || {
        !receiver.calls("/page").is_empty()
    })
    .await;
    assert!(leading(&first));

    let second = Monitor::start(&args, &env, log("second"));
    // The group rebalances when the second joins; the lease may move, but only ever to one.
    tokio::time::sleep(Duration::from_secs(12)).await;
    wait_until(
        "one leader",
        Duration::from_secs(90),
        &[&first, &second],
        || leading(&first) != leading(&second),
    )
    .await;
    assert_eq!(receiver.calls("/page").len(), 1, "two monitors, one page");

    let (active, standby) = if leading(&first) {
        (first, second)
    } else {
        (second, first)
    };
    active.stop();
    wait_until(
        "the standby to take over",
        Duration::from_secs(90),
        &[&standby],
        || leading(&standby),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        standby.log().contains("firing=1"),
        "the new leader rebuilt the firing alert: {}",
        standby.log()
    );
    assert_eq!(
        receiver.calls("/page").len(),
        1,
        "no page from the new leader"
    );
    assert!(receiver.calls("/page")[0].refused.is_none());
    standby.stop();
}
