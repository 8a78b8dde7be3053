//! The model repository: `<repo>/<name>/model.toml` and `<repo>/<name>/<version>/model.onnx`.
//! Every version is loaded at start, so switching the active one is swapping a pointer: requests
//! already running finish on the version they started on, and none fails during a swap. The
//! active version and the ones before it are kept in `<repo>/<name>/versions.json`, so a restart
//! serves what was active and a rollback still knows where to go back to.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use serde::{Deserialize, Serialize};

use crate::{
    metadata::Metadata,
    runtime::{Provider, Version},
};

/// A change of active version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub model: String,
    pub active_version: String,
    pub previous_version: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SwitchError {
    #[error("model {0:?} has no version {1:?}")]
    UnknownVersion(String, String),
    #[error("model {0:?} has no earlier version to roll back to")]
    NothingToRollBackTo(String),
    #[error("model {model:?} serves version {active:?}, not {expected:?}")]
    NotActive {
        model: String,
        active: String,
        expected: String,
    },
    #[error("saving the active version: {0}")]
    Save(String),
}

/// Earlier active versions kept for rollbacks.
const HISTORY: usize = 32;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Saved {
    active: String,
    /// Versions active before, oldest first.
    previous: Vec<String>,
}

#[derive(Debug)]
pub struct Model {
    pub name: String,
    pub metadata: Arc<Metadata>,
    /// In the repository's order: names first, then numbers by value, so the highest number is last.
    pub versions: BTreeMap<VersionKey, Arc<Version>>,
    state: RwLock<(Arc<Version>, Vec<String>)>,
    dir: PathBuf,
}

/// Orders versions as people number them: 2 before 10 (and names before numbers).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionKey(Option<u64>, String);

impl VersionKey {
    fn of(name: &str) -> Self {
        Self(name.parse().ok(), name.to_owned())
    }
}

impl Model {
    fn load(dir: &Path, provider: Provider, sessions: usize) -> Result<Self, String> {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{} is not a model name", dir.display()))?
            .to_owned();
        let metadata = Arc::new(Metadata::load(dir)?);
        let mut versions = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let onnx = path.join("model.onnx");
            if !onnx.is_file() {
                continue;
            }
            let version = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let own = match path.join("model.toml").is_file() {
                true => Arc::new(Metadata::load_for(dir, Some(&path))?),
                false => metadata.clone(),
            };
            let loaded = Version::load(&name, &version, &onnx, own, provider, sessions)?;
            versions.insert(VersionKey::of(&version), Arc::new(loaded));
        }
        let (_, newest) = versions
            .last_key_value()
            .ok_or_else(|| format!("{}: no <version>/model.onnx", dir.display()))?;
        let state = dir.join("versions.json");
        let saved: Option<Saved> = match std::fs::read_to_string(&state) {
            Ok(text) => Some(serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}: {e}; fix it or remove it to serve the default version",
                    state.display()
                )
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("{}: {e}", state.display())),
        };
        let wanted = saved
            .as_ref()
            .map(|s| s.active.clone())
            .or_else(|| metadata.default_version.clone())
            .unwrap_or_else(|| newest.version.clone());
        let active = versions
            .get(&VersionKey::of(&wanted))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "{}: the active version {wanted:?} is not there",
                    dir.display()
                )
            })?;
        let previous = saved.map(|s| s.previous).unwrap_or_default();
        Ok(Self {
            name,
            metadata,
            versions,
            state: RwLock::new((active, previous)),
            dir: dir.to_owned(),
        })
    }

    /// The version serving now.
    pub fn active(&self) -> Arc<Version> {
        self.state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    /// The versions active before the current one, oldest first.
    pub fn previous(&self) -> Vec<String> {
        self.state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    pub fn version(&self, name: &str) -> Option<Arc<Version>> {
        self.versions.get(&VersionKey::of(name)).cloned()
    }

    /// Makes `version` the active one.
    pub fn activate(&self, version: &str) -> Result<Change, SwitchError> {
        let target = self
            .version(version)
            .ok_or_else(|| SwitchError::UnknownVersion(self.name.clone(), version.to_owned()))?;
        self.switch(|active, previous| {
            if active.version != target.version {
                previous.push(active.version.clone());
            }
            Ok(target)
        })
    }

    /// Goes back to the version active before this one or, when none was, to the one before it
    /// in the repository's order. With `expected`, only if that is the version serving now, so a
    /// rollback sent twice does not roll back twice.
    pub fn rollback(&self, expected: Option<&str>) -> Result<Change, SwitchError> {
        self.switch(|active, previous| {
            if let Some(expected) = expected.filter(|e| *e != active.version) {
                return Err(SwitchError::NotActive {
                    model: self.name.clone(),
                    active: active.version.clone(),
                    expected: expected.to_owned(),
                });
            }
            let below = || {
                self.versions
                    .range(..VersionKey::of(&active.version))
                    .next_back()
                    .map(|(_, v)| v.version.clone())
            };
            let back = previous
                .pop()
                .or_else(below)
                .ok_or_else(|| SwitchError::NothingToRollBackTo(self.name.clone()))?;
            self.version(&back)
                .ok_or_else(|| SwitchError::UnknownVersion(self.name.clone(), back))
        })
    }

    fn switch(
        &self,
        choose: impl FnOnce(&Arc<Version>, &mut Vec<String>) -> Result<Arc<Version>, SwitchError>,
    ) -> Result<Change, SwitchError> {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        let mut previous = state.1.clone();
        let next = choose(&state.0, &mut previous)?;
        // Rollbacks go back a few steps, not through every version ever served.
        if previous.len() > HISTORY {
            previous.drain(..previous.len() - HISTORY);
        }
        let saved = Saved {
            active: next.version.clone(),
            previous: previous.clone(),
        };
        // Written before the swap, so what is served is always what a restart would serve.
        let path = self.dir.join("versions.json");
        let tmp = self.dir.join("versions.json.tmp");
        let durable = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(
                &mut file,
                &serde_json::to_vec_pretty(&saved).unwrap_or_default(),
            )?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        durable().map_err(|e| SwitchError::Save(format!("{}: {e}", path.display())))?;
        let change = Change {
            model: self.name.clone(),
            active_version: next.version.clone(),
            previous_version: state.0.version.clone(),
        };
        *state = (next, previous);
        Ok(change)
    }
}

/// Every model of a repository.
#[derive(Debug)]
pub struct Repository {
    pub root: PathBuf,
    pub models: BTreeMap<String, Arc<Model>>,
}

impl Repository {
    /// Loads every model under `root`: each folder with a `model.toml`.
    pub fn load(root: &Path, provider: Provider, sessions: usize) -> Result<Self, String> {
        // Before any provider is asked about: ONNX Runtime needs its environment first.
        ort::init()
            .with_name("sightline")
            .commit()
            .map_err(|e| format!("starting ONNX Runtime: {e}"))?;
        provider.check()?;
        let mut models = BTreeMap::new();
        let entries = std::fs::read_dir(root)
            .map_err(|e| format!("model repository {}: {e}", root.display()))?;
        for entry in entries {
            let dir = entry.map_err(|e| e.to_string())?.path();
            if dir.join("model.toml").is_file() {
                let model = Model::load(&dir, provider, sessions)?;
                models.insert(model.name.clone(), Arc::new(model));
            }
        }
        if models.is_empty() {
            return Err(format!(
                "model repository {}: no <name>/model.toml (scripts/models.sh builds one)",
                root.display()
            ));
        }
        Ok(Self {
            root: root.to_owned(),
            models,
        })
    }

    pub fn model(&self, name: &str) -> Option<&Arc<Model>> {
        self.models.get(name)
    }
}
