//! The toxicity scorer's model, by its file: a `.json` file is a sparse TF-IDF linear model scored
//! natively ([`super::linear`]), the default, which `scripts/models.sh` exports from the
//! scikit-learn original; any other file is an ONNX text classifier run by ONNX Runtime
//! ([`super::onnx`]), configured by the fields below.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{linear::LinearTextModel, onnx::OnnxClassifier};

/// What the model takes and gives.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// The model file; by default `SIGHTLINE_TOXICITY_MODEL`, which `scripts/setup.sh` sets to the
    /// linear model. Every field below is for ONNX models only.
    pub path: Option<PathBuf>,
    /// `text` for a string input of shape [N, 1]; `tokens` for int64 `input_ids` and
    /// `attention_mask` of shape [N, L] made by `tokenizer`.
    pub input: InputKind,
    pub tokenizer: Option<PathBuf>,
    /// Tokens per text at most, for `tokens` models.
    pub max_tokens: usize,
    /// The output holding one row of class scores per text.
    pub output: String,
    /// Whether that output is probabilities or logits (softmaxed here).
    pub output_kind: OutputKind,
    /// The class whose probability is the score.
    pub positive_class: usize,
    /// Texts per inference call. Each session's arena keeps the memory of its largest call, and
    /// a TF-IDF model's intermediates are dense, texts × vocabulary floats each: with the default
    /// model's 15,442 terms, 512 texts held about 100 MB per session where 64 hold 12 MB, and
    /// small calls run no slower.
    pub batch_size: usize,
    /// Sessions, each scoring one batch at a time on one thread; 0 means one per core.
    pub sessions: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    Text,
    Tokens,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    Probabilities,
    Logits,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            path: None,
            input: InputKind::Text,
            tokenizer: None,
            max_tokens: 256,
            output: "probabilities".into(),
            output_kind: OutputKind::Probabilities,
            positive_class: 1,
            batch_size: 64,
            sessions: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "no model configured: set evaluators.toxicity.model.path, or SIGHTLINE_TOXICITY_MODEL (scripts/setup.sh builds the default model and sets it)"
    )]
    NoModel,
    #[error("loading {path}: {message}")]
    Load { path: String, message: String },
    #[error("tokenizer {path}: {message}")]
    Tokenizer { path: String, message: String },
    #[error("inference: {0}")]
    Run(String),
}

/// A loaded classifier.
#[derive(Debug)]
pub struct TextClassifier {
    backend: Backend,
    path: PathBuf,
}

#[derive(Debug)]
enum Backend {
    Linear(LinearTextModel),
    Onnx(OnnxClassifier),
}

impl TextClassifier {
    pub fn load(config: &ModelConfig) -> Result<Self, ModelError> {
        let path = match &config.path {
            Some(p) => p.clone(),
            None => std::env::var_os("SIGHTLINE_TOXICITY_MODEL")
                .map(PathBuf::from)
                .ok_or(ModelError::NoModel)?,
        };
        let backend = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Backend::Linear(LinearTextModel::load(&path)?),
            _ => Backend::Onnx(OnnxClassifier::load(&path, config)?),
        };
        Ok(Self { backend, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The positive-class probability of each text.
    pub fn score(&self, texts: &[&str]) -> Result<Vec<f64>, ModelError> {
        match &self.backend {
            Backend::Linear(model) => Ok(model.score(texts)),
            Backend::Onnx(model) => model.score(texts),
        }
    }
}
