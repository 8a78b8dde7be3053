//! OTLP/JSON trace exports as the specification writes them (hex ids, nanoseconds and 64-bit
//! integers as strings), and the real OpenTelemetry clients of `tests/clients/`.

use serde_json::{Value, json};

use crate::{repo_root, service_env};

/// Runs `tests/clients/SCRIPT` with the test environment's Python (scripts/setup.sh installs the
/// clients there), and returns the JSON it prints.
pub fn run_client(script: &str, args: &[&str]) -> Value {
    let out = std::process::Command::new(service_env("SIGHTLINE_PYTHON"))
        .arg(repo_root().join("tests/clients").join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {script}: {e}"));
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{script} prints JSON: {e}"))
}

/// A chat call's span; without `model` it maps to an event that fails validation.
pub fn chat_span(
    trace_id: &str,
    span_id: &str,
    parent: Option<&str>,
    model: Option<&str>,
) -> Value {
    let kv = |k: &str, v: Value| json!({"key": k, "value": v});
    let mut attributes = vec![
        kv("gen_ai.operation.name", json!({"stringValue": "chat"})),
        kv("gen_ai.provider.name", json!({"stringValue": "openai"})),
        kv("gen_ai.usage.input_tokens", json!({"intValue": "1200"})),
        kv("gen_ai.usage.output_tokens", json!({"intValue": 300})),
    ];
    if let Some(m) = model {
        attributes.push(kv("gen_ai.request.model", json!({"stringValue": m})));
    }
    let start = 1_764_331_200_000_000_000u64 + u64::from(parent.is_some()) * 100_000_000;
    json!({
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": parent.unwrap_or_default(),
        "name": format!("chat {}", model.unwrap_or("?")),
        "startTimeUnixNano": start.to_string(),
        "endTimeUnixNano": (start + 800_000_000).to_string(),
        "attributes": attributes,
    })
}

/// One export of `spans` from `service`.
pub fn export(service: &str, spans: Vec<Value>) -> Value {
    json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"spans": spans}],
    }]})
}
