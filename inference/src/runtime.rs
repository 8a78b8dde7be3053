//! One loaded version of a model: ONNX Runtime sessions, pooled because a session runs one batch
//! at a time, the tokenizer, and the task's way from texts to answers.

use std::path::Path;

use ort::{
    execution_providers::{CUDAExecutionProvider, ExecutionProvider},
    session::{Session, builder::GraphOptimizationLevel},
    tensor::TensorElementType,
    value::{DynValue, Tensor as OrtTensor, ValueType},
};
use sightline_evaluators::session_pool::SessionPool;
use tokenizers::{Tokenizer, TruncationParams};

use crate::{
    metadata::{Metadata, Pooling, Task},
    tensor::{Data, Tensor, TensorSpec},
};

/// Where the graph runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cpu,
    Cuda,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }

    /// Whether the ONNX Runtime library that was loaded can run it; CUDA needs a GPU build.
    pub fn check(self) -> Result<(), String> {
        if self == Self::Cpu {
            return Ok(());
        }
        match CUDAExecutionProvider::default().is_available() {
            Ok(true) => Ok(()),
            Ok(false) => Err(
                "the CUDA execution provider is not in this ONNX Runtime (ORT_DYLIB_PATH): load the \
                 onnxruntime-gpu build, or use --execution-provider cpu"
                    .into(),
            ),
            Err(e) => Err(format!("asking ONNX Runtime for its providers: {e}")),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RunError {
    /// The request's fault: a 400.
    #[error("{0}")]
    Invalid(String),
    /// The model's fault: a 500.
    #[error("{0}")]
    Failed(String),
}

impl From<ort::Error> for RunError {
    fn from(e: ort::Error) -> Self {
        Self::Failed(e.to_string())
    }
}

/// What a batch of texts gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// One vector per text.
    Embeddings(Vec<Vec<f32>>),
    /// One probability per label, per text.
    Classes(Vec<Vec<f32>>),
}

pub struct Version {
    pub model: String,
    pub version: String,
    pub metadata: std::sync::Arc<Metadata>,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    sessions: SessionPool,
    tokenizer: Option<Tokenizer>,
    /// The same tokenizer without truncation, to count what a text really holds.
    counter: Option<Tokenizer>,
    token_type_ids: bool,
}

impl std::fmt::Debug for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Version")
            .field("model", &self.model)
            .field("version", &self.version)
            .field("sessions", &self.sessions)
            .finish()
    }
}

fn datatype(ty: TensorElementType) -> String {
    match ty {
        TensorElementType::Float32 => "FP32".into(),
        TensorElementType::Int64 => "INT64".into(),
        TensorElementType::Int32 => "INT32".into(),
        TensorElementType::String => "BYTES".into(),
        other => format!("{other:?}").to_uppercase(),
    }
}

fn spec(name: &str, ty: &ValueType) -> TensorSpec {
    match ty {
        ValueType::Tensor { ty, shape, .. } => TensorSpec {
            name: name.to_owned(),
            datatype: datatype(*ty),
            shape: shape.to_vec(),
        },
        other => TensorSpec {
            name: name.to_owned(),
            datatype: format!("{other:?}"),
            shape: Vec::new(),
        },
    }
}

impl Version {
    pub fn load(
        model: &str,
        version: &str,
        path: &Path,
        metadata: std::sync::Arc<Metadata>,
        provider: Provider,
        sessions: usize,
    ) -> Result<Self, String> {
        let fail = |e: String| format!("{model} version {version} ({}): {e}", path.display());
        let sessions = SessionPool::build(sessions, || {
            let mut builder = Session::builder()
                .and_then(|b| b.with_optimization_level(GraphOptimizationLevel::Level3))
                .and_then(|b| b.with_intra_threads(1))
                .map_err(|e| fail(e.to_string()))?;
            if provider == Provider::Cuda {
                builder = builder
                    .with_execution_providers([CUDAExecutionProvider::default()
                        .build()
                        .error_on_failure()])
                    .map_err(|e| fail(e.to_string()))?;
            }
            builder
                .commit_from_file(path)
                .map_err(|e| fail(e.to_string()))
        })?;
        let first = sessions.get();
        let inputs: Vec<TensorSpec> = first
            .inputs
            .iter()
            .map(|i| spec(&i.name, &i.input_type))
            .collect();
        let outputs: Vec<TensorSpec> = first
            .outputs
            .iter()
            .map(|o| spec(&o.name, &o.output_type))
            .collect();
        drop(first);
        let has = |list: &[TensorSpec], name: &Option<String>| {
            name.as_ref()
                .is_none_or(|n| list.iter().any(|s| &s.name == n))
        };
        if !has(&inputs, &metadata.input) || !has(&outputs, &metadata.output) {
            return Err(fail(format!(
                "model.toml names input {:?} and output {:?}; the graph has inputs {:?} and outputs {:?}",
                metadata.input,
                metadata.output,
                inputs.iter().map(|s| &s.name).collect::<Vec<_>>(),
                outputs.iter().map(|s| &s.name).collect::<Vec<_>>()
            )));
        }
        let counter = match &metadata.tokenizer {
            None => None,
            Some(p) => {
                let mut t =
                    Tokenizer::from_file(p).map_err(|e| fail(format!("{}: {e}", p.display())))?;
                // Batches are padded here, to their longest text, not to a width from the file.
                t.with_padding(None);
                t.with_truncation(None).map_err(|e| fail(e.to_string()))?;
                Some(t)
            }
        };
        let tokenizer = match &counter {
            None => None,
            Some(counter) => {
                let mut t = counter.clone();
                if metadata.truncate {
                    t.with_truncation(Some(TruncationParams {
                        max_length: metadata.max_tokens,
                        ..TruncationParams::default()
                    }))
                    .map_err(|e| fail(e.to_string()))?;
                }
                Some(t)
            }
        };
        let token_type_ids = inputs.iter().any(|s| s.name == "token_type_ids");
        Ok(Self {
            model: model.to_owned(),
            version: version.to_owned(),
            metadata,
            inputs,
            outputs,
            sessions,
            tokenizer,
            counter,
            token_type_ids,
        })
    }

    /// The inputs and outputs as the Open Inference Protocol describes them: texts for the text
    /// tasks, the graph's own tensors for generic models.
    pub fn signature(&self) -> (Vec<TensorSpec>, Vec<TensorSpec>) {
        let texts = || {
            vec![TensorSpec {
                name: "text".into(),
                datatype: "BYTES".into(),
                shape: vec![-1],
            }]
        };
        match self.metadata.task {
            Task::Embedding => (
                texts(),
                vec![TensorSpec {
                    name: "embedding".into(),
                    datatype: "FP32".into(),
                    shape: vec![-1, self.width()],
                }],
            ),
            Task::Classification => (
                texts(),
                vec![TensorSpec {
                    name: "probabilities".into(),
                    datatype: "FP32".into(),
                    shape: vec![-1, self.metadata.labels.len() as i64],
                }],
            ),
            Task::Generic => (self.inputs.clone(), self.outputs.clone()),
        }
    }

    /// An embedding's width, from the graph's last output dimension; -1 when the graph leaves it open.
    fn width(&self) -> i64 {
        self.outputs
            .iter()
            .find(|o| Some(&o.name) == self.metadata.output.as_ref())
            .and_then(|o| o.shape.last().copied())
            .unwrap_or(-1)
    }

    /// Tokens per text, all of them, counted with the model's tokenizer; none without one.
    pub fn count_tokens(&self, texts: &[String]) -> Result<Option<Vec<u64>>, RunError> {
        let Some(tokenizer) = &self.counter else {
            return Ok(None);
        };
        let encodings = tokenizer
            .encode_batch(texts.iter().map(String::as_str).collect::<Vec<_>>(), true)
            .map_err(|e| RunError::Invalid(format!("tokenizing: {e}")))?;
        Ok(Some(
            encodings.iter().map(|e| e.get_ids().len() as u64).collect(),
        ))
    }

    /// Checks texts before they are queued: length in characters, and in tokens when the model
    /// does not truncate.
    pub fn check_texts(&self, texts: &[String]) -> Result<(), RunError> {
        let m = &self.metadata;
        if let Some((i, t)) = texts
            .iter()
            .enumerate()
            .find(|(_, t)| t.chars().count() > m.max_characters)
        {
            return Err(RunError::Invalid(format!(
                "input {i} is too long: {} characters, at most {}",
                t.chars().count(),
                m.max_characters
            )));
        }
        if !m.truncate
            && let Some(tokens) = self.count_tokens(texts)?
            && let Some((i, n)) = tokens
                .iter()
                .enumerate()
                .find(|(_, n)| **n as usize > m.max_tokens)
        {
            return Err(RunError::Invalid(format!(
                "input {i} is too long: {n} tokens, at most {}",
                m.max_tokens
            )));
        }
        Ok(())
    }

    /// Runs a batch of texts through an embedding or classification model.
    pub fn run_texts(&self, texts: &[String]) -> Result<Answer, RunError> {
        match self.metadata.task {
            Task::Embedding => self.embed(texts).map(Answer::Embeddings),
            Task::Classification => self.classify(texts).map(Answer::Classes),
            Task::Generic => Err(RunError::Invalid(format!(
                "{} takes tensors, not texts",
                self.model
            ))),
        }
    }

    fn classify(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, RunError> {
        let m = &self.metadata;
        let (input, output) = (
            m.input.as_deref().unwrap_or("text"),
            m.output.as_deref().unwrap_or_default(),
        );
        // ONNX Runtime copies each string as a C string, which cannot hold NUL.
        let clean: Vec<String> = texts.iter().map(|t| t.replace('\0', " ")).collect();
        let tensor = OrtTensor::from_string_array(([clean.len(), 1], &*clean))?;
        let mut session = self.sessions.get();
        let outputs = session.run(ort::inputs![input => tensor])?;
        let (shape, values) = outputs[output].try_extract_tensor::<f32>()?;
        match shape.as_ref() {
            [n, c] if *n as usize == texts.len() && *c as usize == m.labels.len() => {}
            other => {
                return Err(RunError::Failed(format!(
                    "output {output:?} has shape {other:?}; expected [{}, {}]",
                    texts.len(),
                    m.labels.len()
                )));
            }
        }
        Ok(values.chunks(m.labels.len()).map(<[f32]>::to_vec).collect())
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, RunError> {
        let m = &self.metadata;
        let tokenizer = self
            .tokenizer
            .as_ref()
            .ok_or_else(|| RunError::Failed("no tokenizer".into()))?;
        let encodings = tokenizer
            .encode_batch(texts.iter().map(String::as_str).collect::<Vec<_>>(), true)
            .map_err(|e| RunError::Invalid(format!("tokenizing: {e}")))?;
        let width = encodings
            .iter()
            .map(|e| e.get_ids().len())
            .max()
            .unwrap_or(0)
            .max(1);
        let n = texts.len();
        let (mut ids, mut mask, mut types) = (
            vec![0i64; n * width],
            vec![0i64; n * width],
            vec![0i64; n * width],
        );
        for (row, e) in encodings.iter().enumerate() {
            for (col, ((id, m), t)) in e
                .get_ids()
                .iter()
                .zip(e.get_attention_mask())
                .zip(e.get_type_ids())
                .enumerate()
            {
                ids[row * width + col] = i64::from(*id);
                mask[row * width + col] = i64::from(*m);
                types[row * width + col] = i64::from(*t);
            }
        }
        let shape = [n, width];
        let output = m.output.as_deref().unwrap_or_default();
        let mut session = self.sessions.get();
        let mut inputs = vec![
            (
                "input_ids",
                DynValue::from(OrtTensor::from_array((shape, ids))?),
            ),
            (
                "attention_mask",
                DynValue::from(OrtTensor::from_array((shape, mask.clone()))?),
            ),
        ];
        if self.token_type_ids {
            inputs.push((
                "token_type_ids",
                DynValue::from(OrtTensor::from_array((shape, types))?),
            ));
        }
        let outputs = session.run(inputs)?;
        let (out_shape, hidden) = outputs[output].try_extract_tensor::<f32>()?;
        let dims = match out_shape.as_ref() {
            [b, l, d] if *b as usize == n && *l as usize == width => *d as usize,
            other => {
                return Err(RunError::Failed(format!(
                    "output {output:?} has shape {other:?}; expected [{n}, {width}, D]"
                )));
            }
        };
        Ok((0..n)
            .map(|row| {
                let states = &hidden[row * width * dims..(row + 1) * width * dims];
                let mut v = vec![0f32; dims];
                match m.pooling {
                    Pooling::Cls => v.copy_from_slice(&states[..dims]),
                    Pooling::Mean => {
                        let mut kept = 0f32;
                        for col in 0..width {
                            if mask[row * width + col] == 0 {
                                continue;
                            }
                            kept += 1.0;
                            for (acc, x) in v.iter_mut().zip(&states[col * dims..(col + 1) * dims])
                            {
                                *acc += x;
                            }
                        }
                        v.iter_mut().for_each(|x| *x /= kept.max(1e-9));
                    }
                }
                if m.normalize {
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
                    v.iter_mut().for_each(|x| *x /= norm);
                }
                v
            })
            .collect())
    }

    /// Runs a generic model on tensors; every input must fit the graph's declaration.
    pub fn run_tensors(&self, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, RunError> {
        for spec in &self.inputs {
            let Some(t) = inputs.iter().find(|t| t.name == spec.name) else {
                return Err(RunError::Invalid(format!(
                    "input {:?} is missing",
                    spec.name
                )));
            };
            if !t.fits(spec) {
                return Err(RunError::Invalid(format!(
                    "input {:?} is {} {:?}; the model takes {} {:?}",
                    t.name,
                    t.data.datatype(),
                    t.shape,
                    spec.datatype,
                    spec.shape
                )));
            }
        }
        if let Some(extra) = inputs
            .iter()
            .find(|t| !self.inputs.iter().any(|s| s.name == t.name))
        {
            return Err(RunError::Invalid(format!(
                "the model has no input {:?}",
                extra.name
            )));
        }
        let values = inputs
            .into_iter()
            .map(|t| {
                let shape: Vec<usize> = t.shape.iter().map(|d| *d as usize).collect();
                let value = match t.data {
                    Data::Fp32(v) => DynValue::from(OrtTensor::from_array((shape, v))?),
                    Data::Int64(v) => DynValue::from(OrtTensor::from_array((shape, v))?),
                    Data::Int32(v) => DynValue::from(OrtTensor::from_array((shape, v))?),
                    Data::Bytes(v) => DynValue::from(OrtTensor::from_string_array((shape, &*v))?),
                };
                Ok((t.name, value))
            })
            .collect::<Result<Vec<_>, RunError>>()?;
        let mut session = self.sessions.get();
        let outputs = session.run(values)?;
        let mut out = Vec::new();
        for (name, value) in outputs.iter() {
            let (shape, data) = match value.dtype() {
                ValueType::Tensor {
                    ty: TensorElementType::Float32,
                    ..
                } => {
                    let (s, d) = value.try_extract_tensor::<f32>()?;
                    (s.to_vec(), Data::Fp32(d.to_vec()))
                }
                ValueType::Tensor {
                    ty: TensorElementType::Int64,
                    ..
                } => {
                    let (s, d) = value.try_extract_tensor::<i64>()?;
                    (s.to_vec(), Data::Int64(d.to_vec()))
                }
                ValueType::Tensor {
                    ty: TensorElementType::Int32,
                    ..
                } => {
                    let (s, d) = value.try_extract_tensor::<i32>()?;
                    (s.to_vec(), Data::Int32(d.to_vec()))
                }
                ValueType::Tensor {
                    ty: TensorElementType::String,
                    ..
                } => {
                    let (s, d) = value.try_extract_strings()?;
                    (s.to_vec(), Data::Bytes(d))
                }
                other => {
                    return Err(RunError::Failed(format!(
                        "output {name:?} is {other:?}, which is not served"
                    )));
                }
            };
            out.push(Tensor {
                name: name.to_owned(),
                shape,
                data,
            });
        }
        Ok(out)
    }
}
