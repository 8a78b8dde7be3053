//! The identity-term lexicon: which groups a text mentions, and the same text with one group's
//! terms swapped for another's, for counterfactual scoring.

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

const DEFAULT_LEXICON: &str = include_str!("../../lexicon/identity_terms.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    axis: Vec<AxisFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisFile {
    name: String,
    group: Vec<GroupFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    name: String,
    terms: Vec<String>,
}

/// A group: its axis, its name, and its terms in counterpart order.
#[derive(Debug)]
pub struct Group {
    pub axis: String,
    pub name: String,
    pub terms: Vec<String>,
}

impl Group {
    pub fn tag(&self) -> String {
        format!("{}:{}", self.axis, self.name)
    }
}

/// One term found in a text.
#[derive(Debug, Clone, Copy)]
pub struct Mention {
    pub group: usize,
    pub term: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub struct Lexicon {
    pub groups: Vec<Group>,
    /// For each pattern: (group, term index within the group).
    patterns: Vec<(usize, usize)>,
    matcher: AhoCorasick,
}

#[derive(Debug, thiserror::Error)]
#[error("lexicon {origin}: {message}")]
pub struct LexiconError {
    origin: String,
    message: String,
}

impl Lexicon {
    pub fn load(path: Option<&Path>) -> Result<Self, LexiconError> {
        let (text, origin) = match path {
            Some(p) => (
                std::fs::read_to_string(p).map_err(|e| LexiconError {
                    origin: p.display().to_string(),
                    message: e.to_string(),
                })?,
                p.display().to_string(),
            ),
            None => (DEFAULT_LEXICON.to_owned(), "built-in".to_owned()),
        };
        Self::parse(&text, &origin)
    }

    fn parse(text: &str, origin: &str) -> Result<Self, LexiconError> {
        let invalid = |message: String| LexiconError {
            origin: origin.to_owned(),
            message,
        };
        let file: LexiconFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut groups = Vec::new();
        let mut patterns = Vec::new();
        let mut words = Vec::new();
        for axis in file.axis {
            for group in axis.group {
                if group.terms.is_empty() {
                    return Err(invalid(format!("group {} has no terms", group.name)));
                }
                let index = groups.len();
                for (t, term) in group.terms.iter().enumerate() {
                    patterns.push((index, t));
                    words.push(term.to_lowercase());
                }
                groups.push(Group {
                    axis: axis.name.clone(),
                    name: group.name,
                    terms: group.terms,
                });
            }
        }
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            // The longest term wins, so "black people" is one mention rather than "black".
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(Self {
            groups,
            patterns,
            matcher,
        })
    }

    /// Whole-word mentions of any term, in order.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        self.matcher
            .find_iter(text)
            .filter(|m| {
                let before = text[..m.start()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_word(c));
                let after = text[m.end()..].chars().next().is_none_or(|c| !is_word(c));
                before && after
            })
            .map(|m| {
                let (group, term) = self.patterns[m.pattern().as_usize()];
                Mention {
                    group,
                    term,
                    start: m.start(),
                    end: m.end(),
                }
            })
            .collect()
    }

    /// The distinct groups mentioned, as sorted `axis:group` tags joined by commas.
    pub fn tags(&self, mentions: &[Mention]) -> String {
        let mut groups: Vec<usize> = mentions.iter().map(|m| m.group).collect();
        groups.sort_unstable();
        groups.dedup();
        groups
            .iter()
            .map(|&g| self.groups[g].tag())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The text with every mention of group `from` replaced by its counterpart in group `to`.
    pub fn swap(&self, text: &str, mentions: &[Mention], from: usize, to: usize) -> String {
        let target = &self.groups[to].terms;
        let mut out = String::with_capacity(text.len() + 16);
        let mut at = 0;
        for m in mentions.iter().filter(|m| m.group == from) {
            out.push_str(&text[at..m.start]);
            let counterpart = target.get(m.term).unwrap_or(&target[0]);
            out.push_str(&match_case(&text[m.start..m.end], counterpart));
            at = m.end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// The other groups of `group`'s axis.
    pub fn counterparts(&self, group: usize) -> impl Iterator<Item = usize> + '_ {
        let axis = &self.groups[group].axis;
        (0..self.groups.len()).filter(move |&g| g != group && &self.groups[g].axis == axis)
    }
}

/// Keeps a capitalised word capitalised.
fn match_case(original: &str, replacement: &str) -> String {
    match original.chars().next() {
        Some(c) if c.is_uppercase() => {
            let mut chars = replacement.chars();
            chars
                .next()
                .map(|f| f.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
        _ => replacement.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_whole_words_and_prefers_phrases() {
        let lexicon = Lexicon::load(None).unwrap();
        let text = "Black people and women were mentioned; the mention of menus is not.";
        let mentions = lexicon.mentions(text);
        assert_eq!(lexicon.tags(&mentions), "gender:women,race_ethnicity:black");
        assert_eq!(mentions[0].end - mentions[0].start, "Black people".len());
        assert_eq!(lexicon.tags(&lexicon.mentions("A mention of menus")), "");
        assert_eq!(
            lexicon.tags(&lexicon.mentions("«women’s» rights")),
            "gender:women"
        );
    }

    #[test]
    fn swaps_counterparts_within_an_axis() {
        let lexicon = Lexicon::load(None).unwrap();
        let women = lexicon
            .groups
            .iter()
            .position(|g| g.name == "women")
            .unwrap();
        let men = lexicon.groups.iter().position(|g| g.name == "men").unwrap();
        let text = "She said women are strong.";
        let mentions = lexicon.mentions(text);
        assert_eq!(
            lexicon.swap(text, &mentions, women, men),
            "He said men are strong."
        );
        assert!(lexicon.counterparts(women).any(|g| g == men));
        assert!(
            lexicon
                .counterparts(women)
                .all(|g| lexicon.groups[g].axis == "gender")
        );
    }
}
