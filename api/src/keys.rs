//! API keys. A key is shown once, when it is made; the key file keeps only its id, name, scopes and
//! SHA-256, so a copy of the file lets no one in. Keys are 128 random bits, for which one round of
//! SHA-256 is enough.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
    sync::Mutex,
    time::SystemTime,
};

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Publish events.
    Ingest,
    /// Read traces, metrics, drift, alerts, rules and dead letters; run read-only SQL.
    Read,
    /// Everything, and changes: rules, baselines, dead-letter replay.
    Admin,
}

impl Scope {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "ingest" => Ok(Self::Ingest),
            "read" => Ok(Self::Read),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown scope {other:?}: use ingest, read or admin"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Ingest => "ingest",
            Self::Read => "read",
            Self::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyEntry {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub sha256: String,
    pub created_at: String,
}

impl KeyEntry {
    pub fn allows(&self, needed: Scope) -> bool {
        self.scopes
            .iter()
            .any(|&s| s == Scope::Admin || s == needed)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KeyFile {
    keys: Vec<KeyEntry>,
}

/// The keys of one file, read again whenever the file changes, so keys made or revoked with
/// `sightline api key` take effect without a restart.
#[derive(Debug)]
pub struct KeyRing {
    path: PathBuf,
    cached: Mutex<(Option<SystemTime>, Vec<KeyEntry>)>,
}

impl KeyRing {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            cached: Mutex::new((None, Vec::new())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry of a presented key, if it is one of ours.
    pub fn check(&self, presented: &str) -> Option<KeyEntry> {
        let id = key_id(presented)?;
        let digest = sha256_hex(presented);
        let modified = fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if cached.0 != modified || modified.is_none() {
            let keys = read(&self.path).map(|f| f.keys).unwrap_or_else(|e| {
                tracing::warn!(path = %self.path.display(), error = %e, "the API key file cannot be read; no key is accepted");
                Vec::new()
            });
            *cached = (modified, keys);
        }
        cached
            .1
            .iter()
            .find(|k| k.id == id && constant_time_eq(k.sha256.as_bytes(), digest.as_bytes()))
            .cloned()
    }
}

/// Makes a key, stores its hash, and returns the key itself: the only time it is seen.
pub fn create(path: &Path, name: &str, scopes: &[Scope]) -> io::Result<(String, KeyEntry)> {
    if scopes.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a key needs at least one scope",
        ));
    }
    let mut file = read(path)?;
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let (id, secret) = hex.split_at(8);
    let key = format!("sl_{id}_{secret}");
    let entry = KeyEntry {
        id: id.to_owned(),
        name: name.to_owned(),
        scopes: scopes.to_vec(),
        sha256: sha256_hex(&key),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    file.keys.push(entry.clone());
    write(path, &file)?;
    Ok((key, entry))
}

pub fn list(path: &Path) -> io::Result<Vec<KeyEntry>> {
    Ok(read(path)?.keys)
}

/// Removes a key; false when there was none with that id.
pub fn revoke(path: &Path, id: &str) -> io::Result<bool> {
    let mut file = read(path)?;
    let before = file.keys.len();
    file.keys.retain(|k| k.id != id);
    if file.keys.len() == before {
        return Ok(false);
    }
    write(path, &file)?;
    Ok(true)
}

fn key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("sl_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 8 && !secret.is_empty()).then_some(id)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A file that does not exist yet holds no keys.
fn read(path: &Path) -> io::Result<KeyFile> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(KeyFile::default()),
        Err(e) => Err(e),
    }
}

/// Written whole and renamed into place, readable by the owner only.
fn write(path: &Path, file: &KeyFile) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&tmp)?;
    out.write_all(&serde_json::to_vec_pretty(file)?)?;
    out.sync_all()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_accepted_only_whole_and_only_until_revoked() {
        let dir = std::env::temp_dir().join(format!("sightline-keys-{}", std::process::id()));
        let path = dir.join("keys.json");
        let (key, entry) = create(&path, "ci", &[Scope::Read]).unwrap();
        assert!(!fs::read_to_string(&path).unwrap().contains(&key[11..]));
        let ring = KeyRing::new(&path);
        assert_eq!(ring.check(&key).unwrap().id, entry.id);
        assert!(ring.check(&key[..key.len() - 1]).is_none());
        assert!(ring.check("sl_00000000_nope").is_none());
        let found = ring.check(&key).unwrap();
        assert!(found.allows(Scope::Read) && !found.allows(Scope::Admin));
        assert!(revoke(&path, &entry.id).unwrap());
        // The cache keys on the file's modification time, which may not have moved within a tick.
        let ring = KeyRing::new(&path);
        assert!(ring.check(&key).is_none());
        fs::remove_dir_all(dir).unwrap();
    }
}
