//! `sightline api --embedded`: keys and scopes on every route, the OpenAPI document against the
//! routes the server answers, and every read over traffic ingested through the API itself, checked
//! against SQL over the same store.

use std::{collections::HashSet, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sightline_e2e::api::{Api, recent_events};

const ENV: &[(&str, &str)] = &[(
    "SIGHTLINE__EVALUATORS__ENABLED",
    "[\"latency\",\"cost\",\"pii\"]",
)];

fn start(prefix: &str) -> Api {
    let dir = std::env::temp_dir().join(sightline_e2e::unique_name(prefix));
    Api::start(
        prefix,
        &[
            "--embedded".into(),
            "--data-dir".into(),
            dir.display().to_string(),
        ],
        ENV,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_scopes_guard_every_route_the_document_lists() {
    let api = start("api_access");
    let (status, body) = api.call(Method::GET, "/v1/traces", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
    let (status, _) = api
        .call(Method::GET, "/v1/traces", Some("sl_00000000_forged"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = api
        .call(Method::GET, "/v1/traces", Some(&api.ingest), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().unwrap().contains("read"), "{body}");
    let rule = json!({"name": "r", "expr": "error_rate > 0.5", "window": "5m", "action": {"kind": "notify", "url": "http://127.0.0.1:9/x"}});
    let (status, _) = api
        .call(
            Method::POST,
            "/v1/alert-rules",
            Some(&api.read),
            Some(rule.to_string().into()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a read key cannot change rules"
    );
    let (status, _) = api
        .call(
            Method::POST,
            "/v1/events",
            Some(&api.read),
            Some(b"{}".to_vec()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a read key cannot ingest");
    for open in [
        "/healthz",
        "/readyz",
        "/",
        "/dashboard.js",
        "/dashboard.css",
    ] {
        let (status, _) = api.call(Method::GET, open, None, None).await;
        assert_eq!(status, StatusCode::OK, "{open} is open");
    }
    for closed in ["/openapi.json", "/metrics"] {
        let (status, _) = api.call(Method::GET, closed, None, None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{closed} needs a key unless opened"
        );
    }

    // Every operation in the document is served: none answers 404 or 405 for its method, and a
    // route the server answers but the document lacks would be refused by the access check.
    let doc = api.get("/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operations = 0;
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            operations += 1;
            let concrete = path
                .replace("{id}", "no-such-id")
                .replace("{name}", "no-such-name");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = api
                .call(
                    method.clone(),
                    &concrete,
                    Some(&api.admin),
                    Some(b"{}".to_vec()),
                )
                .await;
            let expected_404 = concrete.contains("no-such");
            assert!(
                status != StatusCode::METHOD_NOT_ALLOWED
                    && (status != StatusCode::NOT_FOUND || expected_404),
                "{method} {path} answered {status}: {body}"
            );
            if expected_404 && method != Method::POST {
                assert!(
                    body["error"].is_string(),
                    "{method} {path}: a 404 says what is missing: {body}"
                );
            }
            assert!(operation["summary"].is_string());
        }
    }
    assert!(operations >= 25, "{operations} operations documented");
    let (status, _) = api
        .call(Method::GET, "/v1/not-a-route", Some(&api.admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_agrees_with_sql_over_the_same_store() {
    let api = start("api_reads");
    let mut lines = recent_events(600, 11, 20);
    lines.push("{\"schema_version\": \"1.0\", \"kind\": \"request\"}".into());
    let (status, body) = api
        .call(
            Method::POST,
            "/v1/events",
            Some(&api.ingest),
            Some(lines.join("\n").into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rejected"], 1, "{body}");

    // The requests whose responses came are stored once the pipeline has them.
    let stored = "SELECT count(*) AS n FROM llm_events";
    for _ in 0..120 {
        if api
            .sql(stored)
            .await
            .first()
            .and_then(|r| r["n"].as_u64())
            .unwrap_or(0)
            > 250
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let total = api.sql(stored).await[0]["n"].as_u64().unwrap();
    assert!(total > 250, "{total} exchanges stored");

    // Summary, per model and version, against SQL.
    let summary = api
        .get("/v1/metrics/summary?window=1h&group_by=model,version")
        .await;
    let by_sql = api.sql("SELECT model, model_version, count(*) AS n, sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS e FROM llm_events GROUP BY model, model_version").await;
    let groups = summary["groups"].as_array().unwrap();
    assert_eq!(groups.len(), by_sql.len(), "{summary}");
    for row in &by_sql {
        let g = groups
            .iter()
            .find(|g| g["model"] == row["model"] && g["version"] == row["model_version"])
            .expect("a group per model and version");
        let n = row["n"].as_f64().unwrap();
        assert_eq!(g["requests"].as_f64().unwrap(), n);
        assert!((g["error_rate"].as_f64().unwrap() - row["e"].as_f64().unwrap() / n).abs() < 1e-9);
        assert!(g["p50_latency_ms"].as_f64().unwrap() <= g["p99_latency_ms"].as_f64().unwrap());
    }
    let series = api.get("/v1/metrics/timeseries?window=1h&step=1m").await;
    let in_series: f64 = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["requests"].as_f64().unwrap())
        .sum();
    assert_eq!(
        in_series, total as f64,
        "the time series holds every exchange once"
    );
    let filters = api.get("/v1/filters").await;
    assert_eq!(
        filters["models"].as_array().unwrap().len(),
        by_sql
            .iter()
            .map(|r| r["model"].clone())
            .collect::<HashSet<_>>()
            .len()
    );

    // Pages of traces cover every exchange exactly once, newest first.
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut last_time = String::from("9999");
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/traces?limit=100&cursor={c}"),
            None => "/v1/traces?limit=100".into(),
        };
        let page = api.get(&path).await;
        for t in page["traces"].as_array().unwrap() {
            assert!(
                seen.insert(t["request_id"].as_str().unwrap().to_owned()),
                "a trace came twice"
            );
            let time = t["request_time"].as_str().unwrap().to_owned();
            assert!(time <= last_time, "newest first");
            last_time = time;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, total);
    let errors = api.get("/v1/traces?status=error&limit=500").await;
    let expected_errors = api
        .sql("SELECT count(*) AS n FROM llm_events WHERE status = 'error'")
        .await[0]["n"]
        .as_u64()
        .unwrap();
    assert_eq!(
        errors["traces"].as_array().unwrap().len() as u64,
        expected_errors
    );
    assert!(
        errors["traces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "error")
    );
    let slow = api.get("/v1/traces?min_latency=2000&limit=500").await;
    assert!(
        slow["traces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["latency_ms"].as_f64().unwrap() >= 2000.0)
    );
    let (status, body) = api
        .call(
            Method::GET,
            "/v1/traces?status=maybe",
            Some(&api.read),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = api
        .call(Method::GET, "/v1/traces?cursor=zz", Some(&api.read), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // One trace, with its evaluations.
    let id = seen.iter().next().unwrap();
    let trace = api.get(&format!("/v1/traces/{id}")).await;
    assert_eq!(trace["exchange"]["request_id"], id.as_str());
    assert!(
        trace["exchange"]["request_time"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let evaluators: HashSet<&str> = trace["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["evaluator"].as_str().unwrap())
        .collect();
    assert!(evaluators.contains("pii"), "{trace}");

    // SQL in three formats; the store itself refuses anything but reading.
    let (status, csv) = api
        .sql_bytes(
            "SELECT model, count(*) AS n FROM llm_events GROUP BY model ORDER BY model",
            "csv",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(csv).unwrap().starts_with("model,n\n"));
    let (status, arrow) = api
        .sql_bytes("SELECT request_id FROM llm_events", "arrow")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        &arrow[..4],
        &[0xff, 0xff, 0xff, 0xff],
        "an Arrow IPC stream starts with a continuation marker"
    );
    for refused in [
        "DROP TABLE llm_events",
        "INSERT INTO llm_events_raw SELECT * FROM llm_events_raw",
        "CREATE EXTERNAL TABLE x STORED AS PARQUET LOCATION '/etc'",
        "SET datafusion.execution.batch_size = 1",
    ] {
        let (status, body) = api.sql_bytes(refused, "json").await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{refused}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let (status, _) = api.sql_bytes("SELECT 1", "xml").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The invalid event is in the dead-letter queue with its reason.
    let dlq = api.get("/v1/dlq").await;
    let letters = dlq["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{dlq}");
    assert!(!letters[0]["reason"].as_str().unwrap().is_empty());
    assert!(
        letters[0]["payload"]
            .as_str()
            .unwrap()
            .contains("\"kind\": \"request\"")
    );

    // The API's own metrics, with the embedded pipeline's.
    let (status, metrics) = api
        .call(Method::GET, "/metrics", Some(&api.read), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains(
            "sightline_api_requests_total{method=\"GET\",route=\"/v1/traces\",status=\"2xx\"}"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("sightline_events_in_total"),
        "the embedded pipeline's metrics too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_baselines_and_replays_are_changed_through_the_api() {
    let api = start("api_admin");
    let admin = Some(api.admin.as_str());
    let rule = json!({"name": "slow", "expr": "p99(latency_ms) > 2000", "window": "5m", "for": "1m",
        "action": {"kind": "rollback", "url": "http://127.0.0.1:8080/admin/models/{model}/rollback"}});
    let (status, body) = api
        .call(
            Method::POST,
            "/v1/alert-rules",
            admin,
            Some(rule.to_string().into()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = api
        .call(
            Method::POST,
            "/v1/alert-rules",
            admin,
            Some(rule.to_string().into()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let bad = json!({"name": "bad", "expr": "p99(latency_ms) >> 2", "window": "5m", "action": {"kind": "notify", "url": "http://127.0.0.1:9/x"}});
    let (status, body) = api
        .call(
            Method::POST,
            "/v1/alert-rules",
            admin,
            Some(bad.to_string().into()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["problems"][0]["message"].is_string(),
        "the parser's problems come back: {body}"
    );
    let mut changed = rule.clone();
    changed["expr"] = json!("p95(latency_ms) > 1500");
    let (status, _) = api
        .call(
            Method::PUT,
            "/v1/alert-rules/slow",
            admin,
            Some(changed.to_string().into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api.get("/v1/alert-rules/slow").await["expr"],
        "p95(latency_ms) > 1500"
    );
    let file = std::fs::read_to_string(api.dir.join("rules.toml")).unwrap();
    assert!(
        file.contains("p95(latency_ms) > 1500"),
        "the monitor's file holds the change: {file}"
    );
    let (status, _) = api
        .call(Method::DELETE, "/v1/alert-rules/slow", admin, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api
        .call(Method::GET, "/v1/alert-rules/slow", admin, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Replay publishes the fixed event and refuses one still broken.
    let fixed = recent_events(2, 5, 3);
    let events: Vec<Value> = fixed
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let replay = json!({"events": [events[0], {"kind": "request"}]});
    let (status, body) = api
        .call(
            Method::POST,
            "/v1/dlq/replay",
            admin,
            Some(replay.to_string().into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["replayed"].as_u64(), body["rejected"].as_u64()),
        (Some(1), Some(1)),
        "{body}"
    );

    // A baseline from stored traffic, listed, then deleted.
    let lines = recent_events(400, 9, 30);
    let (status, _) = api
        .call(
            Method::POST,
            "/v1/events",
            Some(&api.ingest),
            Some(lines.join("\n").into()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..120 {
        if api.sql("SELECT count(*) AS n FROM llm_events").await[0]["n"]
            .as_u64()
            .unwrap()
            > 100
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = chrono::Utc::now().to_rfc3339();
    let request = json!({"name": "launch", "from": from, "to": to});
    let (status, body) = api
        .call(
            Method::POST,
            "/v1/drift/baselines",
            admin,
            Some(request.to_string().into()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body["rows"].as_u64().unwrap() > 100, "{body}");
    let listed = api.get("/v1/drift/baselines").await;
    assert_eq!(listed["baselines"][0]["name"], "launch");
    let (status, _) = api
        .call(
            Method::POST,
            "/v1/drift/baselines",
            admin,
            Some(request.to_string().into()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = api
        .call(Method::DELETE, "/v1/drift/baselines/launch", admin, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(api.get("/v1/drift/baselines").await["baselines"], json!([]));
    let (status, _) = api
        .call(
            Method::DELETE,
            "/v1/drift/baselines/a%2F..%2Fb",
            admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
