//! What the demo prepares in its directory before anything starts: a clean slate, an admin API
//! key, the node's admin key and the webhook secret, and a model repository where `minilm` has a
//! second version with a longer context: the same network, reading up to 512 tokens where version 1
//! reads 256, and so about 2.5 times slower on long texts.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::Context;
use rand::RngCore;
use sightline_api::keys::{self, Scope};

/// Marks a directory the demo made, so it only ever wipes its own.
const MARKER: &str = ".sightline-demo";

#[derive(Debug)]
pub struct Prepared {
    pub dir: PathBuf,
    pub logs: PathBuf,
    pub api_key: String,
    pub node_admin_key_file: PathBuf,
    pub node_admin_key: String,
    pub webhook_secret: String,
    pub models: PathBuf,
    pub rules: PathBuf,
    pub toxic_corpus: PathBuf,
}

pub fn prepare(dir: &Path) -> anyhow::Result<Prepared> {
    let toxic_corpus = toxic_corpus()?;
    clean(dir)?;
    let logs = dir.join("logs");
    fs::create_dir_all(&logs)?;
    let (api_key, _) = keys::create(&dir.join("api-keys.json"), "demo", &[Scope::Admin])?;
    write_private(&dir.join("api-key"), &api_key)?;
    let node_admin_key = random_hex();
    let node_admin_key_file = dir.join("node-admin-key");
    write_private(&node_admin_key_file, &node_admin_key)?;
    let models = dir.join("models");
    repository(&models)?;
    let rules = dir.join("alert-rules.toml");
    fs::write(&rules, "")?;
    Ok(Prepared {
        dir: dir.to_owned(),
        logs,
        api_key,
        node_admin_key_file,
        node_admin_key,
        webhook_secret: random_hex(),
        models,
        rules,
        toxic_corpus,
    })
}

/// Davidson et al.'s labeled_data.csv: `SIGHTLINE_TOXIC_CORPUS`, else where `scripts/models.sh`
/// reads it, else beside the clone.
fn toxic_corpus() -> anyhow::Result<PathBuf> {
    let path: PathBuf = ["SIGHTLINE_TOXIC_CORPUS", "SIGHTLINE_DAVIDSON_CSV"]
        .iter()
        .find_map(std::env::var_os)
        .map_or_else(
            || "../shared/data/davidson/labeled_data.csv".into(),
            Into::into,
        );
    fs::canonicalize(&path).with_context(|| {
        format!(
            "the toxic burst draws on Davidson et al.'s labeled_data.csv, not found at {}; set SIGHTLINE_TOXIC_CORPUS",
            path.display()
        )
    })
}

/// Empties a directory the demo made before; refuses one it did not make.
fn clean(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            anyhow::bail!(
                "{} holds files the demo did not make; pass --data-dir with a new or empty directory",
                dir.display()
            );
        }
        fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::write(
        dir.join(MARKER),
        "made by `sightline demo`, which empties it at each start\n",
    )?;
    Ok(())
}

/// The demo's own repository, from the one `scripts/models.sh` builds: models linked, not copied.
fn repository(to: &Path) -> anyhow::Result<()> {
    let from: PathBuf = std::env::var_os("SIGHTLINE_MODEL_REPO")
        .map(Into::into)
        .context("SIGHTLINE_MODEL_REPO is not set: run the demo through scripts/demo.sh, which prepares the models")?;
    for model in ["minilm", "toxicity"] {
        let (src, dst) = (from.join(model), to.join(model));
        fs::create_dir_all(dst.join("1"))?;
        link(&src.join("1/model.onnx"), &dst.join("1/model.onnx"))?;
        fs::copy(src.join("tokenizer.json"), dst.join("tokenizer.json"))
            .with_context(|| format!("copying {model}'s tokenizer from {}", src.display()))?;
        let mut metadata = fs::read_to_string(src.join("model.toml"))?;
        if model == "minilm" {
            // Version 2 is newer, so without this the node would start on it.
            metadata.push_str("\ndefault_version = \"1\"\n");
        }
        fs::write(dst.join("model.toml"), metadata)?;
    }
    let v2 = to.join("minilm/2");
    fs::create_dir_all(&v2)?;
    link(&from.join("minilm/1/model.onnx"), &v2.join("model.onnx"))?;
    fs::write(
        v2.join("model.toml"),
        "# Version 2 reads twice the context: better on long texts, and much slower.\nmax_tokens = 512\n",
    )?;
    Ok(())
}

fn link(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::hard_link(from, to)
        .or_else(|_| fs::copy(from, to).map(|_| ()))
        .with_context(|| format!("placing {} at {}", from.display(), to.display()))
}

fn random_hex() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(file, "{text}")?;
    Ok(())
}
