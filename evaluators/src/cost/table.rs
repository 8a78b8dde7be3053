//! The price table: entries matched by provider, a model-name regex and an effective date range,
//! with prices per million tokens held exactly as integer nano-USD.
//!
//! The default table ships in the binary (`prices/default.toml`); a user's table is merged over it
//! entry by entry, by `id`.

use std::collections::HashMap;

use regex::Regex;
use serde::Deserialize;
use sightline_schemas::NanoUsd;

const DEFAULT_TABLE: &str = include_str!("../../prices/default.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    price: Vec<EntryFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    id: String,
    provider: String,
    model: String,
    effective_from: String,
    effective_until: Option<String>,
    #[serde(flatten)]
    prices: PricesFile,
    source: Option<String>,
    #[serde(default)]
    tier: Vec<TierFile>,
}

#[derive(Debug, Deserialize)]
struct PricesFile {
    input: String,
    output: String,
    cached_input: Option<String>,
    reasoning: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierFile {
    above_input_tokens: u64,
    #[serde(flatten)]
    prices: PricesFile,
}

/// Prices in nano-USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    pub input: i64,
    pub output: i64,
    /// Cache reads; billed as input when absent.
    pub cached_input: Option<i64>,
    /// Reasoning tokens; billed as output when absent.
    pub reasoning: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub provider: String,
    model: Regex,
    /// Epoch milliseconds, inclusive.
    from_ms: i64,
    /// Epoch milliseconds, exclusive.
    until_ms: Option<i64>,
    pub prices: Prices,
    /// Ascending by threshold: (input tokens above which they apply, prices).
    tiers: Vec<(u64, Prices)>,
    pub source: Option<String>,
}

/// Token counts of one exchange. `input` includes `cached_input` and `output` includes
/// `reasoning`, as OpenTelemetry's GenAI conventions count them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cached_input: u64,
    pub reasoning: u64,
}

impl Entry {
    fn applies(&self, model: &str, at_ms: i64) -> bool {
        at_ms >= self.from_ms
            && self.until_ms.is_none_or(|until| at_ms < until)
            && self.model.is_match(model)
    }

    /// The exact cost, rounded half up to the nano-dollar at the end only.
    pub fn cost(&self, tokens: Tokens) -> NanoUsd {
        let prices = self
            .tiers
            .iter()
            .rev()
            .find(|(above, _)| tokens.input > *above)
            .map_or(self.prices, |(_, p)| *p);
        let cached = tokens.cached_input.min(tokens.input);
        let reasoning = tokens.reasoning.min(tokens.output);
        let parts = [
            (tokens.input - cached, prices.input),
            (cached, prices.cached_input.unwrap_or(prices.input)),
            (tokens.output - reasoning, prices.output),
            (reasoning, prices.reasoning.unwrap_or(prices.output)),
        ];
        let per_million: i128 = parts
            .iter()
            .map(|&(n, price)| i128::from(n) * i128::from(price))
            .sum();
        let nanos = (per_million + 500_000) / 1_000_000;
        NanoUsd(i64::try_from(nanos).unwrap_or(i64::MAX))
    }
}

#[derive(Debug, Clone)]
pub struct PriceTable {
    by_provider: HashMap<String, Vec<Entry>>,
    len: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PriceTableError {
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("reading price table {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

impl PriceTable {
    /// The built-in table, with `user` (TOML text and where it came from) merged over it by id.
    pub fn load(user: Option<(&str, &str)>) -> Result<Self, PriceTableError> {
        let mut entries = parse(DEFAULT_TABLE, "the default price table")?;
        if let Some((text, origin)) = user {
            for entry in parse(text, origin)? {
                match entries.iter_mut().find(|e| e.id == entry.id) {
                    Some(existing) => *existing = entry,
                    None => entries.push(entry),
                }
            }
        }
        let len = entries.len();
        let mut by_provider: HashMap<String, Vec<Entry>> = HashMap::new();
        for entry in entries {
            by_provider
                .entry(entry.provider.clone())
                .or_default()
                .push(entry);
        }
        Ok(Self { by_provider, len })
    }

    /// Reads a user's table from a file and merges it over the default.
    pub fn load_file(path: Option<&std::path::Path>) -> Result<Self, PriceTableError> {
        match path {
            None => Self::load(None),
            Some(path) => {
                let origin = path.display().to_string();
                let text =
                    std::fs::read_to_string(path).map_err(|source| PriceTableError::Read {
                        path: origin.clone(),
                        source,
                    })?;
                Self::load(Some((&text, &origin)))
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entry for a model at a time; the latest-starting one if several apply.
    pub fn find(&self, provider: &str, model: &str, at_ms: i64) -> Option<&Entry> {
        self.by_provider
            .get(&provider.to_ascii_lowercase())?
            .iter()
            .filter(|e| e.applies(model, at_ms))
            .max_by_key(|e| e.from_ms)
    }
}

fn parse(text: &str, origin: &str) -> Result<Vec<Entry>, PriceTableError> {
    let invalid = |message: String| PriceTableError::Invalid {
        origin: origin.to_owned(),
        message,
    };
    let file: TableFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    file.price
        .into_iter()
        .map(|e| {
            let at = |what: &str| format!("entry {}: {what}", e.id);
            if !seen.insert(e.id.clone()) {
                return Err(invalid(at("the id appears twice")));
            }
            let model =
                Regex::new(&e.model).map_err(|err| invalid(at(&format!("model regex: {err}"))))?;
            let from_ms = date_ms(&e.effective_from).map_err(|m| invalid(at(&m)))?;
            let until_ms = e
                .effective_until
                .as_deref()
                .map(date_ms)
                .transpose()
                .map_err(|m| invalid(at(&m)))?;
            if until_ms.is_some_and(|u| u <= from_ms) {
                return Err(invalid(at("effective_until must be after effective_from")));
            }
            let prices = prices_of(&e.prices).map_err(|m| invalid(at(&m)))?;
            let mut tiers = e
                .tier
                .iter()
                .map(|t| Ok((t.above_input_tokens, prices_of(&t.prices)?)))
                .collect::<Result<Vec<_>, String>>()
                .map_err(|m| invalid(at(&m)))?;
            tiers.sort_by_key(|(above, _)| *above);
            Ok(Entry {
                id: e.id,
                provider: e.provider.to_ascii_lowercase(),
                model,
                from_ms,
                until_ms,
                prices,
                tiers,
                source: e.source,
            })
        })
        .collect()
}

fn prices_of(p: &PricesFile) -> Result<Prices, String> {
    let money = |what: &str, text: &str| {
        NanoUsd::parse_decimal(text)
            .map(NanoUsd::nanos)
            .map_err(|e| format!("{what}: {e}"))
    };
    Ok(Prices {
        input: money("input", &p.input)?,
        output: money("output", &p.output)?,
        cached_input: p
            .cached_input
            .as_deref()
            .map(|t| money("cached_input", t))
            .transpose()?,
        reasoning: p
            .reasoning
            .as_deref()
            .map(|t| money("reasoning", t))
            .transpose()?,
    })
}

fn date_ms(text: &str) -> Result<i64, String> {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("expected a date such as 2025-01-31, got {text:?}"))?;
    Ok(date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(date: &str) -> i64 {
        date_ms(date).unwrap()
    }

    #[test]
    fn the_default_table_is_large_and_valid() {
        let table = PriceTable::load(None).unwrap();
        assert!(table.len() >= 30, "{} entries", table.len());
        let providers = [
            "openai",
            "anthropic",
            "google",
            "mistral",
            "together",
            "self-hosted",
        ];
        for p in providers {
            assert!(table.by_provider.contains_key(p), "no {p} entries");
        }
    }

    #[test]
    fn prices_are_exact_and_tiers_apply_to_the_whole_request() {
        let table = PriceTable::load(None).unwrap();
        let mini = table
            .find("OpenAI", "gpt-4o-mini", ms("2025-06-01"))
            .unwrap();
        assert_eq!(mini.id, "openai/gpt-4o-mini");
        // $0.15 / $0.60 per million: 1,000 in and 500 out cost $0.00015 + $0.0003.
        let tokens = Tokens {
            input: 1_000,
            output: 500,
            ..Tokens::default()
        };
        assert_eq!(mini.cost(tokens), NanoUsd(450_000));
        let gpt4o = table.find("openai", "gpt-4o", ms("2025-06-01")).unwrap();
        assert_eq!(
            gpt4o.id, "openai/gpt-4o",
            "gpt-4o must not match gpt-4o-mini"
        );

        let pro = table
            .find("google", "gemini-1.5-pro", ms("2025-03-01"))
            .unwrap();
        let small = pro.cost(Tokens {
            input: 100_000,
            ..Tokens::default()
        });
        let large = pro.cost(Tokens {
            input: 200_000,
            ..Tokens::default()
        });
        assert!(large.nanos() > 2 * small.nanos(), "{small:?} {large:?}");
    }

    #[test]
    fn a_user_entry_replaces_the_default_by_id_and_dates_bound_entries() {
        let user = r#"
            [[price]]
            id = "openai/gpt-4o-mini"
            provider = "openai"
            model = '^gpt-4o-mini$'
            effective_from = "2024-01-01"
            input = "1"
            output = "2"
            cached_input = "0.5"
            [[price]]
            id = "acme/house"
            provider = "acme"
            model = '^house-.*$'
            effective_from = "2025-01-01"
            effective_until = "2025-02-01"
            input = "0.0000001"
            output = "3"
        "#;
        let table = PriceTable::load(Some((user, "test"))).unwrap();
        let mini = table
            .find("openai", "gpt-4o-mini", ms("2025-06-01"))
            .unwrap();
        let tokens = Tokens {
            input: 1_000_000,
            cached_input: 400_000,
            output: 1,
            reasoning: 0,
        };
        // 600k fresh at $1/M, 400k cached at $0.5/M, 1 out at $2/M.
        assert_eq!(
            mini.cost(tokens),
            NanoUsd(600_000_000 + 200_000_000 + 2_000)
        );
        let house = table.find("acme", "house-7b", ms("2025-01-15")).unwrap();
        // 1e-7 USD per million tokens is 100 nano-USD per million; rounding happens once, at the
        // end: 5,000 tokens cost exactly 0.5 nano-USD, which rounds half up to 1.
        let tokens = |input| Tokens {
            input,
            ..Tokens::default()
        };
        assert_eq!(house.cost(tokens(1_000_000_000)), NanoUsd(100_000));
        assert_eq!(house.cost(tokens(5_000)), NanoUsd(1));
        assert_eq!(house.cost(tokens(4_999)), NanoUsd(0));
        assert!(table.find("acme", "house-7b", ms("2025-02-01")).is_none());
        assert!(table.find("acme", "other", ms("2025-01-15")).is_none());
    }

    #[test]
    fn bad_tables_name_the_entry() {
        let bad = "[[price]]\nid = \"x\"\nprovider = \"p\"\nmodel = '('\neffective_from = \"2025-01-01\"\ninput = \"1\"\noutput = \"1\"";
        let err = PriceTable::load(Some((bad, "mine.toml")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mine.toml") && err.contains("entry x"),
            "{err}"
        );
        let float = bad
            .replace("'('", "'x'")
            .replace("input = \"1\"", "input = 1.5");
        assert!(PriceTable::load(Some((&float, "mine.toml"))).is_err());
    }
}
