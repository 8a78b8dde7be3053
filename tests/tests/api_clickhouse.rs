//! `sightline api` in distributed mode: events posted to the API go through Kafka and a pipeline
//! worker into ClickHouse, and come back through the API's reads. SQL runs as ClickHouse's
//! read-only user, so the server itself refuses writes, setting changes and results past the
//! profile's limits; the API will not start as a user that may write. OTLP posted to the API takes
//! the same way, and its trace reads back as a tree.

use std::{process::Command, time::Duration};

use reqwest::{Method, StatusCode};
use sightline_e2e::{
    api::{Api, recent_events},
    brokers, otlp,
    pipeline::{Setup, create_topic},
    service_env, sightline,
};

fn reader_env() -> Vec<(&'static str, String)> {
    vec![(
        "SIGHTLINE__API__CLICKHOUSE_PASSWORD",
        service_env("SIGHTLINE_TEST_READER_PASSWORD"),
    )]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_come_from_clickhouse_as_a_read_only_user() {
    let setup = Setup::new("api_ch");
    create_topic(&setup.topic, 2).await;
    let _worker = setup.start_worker_with_env(
        &[],
        &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\",\"cost\"]")],
    );
    setup.wait_for_at_least("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'llm_events'", 1, Duration::from_secs(60));
    let mut args = setup.store_args();
    args.extend([
        "--brokers".into(),
        brokers(),
        "--topic".into(),
        setup.topic.clone(),
    ]);
    let env = reader_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let api = Api::start("api_ch", &args, &env);

    let lines = recent_events(400, 21, 15);
    let (status, body) = api
        .call(
            Method::POST,
            "/v1/events",
            Some(&api.ingest),
            Some(lines.join("\n").into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stored = setup.wait_for_at_least(
        "SELECT count() FROM llm_events",
        150,
        Duration::from_secs(60),
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stored = stored.max(setup.count("SELECT count() FROM llm_events"));

    let summary = api.get("/v1/metrics/summary?window=1h").await;
    assert_eq!(
        summary["groups"][0]["requests"].as_u64(),
        Some(stored),
        "{summary}"
    );
    let page = api.get("/v1/traces?limit=5").await;
    let id = page["traces"][0]["request_id"]
        .as_str()
        .expect("a trace")
        .to_owned();
    let trace = api.get(&format!("/v1/traces/{id}")).await;
    assert_eq!(trace["exchange"]["request_id"], id.as_str());
    let series = api.get("/v1/metrics/timeseries?window=1h&step=5m").await;
    let total: u64 = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, stored);
    let rows = api
        .sql("SELECT 'a?b' AS q, count() AS n FROM llm_events")
        .await;
    assert_eq!(
        rows[0]["q"], "a?b",
        "a `?` in the SQL is text, not a placeholder"
    );
    assert_eq!(rows[0]["n"].as_u64(), Some(stored));

    for refused in [
        "DROP TABLE llm_events_raw",
        "INSERT INTO llm_events_raw (event_id) VALUES ('x')",
        "SET readonly = 0",
        "SELECT 1 SETTINGS max_execution_time = 1000",
    ] {
        let (status, body) = api.sql_bytes(refused, "json").await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}: {body}");
        assert!(
            body.contains("readonly mode"),
            "ClickHouse itself refused {refused}: {body}"
        );
    }
    let (status, body) = api
        .sql_bytes("SELECT number FROM system.numbers LIMIT 200000", "json")
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the profile's row limit: {}",
        String::from_utf8_lossy(&body)
    );
    let (status, body) = api.sql_bytes("SELECT 1", "arrow").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(
        setup.count("SELECT count() FROM llm_events"),
        stored,
        "nothing was written"
    );

    // OTLP over HTTP takes the same way, through the topic, and its trace reads back as a tree.
    let trace_id = "5b8efff798038103d269b633813fc60c";
    let export = otlp::export(
        "ch-traced",
        vec![
            otlp::chat_span(trace_id, "eee19b7ec3c1b174", None, Some("gpt-4.1")),
            otlp::chat_span(
                trace_id,
                "eee19b7ec3c1b175",
                Some("eee19b7ec3c1b174"),
                Some("gpt-4.1-mini"),
            ),
        ],
    );
    let (status, reply) = api
        .post_traces("application/json", export.to_string().into_bytes())
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    setup.wait_for_count(
        &format!("SELECT count() FROM llm_events WHERE trace_id = '{trace_id}'"),
        2,
        Duration::from_secs(60),
    );
    let view = api.get(&format!("/v1/traces/{trace_id}")).await;
    let shape: Vec<(&str, u64)> = view["trace"]["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .map(|c| (c["model"].as_str().unwrap(), c["depth"].as_u64().unwrap()))
        .collect();
    assert_eq!(shape, [("gpt-4.1", 0), ("gpt-4.1-mini", 1)], "{view}");
}

#[test]
fn the_api_will_not_run_as_a_user_that_may_write() {
    let out = Command::new(sightline())
        .args([
            "api",
            "--clickhouse",
            &sightline_e2e::clickhouse_url(),
            "--database",
            "system",
            "--brokers",
            &brokers(),
        ])
        .args(["--listen", &sightline_e2e::free_address()])
        .env("SIGHTLINE__API__CLICKHOUSE_USER", "default")
        .output()
        .expect("run sightline api");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("may write"), "{stderr}");
}
