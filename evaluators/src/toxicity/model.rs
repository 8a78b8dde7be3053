//! An ONNX text classifier on ONNX Runtime: either a graph that takes the texts themselves as a
//! string tensor of shape [N, 1], or one that takes token ids made with a `tokenizer.json`.
//! Sessions are pooled, one per core, because a session runs one batch at a time.

use std::path::{Path, PathBuf};

use ort::{
    session::{Session, builder::GraphOptimizationLevel},
    value::Tensor,
};
use serde::Deserialize;

use crate::session_pool::SessionPool;

/// What the model takes and gives.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// The ONNX file; by default `SIGHTLINE_TOXICITY_MODEL`, which `scripts/setup.sh` sets.
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
pub struct TextClassifier {
    sessions: SessionPool,
    input_name: String,
    tokenizer: Option<tokenizers::Tokenizer>,
    config: ModelConfig,
    path: PathBuf,
}

impl std::fmt::Debug for TextClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextClassifier")
            .field("path", &self.path)
            .field("sessions", &self.sessions)
            .finish()
    }
}

impl TextClassifier {
    pub fn load(config: &ModelConfig) -> Result<Self, ModelError> {
        let path = match &config.path {
            Some(p) => p.clone(),
            None => std::env::var_os("SIGHTLINE_TOXICITY_MODEL")
                .map(PathBuf::from)
                .ok_or(ModelError::NoModel)?,
        };
        let load_err = |message: String| ModelError::Load {
            path: path.display().to_string(),
            message,
        };
        let count = match config.sessions {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let sessions = SessionPool::build(count, || {
            Session::builder()
                .and_then(|b| b.with_optimization_level(GraphOptimizationLevel::Level3))
                // Parallelism comes from batches scored side by side, one session each.
                .and_then(|b| b.with_intra_threads(1))
                .and_then(|b| b.commit_from_file(&path))
                .map_err(|e| load_err(e.to_string()))
        })?;
        let first = sessions.get();
        let input_name = first
            .inputs
            .first()
            .map(|i| i.name.clone())
            .ok_or_else(|| load_err("the model has no inputs".into()))?;
        if !first.outputs.iter().any(|o| o.name == config.output) {
            let names: Vec<&str> = first.outputs.iter().map(|o| o.name.as_str()).collect();
            return Err(load_err(format!(
                "no output named {:?}; it has {names:?}",
                config.output
            )));
        }
        drop(first);
        let tokenizer = match config.input {
            InputKind::Text => None,
            InputKind::Tokens => Some(load_tokenizer(config.tokenizer.as_deref())?),
        };
        Ok(Self {
            sessions,
            input_name,
            tokenizer,
            config: config.clone(),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The positive-class probability of each text.
    pub fn score(&self, texts: &[&str]) -> Result<Vec<f32>, ModelError> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.config.batch_size.max(1)) {
            out.extend(self.score_batch(chunk)?);
        }
        Ok(out)
    }

    fn score_batch(&self, texts: &[&str]) -> Result<Vec<f32>, ModelError> {
        let run = |e: ort::Error| ModelError::Run(e.to_string());
        let mut session = self.sessions.get();
        let outputs = match &self.tokenizer {
            None => {
                // ONNX Runtime copies each string as a C string, which cannot hold NUL.
                let clean: Vec<String> = texts.iter().map(|t| t.replace('\0', " ")).collect();
                let input = Tensor::from_string_array(([clean.len(), 1], &*clean)).map_err(run)?;
                session
                    .run(ort::inputs![self.input_name.as_str() => input])
                    .map_err(run)?
            }
            Some(tokenizer) => {
                let (ids, mask, width) = tokenize(tokenizer, texts, self.config.max_tokens)?;
                let shape = [texts.len(), width];
                session
                    .run(ort::inputs![
                        "input_ids" => Tensor::from_array((shape, ids)).map_err(run)?,
                        "attention_mask" => Tensor::from_array((shape, mask)).map_err(run)?,
                    ])
                    .map_err(run)?
            }
        };
        let (shape, values) = outputs[self.config.output.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(run)?;
        let classes = match shape.as_ref() {
            [n, c] if *n as usize == texts.len() && (*c as usize) > self.config.positive_class => {
                *c as usize
            }
            other => {
                return Err(ModelError::Run(format!(
                    "output {:?} has shape {other:?}; expected [{}, >{}]",
                    self.config.output,
                    texts.len(),
                    self.config.positive_class
                )));
            }
        };
        Ok(values
            .chunks(classes)
            .map(|row| match self.config.output_kind {
                OutputKind::Probabilities => row[self.config.positive_class],
                OutputKind::Logits => softmax_at(row, self.config.positive_class),
            })
            .collect())
    }
}

fn softmax_at(row: &[f32], class: usize) -> f32 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = row.iter().map(|v| (v - max).exp()).sum();
    (row[class] - max).exp() / sum
}

fn load_tokenizer(path: Option<&Path>) -> Result<tokenizers::Tokenizer, ModelError> {
    let path = path.ok_or_else(|| ModelError::Tokenizer {
        path: String::new(),
        message: "a tokens model needs evaluators.toxicity.model.tokenizer".into(),
    })?;
    let mut tokenizer =
        tokenizers::Tokenizer::from_file(path).map_err(|e| ModelError::Tokenizer {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    // Batches are padded to their longest text here, not to a fixed width from the file.
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

/// Token ids and attention masks, row-major, padded with zeros to the longest text.
fn tokenize(
    tokenizer: &tokenizers::Tokenizer,
    texts: &[&str],
    max_tokens: usize,
) -> Result<(Vec<i64>, Vec<i64>, usize), ModelError> {
    let encodings = tokenizer
        .encode_batch(texts.to_vec(), true)
        .map_err(|e| ModelError::Run(format!("tokenizing: {e}")))?;
    let width = encodings
        .iter()
        .map(|e| e.get_ids().len().min(max_tokens))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut ids = vec![0i64; texts.len() * width];
    let mut mask = vec![0i64; texts.len() * width];
    for (row, encoding) in encodings.iter().enumerate() {
        for (col, id) in encoding.get_ids().iter().take(width).enumerate() {
            ids[row * width + col] = i64::from(*id);
            mask[row * width + col] = 1;
        }
    }
    Ok((ids, mask, width))
}
