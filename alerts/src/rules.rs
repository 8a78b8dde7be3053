//! Rule files, TOML (`[[rules]]` tables) or YAML (a `rules:` list), checked whole so that every
//! problem is reported at once as `FILE:LINE:COL: message`.

use std::{collections::BTreeMap, fmt, path::Path, time::Duration};

use serde::Deserialize;
use sightline_schemas::duration;

use crate::expr::{self, Condition, Family};

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    /// As written, for messages.
    pub expr: String,
    pub condition: Condition,
    /// The stretch of event time, ending now, the metric is computed over.
    pub window: Duration,
    /// How long the condition must hold before the alert fires.
    pub hold: Duration,
    pub severity: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub action: Action,
    /// An alert that fires again less than this after its previous firing does not run the
    /// action again, so a flapping alert acts once.
    pub cooldown: Duration,
    /// Fewer rows than this in the window give no value, and so cannot fire.
    pub min_samples: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// May hold `{project}`, `{model}`, `{version}`, `{alertname}` or any other label, filled in
    /// per alert.
    pub url: String,
    /// Whether a resolved alert is posted too.
    pub send_resolved: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    Notify,
    Rollback,
    Retrain,
}

impl ActionKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::Rollback => "rollback",
            Self::Retrain => "retrain",
        }
    }
}

/// One problem in a rule file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

impl Format {
    /// By extension: `.yaml` and `.yml` are YAML, anything else TOML.
    pub fn of(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => Self::Yaml,
            _ => Self::Toml,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    expr: String,
    window: String,
    #[serde(default, rename = "for")]
    hold: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    action: RawAction,
    #[serde(default)]
    cooldown: Option<String>,
    #[serde(default)]
    min_samples: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    kind: ActionKind,
    url: String,
    #[serde(default)]
    send_resolved: bool,
}

const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30 * 60);

/// Reads and checks a rule file.
pub fn load(path: &Path) -> Result<Vec<Rule>, Vec<Problem>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Problem {
            line: 1,
            column: 1,
            message: format!("cannot read the file: {e}"),
        }]
    })?;
    parse(&text, Format::of(path))
}

/// Checks the text of a rule file.
pub fn parse(text: &str, format: Format) -> Result<Vec<Rule>, Vec<Problem>> {
    let raw: RawFile = match format {
        Format::Toml => toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            vec![problem_at(text, at, e.message().to_owned())]
        })?,
        Format::Yaml => serde_yaml_ng::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            vec![Problem {
                line,
                column,
                message: e.to_string(),
            }]
        })?,
    };
    let mut problems = Vec::new();
    let mut rules = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (index, raw) in raw.rules.into_iter().enumerate() {
        let at = |key: &str, offset: usize| {
            problem_at(text, locate(text, format, index, key) + offset, "")
        };
        let mut fail = |key: &str, offset: usize, message: String| {
            problems.push(Problem {
                message,
                ..at(key, offset)
            });
        };
        if !valid_name(&raw.name) {
            fail(
                "name",
                0,
                format!(
                    "rule name {:?} must be letters, digits, `_`, `-` or `.`",
                    raw.name
                ),
            );
        }
        if names.contains(&raw.name) {
            fail(
                "name",
                0,
                format!("a rule named {:?} comes earlier in the file", raw.name),
            );
        }
        names.push(raw.name.clone());
        let condition = match expr::parse(&raw.expr) {
            Ok(c) => Some(c),
            Err(e) => {
                fail(
                    "expr",
                    e.offset + quote_width(text, locate(text, format, index, "expr")),
                    e.message,
                );
                None
            }
        };
        let mut duration_of = |key: &str, value: Option<&str>, default: Duration| match value {
            None => Some(default),
            Some(text) => match duration::parse(text) {
                Ok(d) => Some(d),
                Err(e) => {
                    fail(key, 0, e);
                    None
                }
            },
        };
        let window = duration_of("window", Some(&raw.window), Duration::ZERO);
        let hold = duration_of("for", raw.hold.as_deref(), Duration::ZERO);
        let cooldown = duration_of("cooldown", raw.cooldown.as_deref(), DEFAULT_COOLDOWN);
        if window.is_some_and(|w| w < Duration::from_secs(1) || w.subsec_nanos() != 0) {
            fail(
                "window",
                0,
                "the window must be whole seconds, at least 1s".into(),
            );
        }
        for key in raw.labels.keys() {
            if !valid_label(key) || matches!(key.as_str(), "alertname" | "alertstate" | "severity")
            {
                fail(
                    "labels",
                    0,
                    format!(
                        "label {key:?} must match [a-zA-Z_][a-zA-Z0-9_]* and not be alertname, alertstate or severity"
                    ),
                );
            }
        }
        if let Err(message) = check_url(&raw.action.url) {
            fail("url", 0, message);
        }
        if let Some(c) = &condition {
            let per_version = c.metric.family() != Family::Drift;
            if raw.action.kind == ActionKind::Rollback && !per_version {
                fail(
                    "kind",
                    0,
                    format!(
                        "a rollback needs a metric per model version, and `{}` is per model",
                        c.metric
                    ),
                );
            }
        }
        let (Some(condition), Some(window), Some(hold), Some(cooldown)) =
            (condition, window, hold, cooldown)
        else {
            continue;
        };
        rules.push(Rule {
            name: raw.name,
            expr: raw.expr,
            condition,
            window,
            hold,
            severity: raw.severity.unwrap_or_else(|| "warning".into()),
            labels: raw.labels,
            annotations: raw.annotations,
            action: Action {
                kind: raw.action.kind,
                url: raw.action.url,
                send_resolved: raw.action.send_resolved,
            },
            cooldown,
            min_samples: raw.min_samples.unwrap_or(1).max(1),
        });
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A Prometheus label name.
fn valid_label(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The URL with every placeholder filled must be absolute http or https.
fn check_url(url: &str) -> Result<(), String> {
    let example: BTreeMap<String, String> = crate::template::placeholders(url)
        .into_iter()
        .map(|name| (name.to_owned(), "x".to_owned()))
        .collect();
    let filled = crate::template::url(url, &example)?;
    let parsed = reqwest::Url::parse(&filled).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some() => Ok(()),
        _ => Err(format!("{url:?} must be an http or https URL with a host")),
    }
}

/// The byte offset where the value of `key` in the `index`-th rule starts, or where the rule
/// starts when the key is not written out. Rules begin at a `[[rules]]` header in TOML and at a
/// `- ` item in YAML.
fn locate(text: &str, format: Format, index: usize, key: &str) -> usize {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let begins = match format {
            Format::Toml => trimmed.starts_with("[[rules]]"),
            Format::Yaml => trimmed.starts_with("- "),
        };
        if begins {
            starts.push(offset);
        }
        offset += line.len();
    }
    let Some(&start) = starts.get(index) else {
        return 0;
    };
    let end = starts.get(index + 1).copied().unwrap_or(text.len());
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let body = line.trim_start_matches([' ', '\t', '-']);
        if let Some(rest) = body.strip_prefix(key) {
            let after = rest.trim_start_matches([' ', '\t']);
            if let Some(value) = after.strip_prefix('=').or_else(|| after.strip_prefix(':')) {
                let value_at = value.len() - value.trim_start_matches([' ', '\t']).len();
                return offset + (line.len() - value.len()) + value_at;
            }
        }
        offset += line.len();
    }
    start
}

/// 1 when the value at `at` opens with a quote, so an offset within the string lands on its text.
fn quote_width(text: &str, at: usize) -> usize {
    usize::from(matches!(text.as_bytes().get(at), Some(b'"' | b'\'')))
}

fn problem_at(text: &str, offset: usize, message: impl Into<String>) -> Problem {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Problem {
        line,
        column,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
[[rules]]
name = "slow-v2"
expr = 'p99(latency_ms){model="m"} > 2000'
window = "5m"
for = "1m"
severity = "critical"
labels = { team = "ml" }
annotations = { summary = "p99 of {model} {version} is {value} ms" }
action = { kind = "rollback", url = "http://127.0.0.1:8080/admin/models/{model}/rollback" }

[[rules]]
name = "drifting"
expr = "drift.share > 0.5"
window = "1h"
action = { kind = "retrain", url = "http://127.0.0.1:9000/retrain", send_resolved = true }
"#;

    #[test]
    fn reads_toml_with_defaults() {
        let rules = parse(TOML, Format::Toml).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].hold, Duration::from_secs(60));
        assert_eq!(rules[0].action.kind, ActionKind::Rollback);
        assert_eq!(rules[1].severity, "warning");
        assert_eq!(rules[1].cooldown, DEFAULT_COOLDOWN);
        assert!(rules[1].action.send_resolved);
    }

    #[test]
    fn reads_yaml() {
        let yaml = "rules:\n  - name: errors\n    expr: error_rate > 0.05\n    window: 10m\n    action:\n      kind: notify\n      url: http://127.0.0.1:9000/hook\n";
        let rules = parse(yaml, Format::Yaml).unwrap();
        assert_eq!(rules[0].condition.threshold, 0.05);
    }

    #[test]
    fn every_problem_has_its_line_and_column() {
        let text = r#"[[rules]]
name = "a"
expr = 'p99(latency) > 1'
window = "5x"
action = { kind = "rollback", url = "ftp://x" }

[[rules]]
name = "a"
expr = "drift.share > 0.5"
window = "1m"
action = { kind = "rollback", url = "http://127.0.0.1/" }
"#;
        let problems = parse(text, Format::Toml).unwrap_err();
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(shown.contains(&"3:13: unknown column `latency`; numeric columns are latency_ms, ttft_ms, queue_ms, tokens_per_s, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, cost_usd, offensive_language, offensive_language_prompt, counterfactual_gap, pii_email, pii_phone, pii_credit_card, pii_ip, pii_iban, pii_national_id".to_owned()), "{shown:#?}");
        assert!(
            shown.iter().any(|s| s.starts_with("4:10: unknown unit")),
            "{shown:#?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("8:8: a rule named \"a\"")),
            "{shown:#?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.contains("a rollback needs a metric per model version")),
            "{shown:#?}"
        );
        assert_eq!(problems.len(), 5, "{shown:#?}");
    }

    #[test]
    fn syntax_errors_point_into_the_file() {
        let toml = "[[rules]]\nname = \"a\"\nexpr = \"error_rate > 1\"\nwindow = 5\n";
        let p = parse(toml, Format::Toml).unwrap_err();
        assert_eq!((p[0].line, p[0].column), (4, 10), "{p:?}");
        let yaml = "rules:\n  - name: a\n    bogus: 1\n";
        let p = parse(yaml, Format::Yaml).unwrap_err();
        assert_eq!(p[0].line, 3, "{p:?}");
    }
}
