//! How traffic splits into arms: by model version, by model, or by one of the events' attributes.

use std::{fmt, str::FromStr};

/// The column, or attribute, whose value names an exchange's arm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    ModelVersion,
    Model,
    /// A key of the events' `attributes`, such as `prompt_version`.
    Attribute(String),
}

impl FromStr for Split {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "model_version" | "version" => Ok(Self::ModelVersion),
            "model" => Ok(Self::Model),
            other => match other.strip_prefix("attributes.") {
                Some(key)
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_.:-".contains(c)) =>
                {
                    Ok(Self::Attribute(key.to_owned()))
                }
                _ => Err(format!(
                    "cannot split by {other:?}: give model_version, model or attributes.KEY, where KEY \
                     has letters, digits and _.:- only (such as attributes.prompt_version)"
                )),
            },
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ModelVersion => f.write_str("model_version"),
            Self::Model => f.write_str("model"),
            Self::Attribute(key) => write!(f, "attributes.{key}"),
        }
    }
}

impl Split {
    /// The `llm_events` column the arm is read from.
    pub fn column(&self) -> &'static str {
        match self {
            Self::ModelVersion => "model_version",
            Self::Model => "model",
            Self::Attribute(_) => "attributes",
        }
    }
}

/// The arms to compare: at least two names, the first of them the control.
pub fn parse_arms(text: &str) -> Result<Vec<String>, String> {
    let arms: Vec<String> = text
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut unique = arms.clone();
    unique.sort();
    unique.dedup();
    if arms.len() < 2 || unique.len() != arms.len() {
        return Err(format!(
            "arms={text:?}: give two or more different names, comma-separated, the control first (such as v1,v2)"
        ));
    }
    Ok(arms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_arms_parse() {
        assert_eq!("version".parse(), Ok(Split::ModelVersion));
        assert_eq!(
            "attributes.prompt_version".parse(),
            Ok(Split::Attribute("prompt_version".into()))
        );
        assert!(
            "service"
                .parse::<Split>()
                .unwrap_err()
                .contains("attributes.KEY")
        );
        assert!("attributes.a'b".parse::<Split>().is_err());
        assert!(parse_arms("v1").is_err());
        assert!(parse_arms("v1,v1").is_err());
        assert_eq!(parse_arms(" v1, v2 ,").unwrap(), ["v1", "v2"]);
    }
}
