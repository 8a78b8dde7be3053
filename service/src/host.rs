//! What this process knows of where it runs: the machine's name, and keys handed to it in a file
//! or in the environment.

use std::path::Path;

use anyhow::Context;

/// The variable holding the key `sightline produce --http` and the inference node present to
/// `/v1/events`.
pub const API_KEY_VAR: &str = "SIGHTLINE_API_KEY";

/// The machine's name: `HOSTNAME`, else `/etc/hostname`; none when neither says.
pub fn name() -> Option<String> {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// A key from a file, else from the environment variable `env`; none when neither is set. Never
/// logged.
pub fn key(file: Option<&Path>, env: Option<&str>) -> anyhow::Result<Option<String>> {
    let text = match file {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => env.and_then(|name| std::env::var(name).ok()),
    };
    Ok(text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()))
}
