use serde_json::{Value, json};
use sightline_schemas::{Limits, Payload, ResponseStatus, decode_event};

use super::{Encoding, OtlpConfig, map_export};

/// An OTLP/JSON export as the specification writes one: hex ids, nanoseconds and integers as
/// strings, enums as numbers.
fn export() -> Value {
    let kv = |k: &str, v: Value| json!({"key": k, "value": v});
    let s = |v: &str| json!({"stringValue": v});
    let i = |v: i64| json!({"intValue": v.to_string()});
    json!({"resourceSpans": [{
        "resource": {"attributes": [
            kv("service.name", s("support-bot")),
            kv("deployment.environment.name", s("staging")),
            kv("sightline.project", s("acme")),
        ]},
        "scopeSpans": [{
            "scope": {"name": "opentelemetry.instrumentation.openai_v2"},
            "spans": [
                {
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b174",
                    "name": "handle /chat",
                    "kind": 2,
                    "startTimeUnixNano": "1764331200000000000",
                    "endTimeUnixNano": "1764331201500000000",
                    "attributes": [kv("http.route", s("/chat"))],
                },
                {
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b175",
                    "parentSpanId": "eee19b7ec3c1b174",
                    "name": "chat gpt-4o-mini",
                    "kind": 3,
                    "startTimeUnixNano": "1764331200100000000",
                    "endTimeUnixNano": "1764331201350000000",
                    "attributes": [
                        kv("gen_ai.operation.name", s("chat")),
                        kv("gen_ai.provider.name", s("openai")),
                        kv("gen_ai.request.model", s("gpt-4o-mini")),
                        kv("gen_ai.response.model", s("gpt-4o-mini-2024-07-18")),
                        kv("gen_ai.request.temperature", json!({"doubleValue": 0.2})),
                        kv("gen_ai.usage.input_tokens", i(14)),
                        kv("gen_ai.usage.output_tokens", i(7)),
                        kv("gen_ai.usage.cache_read.input_tokens", i(4)),
                        kv("gen_ai.response.finish_reasons", json!({"arrayValue": {"values": [s("stop")]}})),
                        kv("gen_ai.input.messages", s(r#"[{"role":"user","parts":[{"type":"text","content":"Summarise the quarter."}]}]"#)),
                        kv("gen_ai.output.messages", s(r#"[{"role":"assistant","parts":[{"type":"text","content":"Revenue grew 4%."}],"finish_reason":"stop"}]"#)),
                        kv("gen_ai.response.time_to_first_chunk", json!({"doubleValue": 0.25})),
                        kv("user.id", s("u-1")),
                    ],
                    "status": {},
                },
                {
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b176",
                    "parentSpanId": "eee19b7ec3c1b174",
                    "name": "openai.chat",
                    "startTimeUnixNano": "1764331201000000000",
                    "endTimeUnixNano": "1764331201400000000",
                    "attributes": [
                        kv("gen_ai.system", s("openai")),
                        kv("gen_ai.request.model", s("gpt-4o")),
                        kv("gen_ai.usage.prompt_tokens", i(3)),
                        kv("error.type", s("rate_limit")),
                    ],
                    "status": {"code": 2, "message": "429 Too Many Requests"},
                },
                {
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b177",
                    "name": "chat",
                    "attributes": [kv("gen_ai.operation.name", s("chat"))],
                },
                {
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b178",
                    "name": "execute_tool get_weather",
                    "attributes": [kv("gen_ai.operation.name", s("execute_tool"))],
                },
            ],
        }],
    }]})
}

fn decoded() -> super::Mapped {
    let body = serde_json::to_vec(&export()).unwrap();
    let request = Encoding::Json.decode(&body).expect("OTLP/JSON decodes");
    map_export(&request, &OtlpConfig::default())
}

#[test]
fn llm_call_spans_become_completions_and_others_are_counted() {
    let mapped = decoded();
    // The HTTP span and the tool span are not model calls.
    assert_eq!(mapped.not_llm_calls, 2);
    assert_eq!(mapped.events.len(), 3);
    let chat = decode_event(&mapped.events[0].json, &Limits::default()).expect("valid");
    let h = &chat.header;
    assert_eq!(
        h.request_id,
        "5b8efff798038103d269b633813fc60c-eee19b7ec3c1b175"
    );
    assert_eq!(
        h.event_id,
        "otlp-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b175"
    );
    assert_eq!(
        h.trace_id.as_deref(),
        Some("5b8efff798038103d269b633813fc60c")
    );
    assert_eq!(h.parent_span_id.as_deref(), Some("eee19b7ec3c1b174"));
    assert_eq!(
        (
            h.service.as_str(),
            h.environment.as_str(),
            h.project.as_str()
        ),
        ("support-bot", "staging", "acme")
    );
    let model = h.model.as_ref().unwrap();
    assert_eq!(
        (model.provider.as_str(), model.name.as_str()),
        ("openai", "gpt-4o-mini-2024-07-18")
    );
    assert_eq!(h.operation.as_deref(), Some("chat"));
    assert_eq!(h.user_id.as_deref(), Some("u-1"));
    assert_eq!(h.timestamp.0, 1_764_331_201_350);
    assert_eq!(
        h.attributes["otel.scope.name"],
        "opentelemetry.instrumentation.openai_v2"
    );
    let Payload::Completion { request, response } = chat.payload else {
        panic!("a completion");
    };
    assert_eq!(request.text(), Some("Summarise the quarter."));
    assert_eq!(request.params["temperature"], json!(0.2));
    assert_eq!(response.status, ResponseStatus::Ok);
    assert_eq!(response.output.as_deref(), Some("Revenue grew 4%."));
    assert_eq!(response.finish_reasons, ["stop"]);
    assert_eq!(
        (
            response.usage.input_tokens,
            response.usage.output_tokens,
            response.usage.cache_read_input_tokens
        ),
        (Some(14), Some(7), Some(4))
    );
    assert_eq!(response.timings.latency_ms, Some(1250.0));
    assert_eq!(response.timings.time_to_first_chunk_ms, Some(250.0));
}

#[test]
fn older_names_and_failed_calls_carry_over() {
    let mapped = decoded();
    let failed = decode_event(&mapped.events[1].json, &Limits::default()).expect("valid");
    let model = failed.header.model.as_ref().unwrap();
    assert_eq!(
        (model.provider.as_str(), model.name.as_str()),
        ("openai", "gpt-4o")
    );
    let Payload::Completion { request, response } = failed.payload else {
        panic!("a completion");
    };
    // No content was captured: the exchange is kept with an empty prompt.
    assert_eq!(request.prompt.as_deref(), Some(""));
    assert_eq!(response.status, ResponseStatus::Error);
    let error = response.error.unwrap();
    assert_eq!(
        (error.kind.as_str(), error.message.as_deref()),
        ("rate_limit", Some("429 Too Many Requests"))
    );
    assert_eq!(response.usage.input_tokens, Some(3));
}

#[test]
fn a_span_that_maps_to_an_invalid_event_is_rejected_with_its_reasons() {
    let mapped = decoded();
    let bare = &mapped.events[2];
    let rejection = bare
        .validate(&Limits::default())
        .expect_err("no model: rejected");
    let described = super::describe_rejection(bare, &rejection);
    assert!(
        described.starts_with("span eee19b7ec3c1b177: "),
        "{described}"
    );
    assert!(described.contains("model.name"), "{described}");
    assert!(described.contains("model.provider"), "{described}");
}

#[test]
fn bodies_that_are_not_otlp_say_why() {
    let e = Encoding::Json
        .decode(br#"{"resourceSpans": 7}"#)
        .unwrap_err();
    assert!(e.contains("OTLP/JSON"), "{e}");
    let e = Encoding::Protobuf.decode(b"\xff\xff\xff").unwrap_err();
    assert!(e.contains("protobuf"), "{e}");
}
