//! Prompt and output text, from each place the GenAI instrumentations put it: the current
//! `gen_ai.input.messages` / `gen_ai.output.messages` attributes, the older `gen_ai.content.prompt`
//! / `gen_ai.content.completion` span events, and OpenLLMetry's indexed `gen_ai.prompt.N.*` /
//! `gen_ai.completion.N.*` attributes.

use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::Value as Json;
use sightline_schemas::Message;

use super::attributes::Attributes;

/// What a span says was sent and received.
#[derive(Debug, Default, PartialEq)]
pub struct Conversation {
    pub input: Vec<Message>,
    pub output: Vec<Message>,
    /// Finish reasons that the output messages carry themselves.
    pub finish_reasons: Vec<String>,
}

pub fn conversation(span: &Span) -> Conversation {
    let attrs = Attributes(&span.attributes);
    let mut c = Conversation::default();
    if let Some(system) = attrs.json("gen_ai.system_instructions") {
        let text = parts_text(&system);
        if !text.is_empty() {
            c.input.push(message("system", text));
        }
    }
    if let Some(input) = attrs.json("gen_ai.input.messages") {
        c.input.extend(messages(&input, "user", &mut Vec::new()));
    }
    if let Some(output) = attrs.json("gen_ai.output.messages") {
        c.output = messages(&output, "assistant", &mut c.finish_reasons);
    }
    for event in &span.events {
        let (key, role) = match event.name.as_str() {
            "gen_ai.content.prompt" => ("gen_ai.prompt", "user"),
            "gen_ai.content.completion" => ("gen_ai.completion", "assistant"),
            _ => continue,
        };
        let Some(value) = Attributes(&event.attributes).json(key) else {
            continue;
        };
        let found = messages(&value, role, &mut c.finish_reasons);
        let target = if role == "user" {
            &mut c.input
        } else {
            &mut c.output
        };
        if target.is_empty() {
            *target = found;
        }
    }
    if c.input.is_empty() {
        c.input = indexed(attrs, "gen_ai.prompt", "user", &mut Vec::new());
    }
    if c.output.is_empty() {
        c.output = indexed(
            attrs,
            "gen_ai.completion",
            "assistant",
            &mut c.finish_reasons,
        );
    }
    c
}

/// A message list, one message, or bare text.
fn messages(value: &Json, default_role: &str, finish: &mut Vec<String>) -> Vec<Message> {
    match value {
        Json::Array(items) => items
            .iter()
            .filter_map(|m| one_message(m, default_role, finish))
            .collect(),
        Json::Object(_) => one_message(value, default_role, finish)
            .into_iter()
            .collect(),
        Json::String(s) if !s.is_empty() => vec![message(default_role, s.clone())],
        _ => Vec::new(),
    }
}

fn one_message(m: &Json, default_role: &str, finish: &mut Vec<String>) -> Option<Message> {
    let role = m.get("role").and_then(Json::as_str).unwrap_or(default_role);
    if let Some(reason) = m.get("finish_reason").and_then(Json::as_str) {
        finish.push(reason.to_owned());
    }
    let text = match (m.get("content"), m.get("parts")) {
        (Some(Json::String(s)), _) => s.clone(),
        (Some(content), _) => parts_text(content),
        (None, Some(parts)) => parts_text(parts),
        // The older `gen_ai.choice` shape nests the message.
        (None, None) => m
            .get("message")
            .and_then(|inner| inner.get("content"))
            .map(parts_text)
            .unwrap_or_default(),
    };
    (!text.is_empty()).then(|| message(role, text))
}

/// The text parts of a parts list (or of one part, or of plain text), one per line; tool calls
/// and binary parts carry no text to score.
fn parts_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Array(parts) => parts
            .iter()
            .map(parts_text)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        Json::Object(part) => match part.get("type").and_then(Json::as_str) {
            None | Some("text") => part
                .get("content")
                .or_else(|| part.get("text"))
                .map(parts_text)
                .unwrap_or_default(),
            Some(_) => String::new(),
        },
        _ => String::new(),
    }
}

/// OpenLLMetry's `PREFIX.N.role`, `PREFIX.N.content` and `PREFIX.N.finish_reason`, for N from 0
/// until one is missing.
fn indexed(
    attrs: Attributes<'_>,
    prefix: &str,
    default_role: &str,
    finish: &mut Vec<String>,
) -> Vec<Message> {
    let mut out = Vec::new();
    for n in 0.. {
        let content = attrs.text(&format!("{prefix}.{n}.content"));
        let role = attrs.text(&format!("{prefix}.{n}.role"));
        if content.is_none() && role.is_none() {
            break;
        }
        if let Some(reason) = attrs.text(&format!("{prefix}.{n}.finish_reason")) {
            finish.push(reason.to_owned());
        }
        if let Some(content) = content {
            out.push(message(role.unwrap_or(default_role), content.to_owned()));
        }
    }
    out
}

/// Roles outside Sightline's set are mapped to the nearest one: Gemini's `model` is the assistant,
/// and anything else unknown speaks as the user, whose text is what gets scored.
fn message(role: &str, content: String) -> Message {
    let role = match role {
        "system" | "user" | "assistant" | "tool" | "developer" => role,
        "model" | "ai" | "bot" => "assistant",
        _ => "user",
    };
    Message {
        role: role.to_owned(),
        content,
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::{
        common::v1::{AnyValue, KeyValue, any_value::Value},
        trace::v1::span::Event,
    };

    use super::*;

    fn kv(key: &str, value: &str) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(value.into())),
            }),
            ..Default::default()
        }
    }

    fn texts(messages: &[Message]) -> Vec<(&str, &str)> {
        messages
            .iter()
            .map(|m| (m.role.as_str(), m.content.as_str()))
            .collect()
    }

    #[test]
    fn current_convention_reads_parts_and_finish_reasons() {
        let span = Span {
            attributes: vec![
                kv(
                    "gen_ai.system_instructions",
                    r#"[{"type":"text","content":"Be brief."}]"#,
                ),
                kv(
                    "gen_ai.input.messages",
                    r#"[{"role":"user","parts":[{"type":"text","content":"Hi"},{"type":"blob","content":"AA=="}]}]"#,
                ),
                kv(
                    "gen_ai.output.messages",
                    r#"[{"role":"assistant","parts":[{"type":"text","content":"Hello."}],"finish_reason":"stop"}]"#,
                ),
            ],
            ..Default::default()
        };
        let c = conversation(&span);
        assert_eq!(texts(&c.input), [("system", "Be brief."), ("user", "Hi")]);
        assert_eq!(texts(&c.output), [("assistant", "Hello.")]);
        assert_eq!(c.finish_reasons, ["stop"]);
    }

    #[test]
    fn older_span_events_and_indexed_attributes_are_read() {
        let span = Span {
            events: vec![Event {
                name: "gen_ai.content.prompt".into(),
                attributes: vec![kv(
                    "gen_ai.prompt",
                    r#"[{"role":"user","content":"What is 2+2?"}]"#,
                )],
                ..Default::default()
            }],
            attributes: vec![
                kv("gen_ai.completion.0.role", "assistant"),
                kv("gen_ai.completion.0.content", "4"),
                kv("gen_ai.completion.0.finish_reason", "stop"),
                kv("gen_ai.completion.1.content", "four"),
            ],
            ..Default::default()
        };
        let c = conversation(&span);
        assert_eq!(texts(&c.input), [("user", "What is 2+2?")]);
        assert_eq!(
            texts(&c.output),
            [("assistant", "4"), ("assistant", "four")]
        );
        assert_eq!(c.finish_reasons, ["stop"]);
    }

    #[test]
    fn no_captured_content_gives_no_messages() {
        assert_eq!(conversation(&Span::default()), Conversation::default());
    }
}
