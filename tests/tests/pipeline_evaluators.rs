//! The evaluators in the real pipeline, from the real broker to the real ClickHouse: exact costs
//! from the price table, toxicity from the default (native linear) model, bias tags, and PII
//! redaction of the stored texts and of the dead-letter copy.

use std::time::Duration;

use serde_json::{Value, json};
use sightline_e2e::pipeline::{Setup, as_messages, create_topic, publish};

const WAIT: Duration = Duration::from_secs(180);

fn completion(
    id: &str,
    provider: &str,
    model: &str,
    prompt: &str,
    output: &str,
    tokens: (u64, u64),
) -> Value {
    json!({
        "schema_version": "1",
        "event_id": format!("evt-{id}"),
        "kind": "completion",
        "request_id": id,
        "timestamp": "2026-11-28T12:00:00Z",
        "service": "e2e",
        "environment": "test",
        "project": "evaluators",
        "model": {"provider": provider, "name": model, "version": ""},
        "operation": "chat",
        "request": {"prompt": prompt},
        "response": {
            "status": "ok",
            "output": output,
            "usage": {"input_tokens": tokens.0, "output_tokens": tokens.1},
            "timings": {"latency_ms": 800.0, "time_to_first_chunk_ms": 200.0}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costs_toxicity_bias_and_redaction_land_in_clickhouse() {
    let setup = Setup::new("evals");
    let mut events = vec![
        // gpt-4o-mini is $0.15 in / $0.60 out per million: 2,000 in and 1,000 out cost $0.0009.
        completion(
            "cost-mini",
            "openai",
            "gpt-4o-mini",
            "Summarise the report.",
            "The report says revenue grew.",
            (2_000, 1_000),
        ),
        // claude-3-5-haiku is $0.80 / $4.00 per million: 1,000 and 500 cost $0.0028.
        completion(
            "cost-haiku",
            "anthropic",
            "claude-3-5-haiku-20241022",
            "Translate hello.",
            "Bonjour.",
            (1_000, 500),
        ),
        completion(
            "cost-unknown",
            "acme",
            "house-model",
            "Hi",
            "Hello there.",
            (10, 10),
        ),
        completion(
            "toxic",
            "openai",
            "gpt-4o-mini",
            "Say something.",
            "you are a fucking idiot and a worthless piece of shit",
            (5, 12),
        ),
        completion(
            "benign",
            "openai",
            "gpt-4o-mini",
            "Say something.",
            "Thank you for your question, have a lovely day.",
            (5, 10),
        ),
        completion(
            "bias",
            "openai",
            "gpt-4o-mini",
            "Tell me about teachers.",
            "Many women and older people work as teachers.",
            (6, 9),
        ),
        completion(
            "pii",
            "openai",
            "gpt-4o-mini",
            "My email is jane.doe@example.com and my card is 4069 0067 9218 8143.",
            "I will not store jane.doe@example.com or 4069-0067-9218-8143.",
            (20, 15),
        ),
    ];
    let mut supplied = completion(
        "cost-supplied",
        "openai",
        "gpt-4o-mini",
        "Hi",
        "Hello.",
        (1_000_000, 0),
    );
    supplied["response"]["cost_usd"] = json!("0.5");
    events.push(supplied);
    let mut messages = as_messages(&events);
    // An invalid event carrying PII: its dead-letter copy must be redacted too.
    messages.push((
        Some("bad-pii".into()),
        br#"{"schema_version": "1", "event_id": "bad", "note": "contact jane.doe@example.com", "#
            .to_vec(),
    ));

    create_topic(&setup.topic, 2).await;
    publish(&setup.topic, &messages).await;
    let worker =
        setup.start_worker_with_env(&[], &[("SIGHTLINE__EVALUATORS__PII__REDACT", "mask")]);
    setup.wait_for_count(
        "SELECT count() AS n FROM llm_events",
        events.len() as u64,
        WAIT,
    );
    setup.wait_for_count("SELECT count() AS n FROM dead_letters", 1, WAIT);

    let row = |id: &str| -> Value {
        let rows = setup.query(&format!(
            "SELECT cost_nusd, cost_computed_nusd, cost_supplied_nusd, price_id, offensive_language, \
             offensive_label, identity_groups_output, tokens_per_s, pii_email, pii_credit_card, prompt, output \
             FROM llm_events WHERE request_id = '{id}'"
        ));
        rows.into_iter()
            .next()
            .unwrap_or_else(|| panic!("no row for {id}"))
    };
    let int = |v: &Value| -> Option<i64> {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };

    assert_eq!(int(&row("cost-mini")["cost_nusd"]), Some(900_000));
    assert_eq!(row("cost-mini")["price_id"], "openai/gpt-4o-mini");
    assert_eq!(int(&row("cost-haiku")["cost_nusd"]), Some(2_800_000));
    assert_eq!(
        row("cost-unknown")["cost_nusd"],
        Value::Null,
        "an unknown model has no cost"
    );
    let supplied = row("cost-supplied");
    assert_eq!(
        int(&supplied["cost_nusd"]),
        Some(500_000_000),
        "the supplied cost wins"
    );
    assert_eq!(
        int(&supplied["cost_computed_nusd"]),
        Some(150_000_000),
        "and the computed one is kept"
    );

    let toxic = row("toxic")["offensive_language"]
        .as_f64()
        .expect("toxic score");
    let benign = row("benign")["offensive_language"]
        .as_f64()
        .expect("benign score");
    assert!(
        toxic > 0.9 && benign < 0.2,
        "toxic {toxic}, benign {benign}"
    );
    assert_eq!(row("toxic")["offensive_label"], "offensive");
    assert_eq!(row("benign")["offensive_label"], "not_offensive");

    let tags = row("bias")["identity_groups_output"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        tags.contains("gender:women") && tags.contains("age:old"),
        "{tags}"
    );
    let rate = row("bias")["tokens_per_s"].as_f64().expect("tokens/s");
    assert!(
        (rate - 9.0 / 0.6).abs() < 1e-9,
        "9 tokens over 600 ms of generation: {rate}"
    );

    let pii = row("pii");
    assert_eq!(int(&pii["pii_email"]), Some(2));
    assert_eq!(int(&pii["pii_credit_card"]), Some(2));
    let mut stored: Vec<String> = setup
        .query("SELECT prompt, output FROM llm_events")
        .iter()
        .flat_map(|r| [r["prompt"].to_string(), r["output"].to_string()])
        .collect();
    let letters = setup.query("SELECT payload, reason FROM dead_letters");
    assert_eq!(letters.len(), 1);
    stored.extend(
        letters
            .iter()
            .flat_map(|r| [r["payload"].to_string(), r["reason"].to_string()]),
    );
    for text in &stored {
        assert!(
            !text.contains("jane.doe@example.com"),
            "an email was stored: {text}"
        );
        assert!(!text.contains("4069"), "a card number was stored: {text}");
    }
    assert!(
        pii["prompt"]
            .as_str()
            .unwrap_or_default()
            .contains("[EMAIL]")
    );

    let scores =
        setup.count("SELECT count() AS n FROM evaluations WHERE metric = 'offensive_language'");
    assert_eq!(
        scores,
        events.len() as u64,
        "one offensive_language score per response"
    );
    worker.stop();
}
