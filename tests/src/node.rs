//! Runs `sightline infer` as a real process on a model repository of the test's own, and reads
//! the events it publishes back from the broker.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use rdkafka::Message;
use serde_json::Value;

use crate::{free_address, service_env, sightline, unique_name};

/// A copy of the prepared repository (scripts/models.sh) in which `minilm` has the given
/// versions, all the same graph, hard-linked; so tests can switch versions without touching the
/// shared one.
pub fn repository(minilm_versions: &[&str]) -> PathBuf {
    let source = PathBuf::from(service_env("SIGHTLINE_MODEL_REPO"));
    let root = std::env::temp_dir().join(unique_name("repo"));
    let link = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::hard_link(from, to)
            .or_else(|_| std::fs::copy(from, to).map(|_| ()))
            .expect("link a model file");
    };
    for file in ["model.toml", "tokenizer.json", "1/model.onnx"] {
        link(
            &source.join("toxicity").join(file),
            &root.join("toxicity").join(file),
        );
    }
    for file in ["model.toml", "tokenizer.json"] {
        link(
            &source.join("minilm").join(file),
            &root.join("minilm").join(file),
        );
    }
    for version in minilm_versions {
        link(
            &source.join("minilm/1/model.onnx"),
            &root.join("minilm").join(version).join("model.onnx"),
        );
    }
    root
}

#[derive(Debug)]
pub struct Node {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The model repository it serves.
    pub repo: PathBuf,
}

impl Node {
    /// Starts a node on `repo` with extra flags and settings, and waits until it is ready.
    pub fn start(repo: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let listen = free_address();
        let child = Command::new(sightline())
            .args(["infer", "--model-repo"])
            .arg(repo)
            .args(["--listen", &listen])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("start sightline infer");
        crate::wait_for_listener(&listen, "the node", Duration::from_secs(60));
        Self {
            child,
            base: format!("http://{listen}"),
            repo: repo.to_owned(),
        }
    }

    /// SIGTERM, then waits for a clean exit (which flushes the events).
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait for the node");
        assert!(status.success(), "the node exited with {status}");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The events on the topic, read from the start until `expected` have come and then two seconds
/// more, so that a duplicate would show. (The broker's watermarks can lag what it has stored, so
/// they cannot say how many there are.)
pub async fn events(topic: &str, expected: usize) -> Vec<Value> {
    let consumer = crate::pipeline::read_from_start(topic);
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut grace: Option<Instant> = None;
    while grace.is_none_or(|g| Instant::now() < g) {
        assert!(
            Instant::now() < deadline,
            "read {} of {expected} events",
            out.len()
        );
        match tokio::time::timeout(Duration::from_millis(250), consumer.recv()).await {
            Ok(Ok(message)) => {
                if let Some(event) = message
                    .payload()
                    .and_then(|p| serde_json::from_slice(p).ok())
                {
                    out.push(event);
                }
            }
            Ok(Err(e)) => panic!("reading {topic}: {e}"),
            Err(_) => {}
        }
        if grace.is_none() && out.len() >= expected {
            grace = Some(Instant::now() + Duration::from_secs(2));
        }
    }
    out
}
