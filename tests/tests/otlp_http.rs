//! `POST /v1/traces` on `sightline api --embedded`: GenAI spans from the real OpenTelemetry SDK and
//! its OTLP/HTTP protobuf exporter (gzip), the openai client instrumented by
//! opentelemetry-instrumentation-openai-v2 against the inference node, an OTLP/JSON export with the
//! trace view over it, and bodies that are not OTLP.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sightline_e2e::{api::Api, node, otlp};

fn start(prefix: &str) -> Api {
    let dir = std::env::temp_dir().join(sightline_e2e::unique_name(prefix));
    Api::start(
        prefix,
        &[
            "--embedded".into(),
            "--data-dir".into(),
            dir.display().to_string(),
        ],
        &[("SIGHTLINE__EVALUATORS__ENABLED", "[\"latency\",\"cost\"]")],
    )
}

/// The rows of `trace_id`, by span id, once `expected` of them are stored.
async fn rows_of_trace(api: &Api, trace_id: &str, expected: usize) -> Vec<Value> {
    let sql = format!(
        "SELECT request_id, span_id, trace_id, service, environment, project, provider, model, \
         operation, status, error_type, finish_reason, input_tokens, output_tokens, \
         cache_read_tokens, prompt, output, session_id, latency_ms FROM llm_events \
         WHERE trace_id = '{trace_id}' ORDER BY span_id"
    );
    for _ in 0..120 {
        let rows = api.sql(&sql).await;
        if rows.len() >= expected {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "fewer than {expected} rows for trace {trace_id}: {:?}",
        api.sql(&sql).await
    );
}

fn by_span<'a>(rows: &'a [Value], span_id: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["span_id"] == span_id)
        .unwrap_or_else(|| panic!("no row for span {span_id}: {rows:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_from_the_opentelemetry_sdk_land_as_exchanges() {
    let api = start("otlp_sdk");
    let endpoint = format!("{}/v1/traces", api.base);
    let sent = otlp::run_client(
        "otlp_genai_spans.py",
        &["http", &endpoint, &api.ingest, "--gzip"],
    );
    let trace_id = sent["trace_id"].as_str().unwrap();
    let span = |name: &str| sent["spans"][name].as_str().unwrap().to_owned();

    let rows = rows_of_trace(&api, trace_id, 3).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rows = rows_of_trace(&api, trace_id, rows.len()).await;
    assert_eq!(
        rows.len(),
        3,
        "the server span and the tool span are not exchanges: {rows:?}"
    );
    for row in &rows {
        assert_eq!(row["service"], "otel-support-bot");
        assert_eq!(row["environment"], "staging");
        assert_eq!(row["project"], "acme");
        assert_eq!(
            row["request_id"],
            format!("{trace_id}-{}", row["span_id"].as_str().unwrap())
        );
        assert!(row["latency_ms"].as_f64().unwrap() >= 0.0, "{row}");
    }
    let current = by_span(&rows, &span("current"));
    assert_eq!(current["provider"], "openai");
    assert_eq!(current["model"], "gpt-4o-mini-2024-07-18");
    assert_eq!(current["operation"], "chat");
    assert_eq!(current["status"], "ok");
    assert_eq!(current["finish_reason"], "stop");
    assert_eq!(
        (
            &current["input_tokens"],
            &current["output_tokens"],
            &current["cache_read_tokens"]
        ),
        (&json!(21), &json!(9), &json!(16))
    );
    assert_eq!(current["prompt"], "Where is my order 1234?");
    assert_eq!(current["output"], "It ships tomorrow.");
    assert_eq!(current["session_id"], "s-42");

    let openllmetry = by_span(&rows, &span("openllmetry"));
    assert_eq!(openllmetry["model"], "gpt-4o-2024-08-06");
    assert_eq!(
        (&openllmetry["input_tokens"], &openllmetry["output_tokens"]),
        (&json!(33), &json!(5))
    );
    assert_eq!(openllmetry["prompt"], "Say yes.");
    assert_eq!(openllmetry["output"], "Yes.");

    let failed = by_span(&rows, &span("failed"));
    assert_eq!(failed["provider"], "anthropic");
    assert_eq!(failed["status"], "error");
    assert_eq!(failed["error_type"], "timeout");
    assert_eq!(failed["prompt"], "Draft the reply.");

    let (status, metrics) = api
        .call(reqwest::Method::GET, "/metrics", Some(&api.read), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().unwrap_or_default().to_owned();
    for line in [
        "sightline_otlp_spans_total{outcome=\"exchange\"} 3",
        "sightline_otlp_spans_total{outcome=\"not_llm_call\"} 2",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_json_lands_and_bad_bodies_are_refused_with_reasons() {
    let api = start("otlp_json");
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let export = otlp::export(
        "json-svc",
        vec![
            otlp::chat_span(trace_id, "00f067aa0ba902b7", None, Some("gpt-4.1")),
            otlp::chat_span(trace_id, "00f067aa0ba902b8", None, None),
            otlp::chat_span(
                trace_id,
                "00f067aa0ba902b9",
                Some("00f067aa0ba902b7"),
                Some("gpt-4.1-mini"),
            ),
        ],
    );
    let (status, reply) = api
        .post_traces("application/json", export.to_string().into_bytes())
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let partial = &reply["partialSuccess"];
    assert_eq!(partial["rejectedSpans"], json!(1), "{reply}");
    let message = partial["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("span 00f067aa0ba902b8: model.name"),
        "{message}"
    );

    let rows = rows_of_trace(&api, trace_id, 2).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let root = by_span(&rows, "00f067aa0ba902b7");
    assert_eq!(root["model"], "gpt-4.1");
    assert_eq!(root["service"], "json-svc");
    assert_eq!(
        (&root["input_tokens"], &root["output_tokens"]),
        (&json!(1200), &json!(300))
    );
    assert_eq!(root["latency_ms"], json!(800.0));

    // The trace view: by trace id the tree alone, by request id the exchange with its trace.
    let view = api.get(&format!("/v1/traces/{trace_id}")).await;
    let calls = view["trace"]["exchanges"].as_array().expect("exchanges");
    let shape: Vec<(&str, u64, &Value)> = calls
        .iter()
        .map(|c| {
            (
                c["model"].as_str().unwrap(),
                c["depth"].as_u64().unwrap(),
                &c["parent_request_id"],
            )
        })
        .collect();
    let root_id = format!("{trace_id}-00f067aa0ba902b7");
    assert_eq!(
        shape,
        [
            ("gpt-4.1", 0, &Value::Null),
            ("gpt-4.1-mini", 1, &json!(root_id))
        ],
        "{view}"
    );
    assert_eq!(calls[1]["offset_ms"], json!(100.0), "{view}");
    assert_eq!(
        view["trace"]["totals"]["input_tokens"],
        json!(2400),
        "{view}"
    );
    assert!(view.get("exchange").is_none(), "{view}");
    let one = api.get(&format!("/v1/traces/{root_id}")).await;
    assert_eq!(one["exchange"]["request_id"], json!(root_id));
    assert_eq!(one["exchange"]["parent_span_id"], Value::Null);
    assert_eq!(
        one["trace"]["exchanges"].as_array().map(Vec::len),
        Some(2),
        "{one}"
    );
    let (status, body) = api
        .call(
            reqwest::Method::GET,
            "/v1/traces/0000feedbeef",
            Some(&api.read),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // The rejected span's event is in the dead-letter queue with its reason.
    let mut dead = Vec::new();
    for _ in 0..120 {
        dead = api
            .sql("SELECT reason FROM dead_letters WHERE reason LIKE '%model.name%'")
            .await;
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(dead.len(), 1, "{dead:?}");

    let (status, reply) = api
        .post_traces("application/json", br#"{"resourceSpans": 7}"#.to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("OTLP/JSON"),
        "{reply}"
    );
    let (status, _) = api
        .post_traces("application/x-protobuf", vec![0xff, 0xff, 0xff])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, reply) = api.post_traces("text/plain", b"hello".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{reply}");
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("application/x-protobuf"),
        "{reply}"
    );
    let (status, _) = api
        .post_traces("application/json", vec![b' '; 17 << 20])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = api.post_traces("application/json", vec![]).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an empty JSON body is not an export"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_client_instrumented_against_the_inference_node_lands() {
    let api = start("otlp_openai");
    let repo = node::repository(&["1"]);
    let node = node::Node::start(&repo, &["--no-events"], &[]);
    let (base_url, endpoint) = (
        format!("{}/v1", node.base),
        format!("{}/v1/traces", api.base),
    );
    let sent = otlp::run_client(
        "openai_instrumented.py",
        &[&base_url, &endpoint, &api.ingest],
    );
    // The client asks for base64 embeddings by default, and decodes MiniLM's 384 floats.
    assert_eq!(
        (&sent["vectors"], &sent["dimensions"]),
        (&json!(2), &json!(384)),
        "{sent}"
    );
    let trace_id = sent["trace_id"].as_str().unwrap();
    let rows = rows_of_trace(&api, trace_id, 1).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["span_id"], sent["span_id"]);
    assert_eq!(row["service"], "openai-client");
    assert_eq!(row["operation"], "embeddings");
    assert_eq!(row["provider"], "openai");
    assert_eq!(row["model"], "minilm");
    assert_eq!(row["status"], "ok");
    assert_eq!(row["input_tokens"], sent["prompt_tokens"], "{row}");
    node.stop();
    let _ = std::fs::remove_dir_all(repo);
}
