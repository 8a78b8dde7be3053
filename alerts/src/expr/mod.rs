//! The rule expression language: one windowed metric, optional label matchers, a comparison and a
//! number, such as `p99(latency_ms){model="m", version="v2"} > 2000`. The grammar and the metric
//! catalogue are in the README ("Alert rules").

mod parse;

use std::fmt;

pub use parse::{ParseError, parse};

/// A parsed expression: true for a label set when its metric's value passes the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub metric: Metric,
    pub matchers: Vec<Matcher>,
    pub op: Comparison,
    pub threshold: f64,
}

impl Condition {
    pub fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.threshold)
    }
}

/// What is measured over a window.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// An aggregate of one numeric column of `llm_events`.
    Aggregate {
        function: Aggregate,
        column: &'static str,
    },
    /// The share of rows with the column set whose value passes the comparison.
    Rate {
        column: &'static str,
        op: Comparison,
        value: f64,
    },
    Requests,
    RequestsPerMinute,
    ErrorRate,
    LostRate,
    OrphanRate,
    CostUsdPerHour,
    /// The share of a model's features that drifted in the latest window checked.
    DriftShare,
    /// The largest gap in offensive rate between two identity groups that responses mention.
    BiasMaxGap,
    /// The share of feedback scores below zero.
    FeedbackNegativeRate,
}

/// The named metrics, as written.
pub const NAMED_METRICS: [(&str, Metric); 9] = [
    ("requests", Metric::Requests),
    ("requests_per_minute", Metric::RequestsPerMinute),
    ("error_rate", Metric::ErrorRate),
    ("lost_rate", Metric::LostRate),
    ("orphan_rate", Metric::OrphanRate),
    ("cost_usd_per_hour", Metric::CostUsdPerHour),
    ("drift.share", Metric::DriftShare),
    ("bias.max_gap", Metric::BiasMaxGap),
    ("feedback.negative_rate", Metric::FeedbackNegativeRate),
];

/// The numeric columns an aggregate or a rate may read. `cost_usd` is `cost_nusd` in dollars.
pub const NUMERIC_COLUMNS: [&str; 18] = [
    "latency_ms",
    "ttft_ms",
    "queue_ms",
    "tokens_per_s",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "cost_usd",
    "offensive_language",
    "offensive_language_prompt",
    "counterfactual_gap",
    "pii_email",
    "pii_phone",
    "pii_credit_card",
    "pii_ip",
    "pii_iban",
    "pii_national_id",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregate {
    /// `p50` is `Quantile(0.5)`.
    Quantile(f64),
    Avg,
    Min,
    Max,
    Sum,
}

/// Which rows a metric is computed from, and so which labels it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `llm_events`, per project, model and version.
    Events,
    /// `drift_reports`, per project and model.
    Drift,
    /// `feedback` joined to the exchange it rates, per project, model and version.
    Feedback,
}

impl Metric {
    pub fn family(&self) -> Family {
        match self {
            Self::DriftShare => Family::Drift,
            Self::FeedbackNegativeRate => Family::Feedback,
            _ => Family::Events,
        }
    }
}

impl Family {
    /// The labels a matcher may name: the ones each value is computed per come first.
    pub fn labels(self) -> &'static [Label] {
        match self {
            Self::Events => &[
                Label::Project,
                Label::Model,
                Label::Version,
                Label::Service,
                Label::Environment,
                Label::Provider,
                Label::Operation,
            ],
            Self::Drift => &[Label::Project, Label::Model],
            Self::Feedback => &[Label::Project, Label::Model, Label::Version, Label::Service],
        }
    }

    /// The labels each value is computed per.
    pub fn group_by(self) -> &'static [Label] {
        match self {
            Self::Events | Self::Feedback => &[Label::Project, Label::Model, Label::Version],
            Self::Drift => &[Label::Project, Label::Model],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    Project,
    Model,
    Version,
    Service,
    Environment,
    Provider,
    Operation,
}

impl Label {
    pub const ALL: [Label; 7] = [
        Self::Project,
        Self::Model,
        Self::Version,
        Self::Service,
        Self::Environment,
        Self::Provider,
        Self::Operation,
    ];

    /// As written in expressions and alert labels.
    pub fn name(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Model => "model",
            Self::Version => "version",
            Self::Service => "service",
            Self::Environment => "environment",
            Self::Provider => "provider",
            Self::Operation => "operation",
        }
    }

    /// The column it is stored in.
    pub fn column(self) -> &'static str {
        match self {
            Self::Version => "model_version",
            other => other.name(),
        }
    }
}

/// `label = "value"` or `label != "value"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    pub label: Label,
    pub negated: bool,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Equal,
    NotEqual,
}

impl Comparison {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Self::Greater => left > right,
            Self::GreaterOrEqual => left >= right,
            Self::Less => left < right,
            Self::LessOrEqual => left <= right,
            Self::Equal => left == right,
            Self::NotEqual => left != right,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Greater => ">",
            Self::GreaterOrEqual => ">=",
            Self::Less => "<",
            Self::LessOrEqual => "<=",
            Self::Equal => "==",
            Self::NotEqual => "!=",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Aggregate { function, column } => {
                let name = match function {
                    Aggregate::Quantile(q) => format!("p{}", q * 100.0),
                    Aggregate::Avg => "avg".into(),
                    Aggregate::Min => "min".into(),
                    Aggregate::Max => "max".into(),
                    Aggregate::Sum => "sum".into(),
                };
                write!(f, "{name}({column})")
            }
            Self::Rate { column, op, value } => {
                write!(f, "rate({column} {} {value})", op.symbol())
            }
            named => {
                let (name, _) = NAMED_METRICS
                    .iter()
                    .find(|(_, m)| m == named)
                    .expect("every other metric is named");
                f.write_str(name)
            }
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.metric)?;
        if !self.matchers.is_empty() {
            let matchers: Vec<String> = self
                .matchers
                .iter()
                .map(|m| {
                    let op = if m.negated { "!=" } else { "=" };
                    format!("{}{op}{:?}", m.label.name(), m.value)
                })
                .collect();
            write!(f, "{{{}}}", matchers.join(", "))?;
        }
        write!(f, " {} {}", self.op.symbol(), self.threshold)
    }
}
