//! Property: any valid event serializes to JSON that decodes back to the same event.

use std::collections::BTreeMap;

use proptest::{option, prelude::*};
use sightline_schemas::{
    ErrorInfo, Event, Feedback, Header, Limits, Message, ModelRef, NanoUsd, Payload, RequestBody,
    ResponseBody, ResponseStatus, Timestamp, Timings, Usage, decode_event,
};

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.:-]{1,40}"
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,60}"
}

fn millis() -> impl Strategy<Value = f64> {
    (0u32..10_000_000).prop_map(|n| f64::from(n) / 8.0)
}

fn header() -> impl Strategy<Value = Header> {
    let model = (id(), id(), "[a-z0-9.-]{0,12}").prop_map(|(provider, name, version)| ModelRef {
        provider,
        name,
        version,
    });
    let ids = (
        option::of(id()),
        option::of(id()),
        option::of(id()),
        option::of(id()),
        option::of(id()),
    );
    (
        (
            id(),
            id(),
            0i64..4_102_444_800_000,
            id(),
            id(),
            id(),
            "1(\\.[1-9][0-9]?)?",
        ),
        option::of(model),
        option::of(id()),
        ids,
        proptest::collection::btree_map("[a-z_.]{1,12}", text(), 0..5),
    )
        .prop_map(
            |(
                (event_id, request_id, ts, service, environment, project, version),
                model,
                operation,
                ids,
                attributes,
            )| Header {
                schema_version: version,
                event_id,
                request_id,
                timestamp: Timestamp(ts),
                service,
                environment,
                project,
                model,
                operation,
                trace_id: ids.0,
                span_id: ids.1,
                parent_span_id: ids.2,
                session_id: ids.3,
                user_id: ids.4,
                attributes: attributes.into_iter().collect::<BTreeMap<_, _>>(),
            },
        )
}

fn request() -> impl Strategy<Value = RequestBody> {
    let role = prop_oneof![
        Just("system"),
        Just("user"),
        Just("assistant"),
        Just("tool")
    ];
    let messages = proptest::collection::vec((role, text()), 0..4).prop_map(|ms| {
        ms.into_iter()
            .map(|(r, c)| Message {
                role: r.into(),
                content: c,
            })
            .collect::<Vec<_>>()
    });
    (
        option::of(text()),
        messages,
        option::of(0u32..4096),
        option::of(0u8..20),
    )
        .prop_map(|(prompt, messages, max_tokens, temp)| {
            // A request needs a prompt or messages.
            let prompt = if messages.is_empty() {
                Some(prompt.unwrap_or_default())
            } else {
                prompt
            };
            let mut params = serde_json::Map::new();
            if let Some(m) = max_tokens {
                params.insert("max_tokens".into(), m.into());
            }
            if let Some(t) = temp {
                params.insert("temperature".into(), (f64::from(t) / 10.0).into());
            }
            RequestBody {
                prompt,
                messages,
                params,
            }
        })
}

fn response() -> impl Strategy<Value = ResponseBody> {
    let usage = (
        option::of(any::<u32>()),
        option::of(any::<u32>()),
        option::of(0u64..1000),
        option::of(0u64..1000),
    )
        .prop_map(|(i, o, c, r)| Usage {
            input_tokens: i.map(u64::from),
            output_tokens: o.map(u64::from),
            cache_read_input_tokens: c,
            reasoning_tokens: r,
        });
    let timings = (
        option::of(millis()),
        option::of(millis()),
        option::of(millis()),
    )
        .prop_map(|(latency_ms, time_to_first_chunk_ms, queue_ms)| Timings {
            latency_ms,
            time_to_first_chunk_ms,
            queue_ms,
        });
    (
        any::<bool>(),
        option::of(text()),
        proptest::collection::vec(id(), 0..3),
        option::of(text()),
        usage,
        timings,
        option::of(0i64..1_000_000_000_000),
    )
        .prop_map(
            |(ok, output, finish_reasons, message, usage, timings, cost)| ResponseBody {
                status: if ok {
                    ResponseStatus::Ok
                } else {
                    ResponseStatus::Error
                },
                output,
                finish_reasons,
                error: (!ok).then(|| ErrorInfo {
                    kind: "timeout".into(),
                    message,
                }),
                usage,
                timings,
                cost_usd: cost.map(NanoUsd),
            },
        )
}

fn event() -> impl Strategy<Value = Event> {
    let payload = prop_oneof![
        request().prop_map(|request| Payload::Request { request }),
        response().prop_map(|response| Payload::Response { response }),
        (request(), response())
            .prop_map(|(request, response)| Payload::Completion { request, response }),
        (-100i32..=100, option::of(id()), option::of(text())).prop_map(|(s, label, comment)| {
            Payload::Feedback {
                feedback: Feedback {
                    score: f64::from(s) / 100.0,
                    label,
                    comment,
                },
            }
        }),
    ];
    (header(), payload).prop_map(|(mut header, payload)| {
        // Model and operation are required on every kind but feedback.
        if !matches!(payload, Payload::Feedback { .. }) {
            header.model.get_or_insert_with(|| ModelRef {
                provider: "p".into(),
                name: "m".into(),
                version: String::new(),
            });
            header.operation.get_or_insert_with(|| "chat".into());
        }
        Event { header, payload }
    })
}

proptest! {
    #[test]
    fn event_json_event(event in event()) {
        let json = serde_json::to_vec(&event).expect("serializes");
        let decoded = decode_event(&json, &Limits::default());
        prop_assert_eq!(decoded.as_ref().ok(), Some(&event), "json: {}", String::from_utf8_lossy(&json));
    }

    #[test]
    fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_event(&bytes, &Limits::default());
    }
}
