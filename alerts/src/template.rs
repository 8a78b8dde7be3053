//! Placeholders in action URLs and annotations: any label of the alert (`{model}`, `{version}`,
//! `{project}`, `{alertname}`, ...), and `{value}` in annotations.

use std::collections::BTreeMap;

/// An annotation with the alert's labels and value filled in.
pub fn text(template: &str, labels: &BTreeMap<String, String>, value: Option<f64>) -> String {
    fill(template, |name| match name {
        "value" => Some(value.map_or_else(|| "none".into(), |v| format!("{v:.4}"))),
        label => labels.get(label).cloned(),
    })
}

/// An action URL with the alert's labels filled in, each percent-encoded as one path segment.
/// A label that is missing, empty, `.` or `..` is refused: it would leave an empty segment or, as
/// a dot segment, move the request to another path.
pub fn url(template: &str, labels: &BTreeMap<String, String>) -> Result<String, String> {
    let mut refused = None;
    let filled = fill(template, |name| {
        let value = match labels.get(name).map(String::as_str) {
            None | Some("" | "." | "..") => {
                refused.get_or_insert_with(|| {
                    format!(
                        "label {name} is {:?}, which cannot fill the URL",
                        labels.get(name)
                    )
                });
                ""
            }
            Some(v) => v,
        };
        Some(
            value
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect(),
        )
    });
    match refused {
        Some(reason) => Err(reason),
        None => Ok(filled),
    }
}

/// The names of the placeholders in a template.
pub fn placeholders(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Replaces each `{name}` the lookup knows; leaves the others as written.
fn fill(template: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .map(|close| (close, lookup(&after[..close])))
        {
            Some((close, Some(value))) => {
                out.push_str(&value);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_labels_and_value() {
        let labels = BTreeMap::from([
            ("model".to_owned(), "chat/v2 x".to_owned()),
            ("version".to_owned(), "2".to_owned()),
        ]);
        assert_eq!(
            url("http://node/admin/models/{model}/rollback", &labels).as_deref(),
            Ok("http://node/admin/models/chat%2Fv2%20x/rollback")
        );
        for bad in ["", ".", ".."] {
            let labels = BTreeMap::from([("model".to_owned(), bad.to_owned())]);
            assert!(
                url("http://node/admin/models/{model}/rollback", &labels).is_err(),
                "{bad:?}"
            );
        }
        assert!(url("http://node/{missing}", &labels).is_err());
        assert_eq!(
            placeholders("http://h/{model}/x/{version}"),
            ["model", "version"]
        );
        assert_eq!(
            text("{model} {version} at {value} {unknown}", &labels, Some(2.5)),
            "chat/v2 x 2 at 2.5000 {unknown}"
        );
    }
}
