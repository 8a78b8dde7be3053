//! Typed reads of OTLP attribute lists, forgiving of the ways instrumentations encode the same
//! value: a count as an int, a double or a decimal string; a list as an array or as JSON text.

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use serde_json::Value as Json;

#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a>(pub &'a [KeyValue]);

impl<'a> Attributes<'a> {
    pub fn value(&self, key: &str) -> Option<&'a Value> {
        // The last one wins, as in the SDKs, where setting an attribute again replaces it.
        self.0
            .iter()
            .rev()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
    }

    pub fn has(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    /// A non-empty string.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        match self.value(key)? {
            Value::StringValue(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// The first of `keys` that holds a non-empty string.
    pub fn first_text(&self, keys: &[&str]) -> Option<&'a str> {
        keys.iter().find_map(|k| self.text(k))
    }

    pub fn count(&self, keys: &[&str]) -> Option<u64> {
        keys.iter().find_map(|k| match self.value(k)? {
            Value::IntValue(n) => u64::try_from(*n).ok(),
            Value::DoubleValue(x) if *x >= 0.0 && x.fract() == 0.0 => Some(*x as u64),
            Value::StringValue(s) => s.trim().parse().ok(),
            _ => None,
        })
    }

    pub fn number(&self, key: &str) -> Option<f64> {
        match self.value(key)? {
            Value::DoubleValue(x) => Some(*x),
            Value::IntValue(n) => Some(*n as f64),
            Value::StringValue(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Strings from an array, or from one string.
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.value(key) {
            Some(Value::ArrayValue(a)) => a
                .values
                .iter()
                .filter_map(|v| match v.value.as_ref()? {
                    Value::StringValue(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            Some(Value::StringValue(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// A structured value as JSON; a string that holds JSON is parsed, as the GenAI conventions
    /// allow message lists to travel either way.
    pub fn json(&self, key: &str) -> Option<Json> {
        let value = self.value(key)?;
        match value {
            Value::StringValue(s) => serde_json::from_str(s)
                .ok()
                .or(Some(Json::String(s.clone()))),
            other => Some(to_json(other)),
        }
    }
}

pub fn to_json(value: &Value) -> Json {
    let any = |v: &AnyValue| v.value.as_ref().map_or(Json::Null, to_json);
    match value {
        Value::StringValue(s) => Json::String(s.clone()),
        Value::BoolValue(b) => Json::Bool(*b),
        Value::IntValue(n) => Json::from(*n),
        Value::DoubleValue(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::ArrayValue(a) => Json::Array(a.values.iter().map(any).collect()),
        Value::KvlistValue(list) => Json::Object(
            list.values
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Json::Null, any)))
                .collect(),
        ),
        // Bytes have no text to score, and string-table indexes belong to profiles alone.
        Value::BytesValue(_) | Value::StringValueStrindex(_) => Json::Null,
    }
}
