//! Evaluators by name: the settings of each, and the one place that turns settings into the list
//! a pipeline runs.

use std::sync::Arc;

use serde::Deserialize;
use sightline_schemas::{Evaluator, Evaluators};

use crate::{
    bias::{BiasConfig, BiasEvaluator, Lexicon},
    cost::{CostConfig, CostEvaluator, PriceTable},
    latency::LatencyEvaluator,
    pii::{PiiConfig, PiiEvaluator},
    toxicity::{TextClassifier, ToxicityConfig, ToxicityEvaluator},
};

/// Every evaluator, in the order they run: toxicity and bias read the texts before PII redacts them.
pub const ALL: [&str; 5] = ["latency", "cost", "toxicity", "bias", "pii"];

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvaluatorsConfig {
    /// Which evaluators run; they run in the order of [`ALL`] whatever the order here.
    pub enabled: Vec<String>,
    pub cost: CostConfig,
    pub toxicity: ToxicityConfig,
    pub bias: BiasConfig,
    pub pii: PiiConfig,
}

impl Default for EvaluatorsConfig {
    fn default() -> Self {
        Self {
            enabled: ALL.iter().map(|s| (*s).to_owned()).collect(),
            cost: CostConfig::default(),
            toxicity: ToxicityConfig::default(),
            bias: BiasConfig::default(),
            pii: PiiConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("unknown evaluator {0:?}; known: {known}", known = ALL.join(", "))]
    Unknown(String),
    #[error("evaluators.cost: {0}")]
    Prices(#[from] crate::cost::PriceTableError),
    #[error("evaluators.toxicity: {0}")]
    Model(#[from] crate::toxicity::ModelError),
    #[error("evaluators.bias: {0}")]
    Lexicon(#[from] crate::bias::LexiconError),
    #[error("{0}")]
    Pii(#[from] crate::pii::PiiConfigError),
}

impl EvaluatorsConfig {
    /// Checks what can be checked without loading anything.
    pub fn validate(&self) -> Result<(), BuildError> {
        if let Some(unknown) = self.enabled.iter().find(|n| !ALL.contains(&n.as_str())) {
            return Err(BuildError::Unknown(unknown.clone()));
        }
        if self.on("pii") {
            PiiEvaluator::new(&self.pii)?;
        }
        Ok(())
    }

    /// Whether an evaluator is switched on.
    pub fn on(&self, name: &str) -> bool {
        self.enabled.iter().any(|e| e == name)
    }

    /// Builds the enabled evaluators, loading their tables and models.
    pub fn build(&self) -> Result<Evaluators, BuildError> {
        self.validate()?;
        let classifier = match self.on("toxicity") {
            true => Some(Arc::new(TextClassifier::load(&self.toxicity.model)?)),
            false => None,
        };
        let mut list: Vec<Box<dyn Evaluator>> = Vec::new();
        for name in ALL.iter().filter(|n| self.on(n)) {
            let evaluator: Box<dyn Evaluator> = match *name {
                "latency" => Box::new(LatencyEvaluator),
                "cost" => Box::new(CostEvaluator::new(PriceTable::load_file(
                    self.cost.price_table.as_deref(),
                )?)),
                "toxicity" => Box::new(ToxicityEvaluator::new(
                    classifier.clone().expect("loaded above when on"),
                    &self.toxicity,
                )),
                "bias" => Box::new(BiasEvaluator::new(
                    Lexicon::load(self.bias.lexicon.as_deref())?,
                    classifier.clone(),
                    &self.bias,
                )),
                "pii" => Box::new(PiiEvaluator::new(&self.pii)?),
                other => unreachable!("{other} is in ALL but not built"),
            };
            list.push(evaluator);
        }
        Ok(Evaluators::new(list))
    }
}
