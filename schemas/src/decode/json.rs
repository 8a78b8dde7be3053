//! A JSON tree that borrows its strings from the input where it can and keeps each object as a
//! vector of its entries. The decoder reads every event once, field by field; building
//! `serde_json::Value`'s owned strings and B-tree nodes for that was most of its cost.
//!
//! Objects read like `serde_json::Map`: a repeated key keeps its last value, and listing the keys
//! gives each once, in sorted order. They are kept in arrival order, which makes the common reads
//! cheap: a lookup is a short scan that compares lengths before bytes, and nothing is sorted
//! unless the keys are listed.

use std::{borrow::Cow, fmt};

use serde::{
    Deserialize, Deserializer,
    de::{self, MapAccess, SeqAccess, Visitor},
};
use serde_json::{Number, Value};

use super::rules::whole_number;

#[derive(Debug)]
pub(super) enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

#[derive(Debug)]
pub(super) struct Object<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

impl<'a> Json<'a> {
    pub fn parse(text: &'a str) -> serde_json::Result<Self> {
        serde_json::from_str(text)
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn is_boolean(&self) -> bool {
        matches!(self, Self::Bool(_))
    }

    pub fn as_whole_number(&self) -> Option<i128> {
        match self {
            Self::Number(n) => whole_number(n),
            _ => None,
        }
    }

    /// How a wrong value reads in an error: strings quoted and shortened, containers named.
    pub fn describe(&self) -> String {
        match self {
            Self::Null => "null".into(),
            Self::Bool(b) => b.to_string(),
            Self::Number(n) => n.to_string(),
            Self::String(s) if s.chars().count() > 40 => {
                format!(
                    "{:?}",
                    format!("{}…", s.chars().take(40).collect::<String>())
                )
            }
            Self::String(s) => format!("{s:?}"),
            Self::Array(_) => "an array".into(),
            Self::Object(_) => "an object".into(),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::String(s) => Value::String(s.to_string()),
            Self::Array(items) => Value::Array(items.iter().map(Self::to_value).collect()),
            Self::Object(o) => Value::Object(o.to_map()),
        }
    }
}

/// Key equality with the cheap tests first: most keys differ in length or first byte, and the
/// checker compares each event's keys against every field name.
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

impl<'a> Object<'a> {
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        // From the end, so a repeated key reads as its last value.
        self.0
            .iter()
            .rev()
            .find(|(k, _)| same_key(k, key))
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every key once, sorted.
    pub fn keys(&self) -> Vec<&Cow<'a, str>> {
        let mut keys: Vec<&Cow<'a, str>> = self.0.iter().map(|(k, _)| k).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Whether every key is one of `known`; cheaper than listing the keys.
    pub fn keys_within(&self, known: &[&str]) -> bool {
        self.0
            .iter()
            .all(|(k, _)| known.iter().any(|known| same_key(k, known)))
    }

    pub fn to_map(&self) -> serde_json::Map<String, Value> {
        self.0
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_value()))
            .collect()
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16).min(64));
        // A key is read as a value, so it borrows as strings do; JSON keys are always strings.
        while let Some(key) = map.next_key::<Json<'de>>()? {
            let Json::String(key) = key else {
                return Err(de::Error::custom("object key is not a string"));
            };
            entries.push((key, map.next_value()?));
        }
        Ok(Json::Object(Object(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_read_like_serde_json_maps() {
        let text = r#"{"b": 1, "a": {"x": "y\n"}, "b": 2, "c": [true, null, -1.5]}"#;
        let Json::Object(o) = Json::parse(text).unwrap() else {
            panic!("object")
        };
        assert_eq!(o.keys(), [&Cow::Borrowed("a"), &"b".into(), &"c".into()]);
        assert_eq!(o.get("b").and_then(Json::as_f64), Some(2.0));
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(Value::Object(o.to_map()), value);
    }

    #[test]
    fn plain_strings_borrow_and_escaped_ones_do_not() {
        let Json::Object(o) =
            Json::parse(r#"{"plain": "abc", "escaped": "a\"b", "k\u0065y": 1}"#).unwrap()
        else {
            panic!("object")
        };
        assert!(matches!(
            o.get("plain"),
            Some(Json::String(Cow::Borrowed("abc")))
        ));
        assert!(matches!(o.get("escaped"), Some(Json::String(Cow::Owned(s))) if s == "a\"b"));
        assert_eq!(
            o.keys(),
            [&Cow::Borrowed("escaped"), &"key".into(), &"plain".into()],
            "escaped keys are unescaped"
        );
    }
}
