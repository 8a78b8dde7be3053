//! The ONNX Runtime backend: a graph that takes the texts themselves as a string tensor of shape
//! [N, 1], or one that takes token ids made with a `tokenizer.json`. Sessions are pooled, one per
//! core, because a session runs one batch at a time.

use std::path::Path;

use ort::{
    session::{Session, builder::GraphOptimizationLevel},
    value::Tensor,
};

use super::{InputKind, ModelConfig, ModelError, OutputKind};
use crate::session_pool::SessionPool;

pub struct OnnxClassifier {
    sessions: SessionPool,
    input_name: String,
    tokenizer: Option<tokenizers::Tokenizer>,
    config: ModelConfig,
}

impl std::fmt::Debug for OnnxClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxClassifier")
            .field("sessions", &self.sessions)
            .finish()
    }
}

impl OnnxClassifier {
    pub fn load(path: &Path, config: &ModelConfig) -> Result<Self, ModelError> {
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
                .and_then(|b| b.commit_from_file(path))
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
        })
    }

    /// The positive-class probability of each text.
    pub fn score(&self, texts: &[&str]) -> Result<Vec<f64>, ModelError> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(self.config.batch_size.max(1)) {
            out.extend(self.score_batch(chunk)?);
        }
        Ok(out)
    }

    fn score_batch(&self, texts: &[&str]) -> Result<Vec<f64>, ModelError> {
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
                OutputKind::Probabilities => f64::from(row[self.config.positive_class]),
                OutputKind::Logits => f64::from(softmax_at(row, self.config.positive_class)),
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
