//! A model's metadata, `model.toml` beside its versions: the task it serves, and how texts become
//! its inputs and its outputs become answers.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Texts in, one vector per text out (`/v1/embeddings`).
    Embedding,
    /// Texts in, one probability per label out (`/v1/moderations`).
    Classification,
    /// Tensors in, tensors out, as the graph declares them (Open Inference Protocol only).
    Generic,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Self::Embedding => "embedding",
            Self::Classification => "classification",
            Self::Generic => "generic",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// The mean of the token states the attention mask keeps.
    #[default]
    Mean,
    /// The first token's state.
    Cls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub task: Task,
    #[serde(default)]
    pub description: String,
    /// Classification: the string input, of shape [N, 1], that takes the texts.
    pub input: Option<String>,
    /// The output read: class probabilities, or the hidden states an embedding is pooled from.
    pub output: Option<String>,
    /// Classification: one name per output column.
    #[serde(default)]
    pub labels: Vec<String>,
    /// A `tokenizer.json`, relative to the model's folder: embeddings take token ids from it, and
    /// every task counts tokens with it for usage.
    pub tokenizer: Option<PathBuf>,
    /// Tokens per text at most.
    #[serde(default = "max_tokens")]
    pub max_tokens: usize,
    /// Whether a longer text is cut to `max_tokens`; otherwise it is refused.
    #[serde(default = "yes")]
    pub truncate: bool,
    #[serde(default)]
    pub pooling: Pooling,
    #[serde(default = "yes")]
    pub normalize: bool,
    /// Characters per text at most; a longer text is refused.
    #[serde(default = "max_characters")]
    pub max_characters: usize,
    /// USD per million input tokens, stated in the events; none for a model that costs nothing.
    pub price_per_million_input_tokens: Option<f64>,
    /// The version served when `versions.json` does not name one [default: the highest].
    pub default_version: Option<String>,
}

fn max_tokens() -> usize {
    256
}

fn max_characters() -> usize {
    20_000
}

fn yes() -> bool {
    true
}

impl Metadata {
    /// Reads and checks `<dir>/model.toml`.
    pub fn load(dir: &Path) -> Result<Self, String> {
        Self::load_for(dir, None)
    }

    /// The metadata of one version: `<dir>/model.toml`, with the keys of the version's own
    /// `model.toml` in place of the model's where it has one, for a version that differs, such as
    /// one with a longer context.
    pub fn load_for(dir: &Path, version: Option<&Path>) -> Result<Self, String> {
        let read = |path: &Path| -> Result<toml::Table, String> {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let path = dir.join("model.toml");
        let mut table = read(&path)?;
        let path = match version
            .map(|v| v.join("model.toml"))
            .filter(|p| p.is_file())
        {
            Some(own) => {
                table.extend(read(&own)?);
                own
            }
            None => path,
        };
        let mut metadata: Metadata = toml::Value::Table(table)
            .try_into()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(t) = &metadata.tokenizer {
            metadata.tokenizer = Some(dir.join(t));
        }
        let problem = match metadata.task {
            Task::Embedding if metadata.tokenizer.is_none() || metadata.output.is_none() => {
                Some("an embedding model needs `tokenizer` and `output`")
            }
            Task::Classification
                if metadata.input.is_none()
                    || metadata.output.is_none()
                    || metadata.labels.is_empty() =>
            {
                Some("a classification model needs `input`, `output` and `labels`")
            }
            _ if metadata.max_tokens == 0 || metadata.max_characters == 0 => {
                Some("`max_tokens` and `max_characters` must be above 0")
            }
            _ => None,
        };
        match problem {
            Some(p) => Err(format!("{}: {p}", path.display())),
            None => Ok(metadata),
        }
    }
}
