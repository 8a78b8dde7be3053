//! The inference node as a real process, on the real models, publishing to the real broker: every
//! call makes exactly one request and one response event; a rollback under load fails no request
//! and the events show the version change; signed rollbacks from the monitor are checked and
//! happen once; overload is answered with 503 and Retry-After, not a hang.

use std::{
    collections::HashMap,
    process::Command,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use sightline_alerts::webhook::{Secret, sign};
use sightline_e2e::{
    brokers,
    node::{Node, events, repository},
    pipeline::create_topic,
    sightline, unique_name,
};
use sightline_schemas::Timestamp;

const ADMIN_KEY: &str = "node-admin-key";
const SECRET: &str = "node-webhook-secret";

async fn post(client: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    let response = client.post(url).json(&body).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_emits_one_request_and_one_response_event() {
    let topic = unique_name("infer");
    create_topic(&topic, 2).await;
    let node = Node::start(
        &repository(&["1"]),
        &["--brokers", &brokers(), "--topic", &topic],
        &[],
    );
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", node.base);

    let (status, body) = post(
        &client,
        &url("/v1/embeddings"),
        json!({"model": "minilm", "input": ["a cat", "a dog"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(2));
    let (status, body) = post(
        &client,
        &url("/v1/moderations"),
        json!({"input": "you are a fucking idiot"}),
    )
    .await;
    assert_eq!(
        (status, &body["results"][0]["flagged"]),
        (200, &json!(true)),
        "{body}"
    );
    let (status, body) = post(
        &client,
        &url("/v2/models/toxicity/infer"),
        json!({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["have a nice day"]}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let benign = body["outputs"][0]["data"][1]
        .as_f64()
        .expect("a probability");
    assert!(benign < 0.2, "{body}");
    // Refused inside the call: each still gets its two events, the response saying why.
    let (status, body) = post(
        &client,
        &url("/v1/moderations"),
        json!({"input": "x".repeat(20_001)}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too long")),
        "{body}"
    );
    let (status, _) = post(
        &client,
        &url("/v1/embeddings"),
        json!({"model": "minilm", "input": []}),
    )
    .await;
    assert_eq!(status, 400);
    // Refused before it reaches a model: no events.
    let (status, _) = post(
        &client,
        &url("/v1/embeddings"),
        json!({"model": "nope", "input": "x"}),
    )
    .await;
    assert_eq!(status, 404);
    node.stop();

    let events = events(&topic, 10).await;
    assert_eq!(events.len(), 10, "{events:#?}");
    let mut by_request: HashMap<String, Vec<&Value>> = HashMap::new();
    for e in &events {
        by_request
            .entry(e["request_id"].as_str().unwrap_or_default().to_owned())
            .or_default()
            .push(e);
    }
    assert_eq!(by_request.len(), 5);
    let mut errors = 0;
    for (id, pair) in &by_request {
        let kinds: Vec<&str> = pair.iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(
            kinds.contains(&"request") && kinds.contains(&"response"),
            "{id}: {kinds:?}"
        );
        for e in pair {
            assert_eq!(e["model"]["provider"], "sightline");
            assert_eq!(e["model"]["version"], "1");
            assert_eq!(e["attributes"]["execution_provider"], "cpu");
            assert!(
                e["attributes"]["node_id"]
                    .as_str()
                    .is_some_and(|n| !n.is_empty())
            );
        }
        let response = pair
            .iter()
            .find(|e| e["kind"] == "response")
            .expect("response");
        let r = &response["response"];
        assert!(
            r["timings"]["latency_ms"].as_f64().is_some_and(|l| l > 0.0),
            "{response}"
        );
        if r["status"] == "ok" {
            assert!(
                r["usage"]["input_tokens"].as_u64().is_some_and(|t| t > 0),
                "{response}"
            );
            assert!(r["timings"]["queue_ms"].as_f64().is_some(), "{response}");
            assert!(
                response["attributes"]["batch_size"].as_str().is_some(),
                "{response}"
            );
        } else {
            errors += 1;
            assert_eq!(r["error"]["type"], "invalid_request", "{response}");
        }
    }
    assert_eq!(errors, 2);
    // What the node publishes is what the pipeline accepts.
    let file = std::env::temp_dir().join(format!("{}.ndjson", unique_name("node-events")));
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&file, text).expect("write events");
    let valid = Command::new(sightline())
        .arg("validate")
        .arg(&file)
        .output()
        .expect("validate");
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_under_load_fails_nothing_and_is_signed_and_once() {
    let topic = unique_name("rollback");
    create_topic(&topic, 1).await;
    let key_file = std::env::temp_dir().join(unique_name("admin-key"));
    std::fs::write(&key_file, ADMIN_KEY).expect("key file");
    let node = Node::start(
        &repository(&["1", "2"]),
        &[
            "--brokers",
            &brokers(),
            "--topic",
            &topic,
            "--admin-key-file",
            &key_file.display().to_string(),
        ],
        &[("SIGHTLINE_WEBHOOK_SECRET", SECRET)],
    );
    let client = reqwest::Client::new();
    let base = node.base.clone();

    let load: Vec<_> = (0..4)
        .map(|_| {
            let (client, url) = (client.clone(), format!("{base}/v1/embeddings"));
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                let until = Instant::now() + Duration::from_secs(3);
                while Instant::now() < until {
                    let r = client
                        .post(&url)
                        .json(&json!({"model": "minilm", "input": "steady traffic"}))
                        .send()
                        .await;
                    statuses.push(r.map(|r| r.status().as_u16()).unwrap_or(0));
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rolled = client
        .post(format!("{base}/admin/models/minilm/rollback"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .expect("rollback");
    assert_eq!(rolled.status(), 200);
    let change: Value = rolled.json().await.expect("json");
    assert_eq!(
        (&change["previous_version"], &change["active_version"]),
        (&json!("2"), &json!("1"))
    );
    let mut statuses = Vec::new();
    for task in load {
        statuses.extend(task.await.expect("load"));
    }
    assert!(statuses.len() > 20, "{} requests", statuses.len());
    assert!(
        statuses.iter().all(|s| *s == 200),
        "failed during the swap: {statuses:?}"
    );

    // Only with the key.
    let list = client
        .get(format!("{base}/admin/models"))
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), 401);
    let list = client
        .get(format!("{base}/admin/models"))
        .bearer_auth("wrong")
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), 401);

    // A signed webhook from the monitor rolls back from the version it names, once.
    let activated = client
        .post(format!("{base}/admin/models/minilm/activate/2"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .expect("activate");
    assert_eq!(activated.status(), 200);
    let webhook = |body: &Value, key: &str, at: i64, secret: &str| {
        let body = serde_json::to_vec(body).expect("json");
        client
            .post(format!("{base}/admin/models/minilm/rollback"))
            .header("x-sightline-timestamp", at.to_string())
            .header(
                "x-sightline-signature",
                sign(&Secret::new(secret).expect("secret"), at, &body),
            )
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let now = Timestamp::now().millis() / 1000;
    let alert = json!({"version": "4", "status": "firing", "sightline": {"action": "rollback", "model": "minilm", "current_version": "2"}});
    let first = webhook(&alert, "k1", now, SECRET).await.expect("webhook");
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["active_version"], "1");
    let again = webhook(&alert, "k1", now, SECRET).await.expect("webhook");
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<Value>().await.expect("json"),
        first,
        "a repeated key gets the first answer"
    );
    let stale_version = webhook(&alert, "k2", now, SECRET).await.expect("webhook");
    assert_eq!(stale_version.status(), 409, "v2 is no longer active");
    assert_eq!(
        webhook(&alert, "k3", now, "forged")
            .await
            .expect("webhook")
            .status(),
        401
    );
    assert_eq!(
        webhook(&alert, "k4", now - 600, SECRET)
            .await
            .expect("webhook")
            .status(),
        401
    );
    // The signature does not cover the URL: the alert must be a firing rollback of this model.
    for (body, key) in [
        (
            json!({"status": "resolved", "sightline": {"action": "rollback", "model": "minilm", "current_version": "1"}}),
            "k5",
        ),
        (
            json!({"status": "firing", "sightline": {"action": "rollback", "model": "toxicity", "current_version": "1"}}),
            "k6",
        ),
        (
            json!({"status": "firing", "sightline": {"action": "rollback", "model": "minilm"}}),
            "k7",
        ),
    ] {
        let answer = webhook(&body, key, now, SECRET).await.expect("webhook");
        assert_eq!(answer.status(), 400, "{body}");
    }
    let models: Value = client
        .get(format!("{base}/admin/models"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(models["models"][0]["active_version"], "1", "{models}");
    node.stop();

    // Two per embeddings call, and one per change of version.
    let events = events(&topic, 2 * statuses.len() + 3).await;
    assert_eq!(events.len(), 2 * statuses.len() + 3);
    let served: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "response")
        .filter_map(|e| e["model"]["version"].as_str())
        .collect();
    let first_v1 = served
        .iter()
        .position(|v| *v == "1")
        .expect("responses from version 1");
    assert!(
        served[..first_v1].iter().all(|v| *v == "2") && first_v1 > 0,
        "{served:?}"
    );
    let deployments: Vec<(&str, &str, &str)> = events
        .iter()
        .filter(|e| e["operation"] == "deployment")
        .map(|e| {
            let a = &e["attributes"];
            (
                a["deployment"].as_str().unwrap_or_default(),
                a["from_version"].as_str().unwrap_or_default(),
                a["to_version"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        deployments,
        [
            ("rollback", "2", "1"),
            ("activate", "1", "2"),
            ("rollback", "2", "1")
        ],
        "one deployment event per change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_answered_with_503_not_a_hang() {
    let node = Node::start(
        &repository(&["1"]),
        &["--no-events"],
        &[
            ("SIGHTLINE__INFERENCE__MAX_QUEUE", "2"),
            ("SIGHTLINE__INFERENCE__MAX_BATCH", "1"),
            ("SIGHTLINE__INFERENCE__SESSIONS", "1"),
        ],
    );
    let client = reqwest::Client::new();
    let text = "a long sentence about many things ".repeat(40);
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let (client, url, text) = (
                client.clone(),
                format!("{}/v1/embeddings", node.base),
                text.clone(),
            );
            tokio::spawn(async move {
                let r = client
                    .post(&url)
                    .json(&json!({"model": "minilm", "input": text}))
                    .send()
                    .await
                    .expect("an answer");
                let retry = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                (r.status().as_u16(), retry)
            })
        })
        .collect();
    let answers = tokio::time::timeout(Duration::from_secs(60), async {
        let mut out = Vec::new();
        for call in calls {
            out.push(call.await.expect("call"));
        }
        out
    })
    .await
    .expect("every call answered within a minute");
    let refused: Vec<_> = answers.iter().filter(|(s, _)| *s == 503).collect();
    let served = answers.iter().filter(|(s, _)| *s == 200).count();
    assert!(!refused.is_empty(), "no 503 under overload: {answers:?}");
    assert!(served > 0, "{answers:?}");
    assert_eq!(refused.len() + served, 64, "{answers:?}");
    assert!(
        refused.iter().all(|(_, r)| r.as_deref() == Some("1")),
        "{refused:?}"
    );
    node.stop();
}

/// A generic model takes and gives its graph's own tensors, checked against the declared shapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generic_model_serves_tensors_through_the_open_inference_protocol() {
    let repo = repository(&["1"]);
    let dir = repo.join("square").join("3");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("model.onnx"),
        sightline_e2e::onnx::square_plus_identity(3),
    )
    .expect("model");
    std::fs::write(repo.join("square/model.toml"), "task = \"generic\"\n").expect("metadata");
    let node = Node::start(&repo, &["--no-events"], &[]);
    let client = reqwest::Client::new();
    let url = format!("{}/v2/models/square/versions/3/infer", node.base);

    let meta: Value = client
        .get(format!("{}/v2/models/square", node.base))
        .send()
        .await
        .expect("metadata")
        .json()
        .await
        .expect("json");
    assert_eq!(
        meta["inputs"][0],
        json!({"name": "x", "datatype": "FP32", "shape": [-1, 3]}),
        "{meta}"
    );
    let x = json!({"name": "x", "shape": [2, 3], "datatype": "FP32", "data": [[1, 2, 3], [0.5, -1, 0]]});
    let (status, body) = post(&client, &url, json!({"id": "q1", "inputs": [x]})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "q1");
    assert_eq!(body["outputs"][0]["name"], "y");
    assert_eq!(body["outputs"][0]["shape"], json!([2, 3]));
    assert_eq!(
        body["outputs"][0]["data"],
        json!([2.0, 6.0, 12.0, 0.75, 0.0, 0.0])
    );

    let wrong_shape = json!({"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]});
    let (status, body) = post(&client, &url, json!({"inputs": [wrong_shape]})).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("the model takes FP32 [-1, 3]")),
        "{body}"
    );
    let wrong_type = json!({"name": "x", "shape": [1, 3], "datatype": "INT64", "data": [1, 2, 3]});
    let (status, body) = post(&client, &url, json!({"inputs": [wrong_type]})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(&client, &url, json!({"inputs": []})).await;
    assert!(
        status == 400
            && body["error"]
                .as_str()
                .is_some_and(|e| e.contains("\"x\" is missing")),
        "{body}"
    );
    let (status, _) = post(
        &client,
        &format!("{}/v2/models/square/versions/9/infer", node.base),
        json!({"inputs": []}),
    )
    .await;
    assert_eq!(status, 404);
    let malformed = client
        .post(&url)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("post");
    assert_eq!(malformed.status(), 400);
    node.stop();
}
