//! A hand-written lexer and recursive-descent parser, so that each error can name the byte where it
//! happened and what was expected there.

use super::{
    Aggregate, Comparison, Condition, Label, Matcher, Metric, NAMED_METRICS, NUMERIC_COLUMNS,
};

/// What is wrong, and where: `offset` is a byte offset into the expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

fn error<T>(offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        offset,
        message: message.into(),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Number(f64),
    Text(String),
    Punct(char),
    Compare(Comparison),
    /// `=`, which only matchers use.
    Assign,
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Self::Name(n) => format!("`{n}`"),
            Self::Number(n) => format!("the number {n}"),
            Self::Text(t) => format!("the string {t:?}"),
            Self::Punct(c) => format!("`{c}`"),
            Self::Compare(c) => format!("`{}`", c.symbol()),
            Self::Assign => "`=`".into(),
            Self::End => "the end of the expression".into(),
        }
    }
}

fn lex(src: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' | b')' | b'{' | b'}' | b',' => {
                out.push((start, Token::Punct(c as char)));
                i += 1;
            }
            b'>' | b'<' | b'=' | b'!' => {
                let two = bytes.get(i + 1) == Some(&b'=');
                let token = match (c, two) {
                    (b'>', false) => Token::Compare(Comparison::Greater),
                    (b'>', true) => Token::Compare(Comparison::GreaterOrEqual),
                    (b'<', false) => Token::Compare(Comparison::Less),
                    (b'<', true) => Token::Compare(Comparison::LessOrEqual),
                    (b'=', true) => Token::Compare(Comparison::Equal),
                    (b'=', false) => Token::Assign,
                    (b'!', true) => Token::Compare(Comparison::NotEqual),
                    _ => return error(start, "`!` must be followed by `=`"),
                };
                out.push((start, token));
                i += if two { 2 } else { 1 };
            }
            b'"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return error(start, "unterminated string"),
                        Some(b'"') => break,
                        Some(b'\\') => {
                            match bytes.get(i + 1) {
                                Some(b'"') => text.push('"'),
                                Some(b'\\') => text.push('\\'),
                                _ => {
                                    return error(
                                        i,
                                        "only \\\" and \\\\ may follow `\\` in a string",
                                    );
                                }
                            }
                            i += 2;
                        }
                        Some(_) => {
                            let ch = src[i..].chars().next().expect("inside the string");
                            text.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                i += 1;
                out.push((start, Token::Text(text)));
            }
            b'0'..=b'9' | b'-' | b'.' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'.'
                        || ((bytes[i] == b'-' || bytes[i] == b'+')
                            && matches!(bytes[i - 1], b'e' | b'E')))
                {
                    i += 1;
                }
                let text = &src[start..i];
                match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => out.push((start, Token::Number(n))),
                    _ => return error(start, format!("`{text}` is not a number")),
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
                {
                    i += 1;
                }
                out.push((start, Token::Name(src[start..i].to_owned())));
            }
            _ => {
                let ch = src[i..].chars().next().expect("inside the expression");
                return error(start, format!("unexpected character {ch:?}"));
            }
        }
    }
    out.push((src.len(), Token::End));
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> &(usize, Token) {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> (usize, Token) {
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn expect(&mut self, want: Token, what: &str) -> Result<(), ParseError> {
        let (at, got) = self.next();
        if got == want {
            Ok(())
        } else {
            error(at, format!("expected {what}, found {}", got.describe()))
        }
    }

    fn name(&mut self, what: &str) -> Result<(usize, String), ParseError> {
        match self.next() {
            (at, Token::Name(n)) => Ok((at, n)),
            (at, other) => error(at, format!("expected {what}, found {}", other.describe())),
        }
    }

    fn number(&mut self, what: &str) -> Result<f64, ParseError> {
        match self.next() {
            (_, Token::Number(n)) => Ok(n),
            (at, other) => error(at, format!("expected {what}, found {}", other.describe())),
        }
    }

    fn comparison(&mut self) -> Result<Comparison, ParseError> {
        match self.next() {
            (_, Token::Compare(c)) => Ok(c),
            (at, Token::Assign) => error(at, "`=` compares nothing; write `==`"),
            (at, other) => error(
                at,
                format!(
                    "expected a comparison (>, >=, <, <=, ==, !=), found {}",
                    other.describe()
                ),
            ),
        }
    }

    fn column(&mut self) -> Result<&'static str, ParseError> {
        let (at, name) = self.name("a column")?;
        NUMERIC_COLUMNS
            .iter()
            .find(|c| **c == name)
            .copied()
            .map_or_else(
                || {
                    error(
                        at,
                        format!(
                            "unknown column `{name}`; numeric columns are {}",
                            NUMERIC_COLUMNS.join(", ")
                        ),
                    )
                },
                Ok,
            )
    }

    fn metric(&mut self) -> Result<Metric, ParseError> {
        let (at, name) = self.name("a metric such as error_rate or p99(latency_ms)")?;
        if self.peek().1 != Token::Punct('(') {
            return NAMED_METRICS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, m)| m.clone())
                .map_or_else(
                    || {
                        let known: Vec<&str> = NAMED_METRICS.iter().map(|(n, _)| *n).collect();
                        error(
                            at,
                            format!(
                                "unknown metric `{name}`; named metrics are {}, and functions \
                                 are pNN, avg, min, max, sum and rate",
                                known.join(", ")
                            ),
                        )
                    },
                    Ok,
                );
        }
        self.next();
        let metric = if name == "rate" {
            let column = self.column()?;
            let op = self.comparison()?;
            let value = self.number("a number")?;
            Metric::Rate { column, op, value }
        } else {
            let function = aggregate(&name).ok_or_else(|| ParseError {
                offset: at,
                message: format!(
                    "unknown function `{name}`; use p50, p90, p95, p99 (any pNN), avg, min, max, \
                     sum or rate"
                ),
            })?;
            Metric::Aggregate {
                function,
                column: self.column()?,
            }
        };
        self.expect(Token::Punct(')'), "`)`")?;
        Ok(metric)
    }

    fn matchers(&mut self, metric: &Metric) -> Result<Vec<Matcher>, ParseError> {
        let mut out = Vec::new();
        if self.peek().1 != Token::Punct('{') {
            return Ok(out);
        }
        self.next();
        let allowed = metric.family().labels();
        loop {
            if self.peek().1 == Token::Punct('}') && out.is_empty() {
                self.next();
                break;
            }
            let (at, name) = self.name("a label")?;
            let label = Label::ALL
                .into_iter()
                .find(|l| l.name() == name)
                .filter(|l| allowed.contains(l))
                .ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|l| l.name()).collect();
                    ParseError {
                        offset: at,
                        message: format!(
                            "`{metric}` has no label `{name}`; its labels are {}",
                            names.join(", ")
                        ),
                    }
                })?;
            let negated = match self.next() {
                (_, Token::Assign) => false,
                (_, Token::Compare(Comparison::NotEqual)) => true,
                (at, other) => {
                    return error(
                        at,
                        format!("expected `=` or `!=`, found {}", other.describe()),
                    );
                }
            };
            let value = match self.next() {
                (_, Token::Text(t)) => t,
                (at, other) => {
                    return error(
                        at,
                        format!("expected a quoted value, found {}", other.describe()),
                    );
                }
            };
            out.push(Matcher {
                label,
                negated,
                value,
            });
            match self.next() {
                (_, Token::Punct(',')) => {}
                (_, Token::Punct('}')) => break,
                (at, other) => {
                    return error(
                        at,
                        format!("expected `,` or `}}`, found {}", other.describe()),
                    );
                }
            }
        }
        Ok(out)
    }
}

/// `p99` is the 0.99 quantile; `p99.9` the 0.999 one.
fn aggregate(name: &str) -> Option<Aggregate> {
    match name {
        "avg" => Some(Aggregate::Avg),
        "min" => Some(Aggregate::Min),
        "max" => Some(Aggregate::Max),
        "sum" => Some(Aggregate::Sum),
        _ => {
            let percent: f64 = name.strip_prefix('p')?.parse().ok()?;
            (percent > 0.0 && percent < 100.0).then(|| Aggregate::Quantile(percent / 100.0))
        }
    }
}

/// Parses one expression.
pub fn parse(src: &str) -> Result<Condition, ParseError> {
    let mut p = Parser {
        tokens: lex(src)?,
        at: 0,
    };
    if p.peek().1 == Token::End {
        return error(0, "the expression is empty");
    }
    let metric = p.metric()?;
    let matchers = p.matchers(&metric)?;
    let op = p.comparison()?;
    let threshold = p.number("a number after the comparison")?;
    let (at, rest) = p.next();
    if rest != Token::End {
        return error(
            at,
            format!("unexpected {} after the comparison", rest.describe()),
        );
    }
    Ok(Condition {
        metric,
        matchers,
        op,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_example_of_the_grammar() {
        let c = parse(r#"p99(latency_ms){model="m", version="v2"} > 2000"#).unwrap();
        assert_eq!(
            c.metric,
            Metric::Aggregate {
                function: Aggregate::Quantile(0.99),
                column: "latency_ms"
            }
        );
        assert_eq!(c.matchers.len(), 2);
        assert_eq!(c.matchers[1].label, Label::Version);
        assert_eq!((c.op, c.threshold), (Comparison::Greater, 2000.0));
        let rate = parse("rate(offensive_language >= 0.5) > 0.02").unwrap();
        assert_eq!(
            rate.metric,
            Metric::Rate {
                column: "offensive_language",
                op: Comparison::GreaterOrEqual,
                value: 0.5
            }
        );
        for text in [
            "error_rate > 0.05",
            "cost_usd_per_hour > 50",
            "drift.share > 0.5",
            "bias.max_gap > 0.1",
            "feedback.negative_rate > 0.3",
            "lost_rate > 0.01",
            "p99.9(ttft_ms) >= 1e3",
            r#"requests{service!="batch"} < 10"#,
        ] {
            let parsed = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parse(&parsed.to_string()).unwrap(), parsed, "{text}");
        }
    }

    #[test]
    fn errors_say_where_and_why() {
        let cases = [
            ("", 0, "empty"),
            ("p99(latency) > 1", 4, "unknown column `latency`"),
            ("latency > 1", 0, "unknown metric `latency`"),
            ("median(latency_ms) > 1", 0, "unknown function `median`"),
            ("error_rate > ", 13, "expected a number"),
            ("error_rate = 0.1", 11, "write `==`"),
            ("error_rate 0.1", 11, "expected a comparison"),
            ("drift.share{version=\"v\"} > 0.5", 12, "no label `version`"),
            ("error_rate{model=m} > 0", 17, "expected a quoted value"),
            ("error_rate{model=\"m} > 0", 17, "unterminated string"),
            ("error_rate > 1 2", 15, "unexpected the number 2"),
            ("p99(latency_ms > 1", 15, "expected `)`"),
            ("error_rate > 1x", 13, "is not a number"),
            ("error_rate # 1", 11, "unexpected character '#'"),
        ];
        for (text, offset, message) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.offset, offset, "{text}: {e}");
            assert!(e.message.contains(message), "{text}: {e}");
        }
    }
}
