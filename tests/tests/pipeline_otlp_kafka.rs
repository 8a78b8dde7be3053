//! `sightline pipeline --format otlp_proto`: OTLP trace exports on a Kafka topic, as the
//! OpenTelemetry Collector's Kafka exporter publishes them, land in ClickHouse through the
//! join-free path; a message that is not an export goes to the dead-letter queue with its reason.

use std::time::Duration;

use serde_json::Value;
use sightline_e2e::{
    otlp,
    pipeline::{Setup, create_topic, publish},
};

const WAIT: Duration = Duration::from_secs(240);

/// One trace from the real OpenTelemetry SDK, encoded as the exporter's `otlp_proto` message.
fn sdk_export(dir: &std::path::Path, name: &str) -> (Value, Vec<u8>) {
    let file = dir.join(name);
    let ids = otlp::run_client(
        "otlp_genai_spans.py",
        &["proto", &file.display().to_string()],
    );
    (ids, std::fs::read(&file).expect("the export"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otlp_proto_messages_land_and_bad_ones_go_to_the_dlq() {
    let setup = Setup::new("otlp");
    let dir = std::env::temp_dir().join(sightline_e2e::unique_name("otlp-exports"));
    std::fs::create_dir_all(&dir).unwrap();
    let (first, first_bytes) = sdk_export(&dir, "first.pb");
    let (second, second_bytes) = sdk_export(&dir, "second.pb");
    create_topic(&setup.topic, 2).await;
    let key = |ids: &Value| Some(ids["trace_id"].as_str().unwrap().to_owned());
    publish(
        &setup.topic,
        &[
            (key(&first), first_bytes),
            // Field 1 says 127 bytes follow, and 5 do.
            (None, b"\x0a\x7fshort".to_vec()),
            (key(&second), second_bytes),
        ],
    )
    .await;
    let mut worker = setup.start_worker(&["--format", "otlp_proto"]);

    // Three LLM calls per trace; the server and tool spans are not stored.
    setup.wait_for_count("SELECT count() AS n FROM llm_events", 6, WAIT);
    setup.wait_for_count("SELECT count() AS n FROM dead_letters", 1, WAIT);
    worker.assert_running();

    for ids in [&first, &second] {
        let trace_id = ids["trace_id"].as_str().unwrap();
        let current = ids["spans"]["current"].as_str().unwrap();
        let rows = setup.query(&format!(
            "SELECT request_id, model, provider, input_tokens, output_tokens, cache_read_tokens, \
             status, prompt FROM llm_events WHERE trace_id = '{trace_id}' AND span_id = '{current}'"
        ));
        assert_eq!(rows.len(), 1, "{rows:?}");
        let row = &rows[0];
        assert_eq!(row["request_id"], format!("{trace_id}-{current}"));
        assert_eq!(row["model"], "gpt-4o-mini-2024-07-18");
        assert_eq!(row["provider"], "openai");
        let number = |v: &Value| v.as_u64().or_else(|| v.as_str()?.parse().ok());
        assert_eq!(
            (
                number(&row["input_tokens"]),
                number(&row["output_tokens"]),
                number(&row["cache_read_tokens"])
            ),
            (Some(21), Some(9), Some(16))
        );
        assert_eq!(row["status"], "ok");
        assert_eq!(row["prompt"], "Where is my order 1234?");
        let failed = ids["spans"]["failed"].as_str().unwrap();
        let errors = setup.count(&format!(
            "SELECT count() AS n FROM llm_events WHERE trace_id = '{trace_id}' AND span_id = '{failed}' \
             AND status = 'error' AND error_type = 'timeout'"
        ));
        assert_eq!(errors, 1);
    }
    let reasons = setup.query("SELECT reason FROM dead_letters");
    let reason = reasons[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("not an OTLP ExportTraceServiceRequest in protobuf"),
        "{reason}"
    );
    worker.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
