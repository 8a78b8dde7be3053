//! The single pass must decide exactly as the checker does. Every valid fixture and a rich event
//! are edited one place at a time, in every way that matters to a validator (a field removed,
//! nulled, retyped, lengthened, repeated, or joined by an unknown one), and each edited event must
//! decode to the same view, or the same rejection, through both.

use serde_json::{Value, json};

use super::{Limits, checked, decode_view, wire};

/// The fixtures, and an event that uses every optional part of the schema.
fn events() -> Vec<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/valid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut events: Vec<Value> = files
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json"))
        .collect();
    events.push(json!({
        "schema_version": "1.2", "event_id": "e-1", "kind": "completion", "request_id": "r-1",
        "timestamp": 1_764_000_000_123_i64, "service": "s", "environment": "prod", "project": "p",
        "model": {"provider": "openai", "name": "gpt", "version": ""}, "operation": "chat",
        "trace_id": "t", "span_id": "s", "parent_span_id": "q", "session_id": "x", "user_id": "u",
        "attributes": {"tenant": "acme", "region": "eu", "empty": ""},
        "request": {
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi\n\"there\""}],
            "params": {"temperature": 0.7, "top_p": 1, "max_tokens": 256, "stream": true, "seed": [1]}
        },
        "response": {
            "status": "error", "output": "", "finish_reasons": ["length", "stop"],
            "error": {"type": "timeout", "message": "slow"},
            "usage": {"input_tokens": 10, "output_tokens": 0, "cache_read_input_tokens": 3, "reasoning_tokens": 1},
            "timings": {"latency_ms": 12.5, "time_to_first_chunk_ms": 0, "queue_ms": 1},
            "cost_usd": 0.00012
        }
    }));
    events.push(json!({
        "schema_version": "1", "event_id": "f-1", "kind": "feedback", "request_id": "r-1",
        "timestamp": "2026-11-28T12:00:00.5+01:00", "service": "s", "environment": "e", "project": "p",
        "feedback": {"score": -0.5, "label": "thumbs_down", "comment": "caf\u{e9}"}
    }));
    events
}

/// Values a field may be turned into: every JSON type, and the edges of each rule.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(-0.0),
        json!(12.0),
        json!(0.5),
        json!(1.5),
        json!(1e3),
        json!(18_446_744_073_709_551_615_u64),
        json!(4e19),
        json!(253_402_300_800_000_i64),
        json!(""),
        json!("x"),
        json!("12"),
        json!("0.5"),
        json!("ok"),
        json!("error"),
        json!("user"),
        json!("request"),
        json!("feedback"),
        json!("2"),
        json!("1.01"),
        json!("2026-11-28T12:00:00Z"),
        json!("caf\u{e9} \"quoted\"\n"),
        json!("é".repeat(129)),
        json!("x".repeat(300)),
        json!("y".repeat(5000)),
        json!([]),
        json!(["a"]),
        json!([{"role": "user", "content": "c"}]),
        json!({}),
        json!({"a": "b"}),
        json!({"provider": "p", "name": "n", "version": "v"}),
        json!({"type": "t"}),
        json!({"status": "ok"}),
        json!({"prompt": "p"}),
        json!({"score": 1}),
    ]
}

/// Every place in `value`, as a path of keys and indexes.
fn places(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(Step::Key(k.clone()));
                out.push(at.clone());
                places(v, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Step::Index(i));
                out.push(at.clone());
                places(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn value_at<'v>(root: &'v Value, path: &[Step]) -> &'v Value {
    path.iter().fold(root, |v, step| match step {
        Step::Key(k) => &v[k.as_str()],
        Step::Index(i) => &v[*i],
    })
}

/// The value holding the place, and the place's own step.
fn parent<'v>(root: &'v mut Value, path: &[Step]) -> (&'v mut Value, Step) {
    let (last, init) = path.split_last().expect("a place has a step");
    let mut v = root;
    for step in init {
        v = match step {
            Step::Key(k) => &mut v[k.as_str()],
            Step::Index(i) => &mut v[*i],
        };
    }
    (v, last.clone())
}

fn set(root: &Value, path: &[Step], new: Option<Value>) -> Value {
    let mut out = root.clone();
    let (holder, step) = parent(&mut out, path);
    match (holder, step, new) {
        (Value::Object(map), Step::Key(k), Some(v)) => {
            map.insert(k, v);
        }
        (Value::Object(map), Step::Key(k), None) => {
            map.remove(&k);
        }
        (Value::Array(items), Step::Index(i), Some(v)) => items[i] = v,
        (Value::Array(items), Step::Index(i), None) => {
            items.remove(i);
        }
        _ => unreachable!("a place's step matches its holder"),
    }
    out
}

fn agree(bytes: &[u8], what: &dyn Fn() -> String) {
    let limits = Limits::default();
    let text = std::str::from_utf8(bytes).expect("tests write UTF-8");
    assert_eq!(
        decode_view(bytes, &limits),
        checked(text, &limits),
        "{}",
        what()
    );
}

#[test]
fn every_valid_event_takes_the_single_pass() {
    let limits = Limits::default();
    for event in events() {
        let text = event.to_string();
        let fast = wire::decode(&text, &limits);
        assert!(fast.is_some(), "the single pass stepped aside for {text}");
        assert_eq!(fast.map(Ok), Some(checked(&text, &limits)), "{text}");
    }
}

#[test]
fn both_passes_decide_every_edit_alike() {
    let mut cases = 0;
    for event in events() {
        let mut paths = Vec::new();
        places(&event, &mut Vec::new(), &mut paths);
        for path in &paths {
            let edits = replacements()
                .into_iter()
                .map(Some)
                .chain([None])
                .map(|new| set(&event, path, new));
            for edited in edits {
                agree(edited.to_string().as_bytes(), &|| {
                    format!("{path:?}: {edited}")
                });
                cases += 1;
            }
        }
        let objects = std::iter::once(Vec::new())
            .chain(paths)
            .filter(|p| value_at(&event, p).is_object());
        for object in objects {
            let place = [object.as_slice(), &[Step::Key("unknown".into())]].concat();
            let edited = set(&event, &place, Some(json!(1)));
            agree(edited.to_string().as_bytes(), &|| {
                format!("unknown beside {object:?}")
            });
            cases += 1;
        }
    }
    assert!(cases > 5_000, "only {cases} edits were tried");
}

/// A repeated key keeps its last value in both passes, or is refused by both.
#[test]
fn repeated_keys_decide_alike() {
    for event in events() {
        let text = event.to_string();
        let Value::Object(map) = &event else {
            panic!("events are objects")
        };
        for (key, value) in map {
            for first in [value.clone(), Value::Null, json!("other")] {
                // The repeat goes first, so the original value is the last one.
                let repeated = format!("{{{}:{},{}", Value::from(key.as_str()), first, &text[1..]);
                agree(repeated.as_bytes(), &|| repeated.clone());
            }
        }
    }
}

/// Escaped keys and strings, and whitespace, are read alike.
#[test]
fn escapes_and_spacing_decide_alike() {
    for event in events() {
        let pretty = serde_json::to_string_pretty(&event).expect("serializes");
        agree(pretty.as_bytes(), &|| pretty.clone());
        let escaped_key = event.to_string().replacen("\"kind\"", "\"k\\u0069nd\"", 1);
        agree(escaped_key.as_bytes(), &|| escaped_key.clone());
        let escaped_value =
            event
                .to_string()
                .replacen("\"service\":\"", "\"service\":\"\\u00e9", 1);
        agree(escaped_value.as_bytes(), &|| escaped_value.clone());
    }
    for odd in [
        "",
        "[]",
        "null",
        "{",
        "{}",
        "{} {}",
        "\"x\"",
        "{\"kind\":\"request\"}",
    ] {
        agree(odd.as_bytes(), &|| odd.to_owned());
    }
}
