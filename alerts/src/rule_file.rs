//! Editing a rule file one rule at a time, as the API does: the file is read as a document, the rule
//! is checked on its own and then the whole new file is checked, and only a valid file replaces the
//! old one, renamed into place so the monitor never reads half of it. Comments in the file are not
//! kept; the rules are.

use std::{
    fs,
    io::{self, Write},
    path::Path,
};

use serde_json::{Value, json};

use crate::rules::{Format, Problem, parse};

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no rule named {0:?}")]
    NotFound(String),
    #[error("a rule named {0:?} exists already; PUT /v1/alert-rules/{0} replaces it")]
    Exists(String),
    #[error("the rule is not valid")]
    Invalid {
        problems: Vec<Problem>,
        /// The rule as the file would hold it, which the problems' lines and columns refer to.
        text: String,
    },
    #[error("{0}")]
    Io(String),
}

/// The rules of a file as written, in order. A file that does not exist holds none.
pub fn rules(path: &Path) -> Result<Vec<Value>, EditError> {
    let document = read(path)?;
    Ok(document
        .get("rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Adds `rule`, or with `replacing`, puts it in the place of the rule of that name.
pub fn put(path: &Path, rule: Value, replacing: Option<&str>) -> Result<(), EditError> {
    let format = Format::of(path);
    let alone = render(&json!({"rules": [rule.clone()]}), format)?;
    parse(&alone, format).map_err(|problems| EditError::Invalid {
        problems,
        text: alone.clone(),
    })?;
    let name = rule
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut list = rules(path)?;
    let position = |list: &[Value], n: &str| {
        list.iter()
            .position(|r| r.get("name").and_then(Value::as_str) == Some(n))
    };
    match replacing {
        Some(old) => {
            let at = position(&list, old).ok_or_else(|| EditError::NotFound(old.to_owned()))?;
            if name != old && position(&list, &name).is_some() {
                return Err(EditError::Exists(name));
            }
            list[at] = rule;
        }
        None if position(&list, &name).is_some() => return Err(EditError::Exists(name)),
        None => list.push(rule),
    }
    store(path, list, format)
}

/// Removes the rule of that name.
pub fn remove(path: &Path, name: &str) -> Result<(), EditError> {
    let mut list = rules(path)?;
    let before = list.len();
    list.retain(|r| r.get("name").and_then(Value::as_str) != Some(name));
    if list.len() == before {
        return Err(EditError::NotFound(name.to_owned()));
    }
    store(path, list, Format::of(path))
}

fn store(path: &Path, list: Vec<Value>, format: Format) -> Result<(), EditError> {
    let text = render(&json!({ "rules": list }), format)?;
    // Each rule passed alone; together they must too (names are unique across the file).
    parse(&text, format).map_err(|problems| EditError::Invalid {
        problems,
        text: text.clone(),
    })?;
    write(path, &text).map_err(|e| EditError::Io(format!("writing {}: {e}", path.display())))
}

fn read(path: &Path) -> Result<Value, EditError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(json!({"rules": []})),
        Err(e) => return Err(EditError::Io(format!("reading {}: {e}", path.display()))),
    };
    let unreadable =
        |e: String| EditError::Io(format!("{} cannot be read as rules: {e}", path.display()));
    match Format::of(path) {
        Format::Toml => toml::from_str(&text).map_err(|e| unreadable(e.to_string())),
        Format::Yaml => serde_yaml_ng::from_str(&text).map_err(|e| unreadable(e.to_string())),
    }
}

fn render(document: &Value, format: Format) -> Result<String, EditError> {
    let invalid = |message: String| EditError::Invalid {
        problems: vec![Problem {
            line: 1,
            column: 1,
            message,
        }],
        text: String::new(),
    };
    match format {
        Format::Toml => toml::to_string(document).map_err(|e| invalid(e.to_string())),
        Format::Yaml => serde_yaml_ng::to_string(document).map_err(|e| invalid(e.to_string())),
    }
}

fn write(path: &Path, text: &str) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_added_replaced_and_removed_only_when_valid() {
        let dir = std::env::temp_dir().join(format!("sightline-rule-file-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.toml");
        let rule = |name: &str, expr: &str| {
            json!({"name": name, "expr": expr, "window": "5m",
                   "action": {"kind": "notify", "url": "http://127.0.0.1:9/hook"}})
        };
        put(&path, rule("slow", "p99(latency_ms) > 2000"), None).unwrap();
        put(&path, rule("errors", "error_rate > 0.1"), None).unwrap();
        assert!(matches!(
            put(&path, rule("slow", "error_rate > 0.2"), None),
            Err(EditError::Exists(_))
        ));
        match put(&path, rule("bad", "p99(latency_ms) >> 2"), None) {
            Err(EditError::Invalid { problems, .. }) => assert!(!problems.is_empty()),
            other => panic!("expected the parser's problems, got {other:?}"),
        }
        put(&path, rule("slow", "p95(latency_ms) > 1500"), Some("slow")).unwrap();
        let names: Vec<String> = rules(&path)
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["slow", "errors"]);
        assert_eq!(
            crate::rules::load(&path).unwrap()[0].expr,
            "p95(latency_ms) > 1500"
        );
        remove(&path, "slow").unwrap();
        assert!(matches!(remove(&path, "slow"), Err(EditError::NotFound(_))));
        assert_eq!(crate::rules::load(&path).unwrap().len(), 1);
        fs::remove_dir_all(dir).unwrap();
    }
}
