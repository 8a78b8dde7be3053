//! Runs `sightline api` as a real process with keys of each scope, and calls it.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{free_address, repo_root, sightline, unique_name};

#[derive(Debug)]
pub struct Api {
    child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub admin: String,
    pub read: String,
    pub ingest: String,
    client: reqwest::Client,
}

/// Makes a key of one scope in `keys_file` with `sightline api key create`.
pub fn make_key(keys_file: &std::path::Path, scope: &str) -> String {
    let out = Command::new(sightline())
        .args([
            "api",
            "key",
            "create",
            "--name",
            scope,
            "--scope",
            scope,
            "--keys-file",
        ])
        .arg(keys_file)
        .output()
        .expect("run sightline api key create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

impl Api {
    /// Starts the API on a fresh directory (keys, rules, baselines) with `args` (the store and
    /// source flags) and `env`, and waits until it is ready.
    pub fn start(prefix: &str, args: &[String], env: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(unique_name(prefix));
        std::fs::create_dir_all(&dir).expect("api dir");
        let keys = dir.join("api-keys.json");
        let (admin, read, ingest) = (
            make_key(&keys, "admin"),
            make_key(&keys, "read"),
            make_key(&keys, "ingest"),
        );
        let base_listen = free_address();
        let child = Command::new(sightline())
            .arg("api")
            .args(args)
            .args(["--listen", &base_listen, "--keys-file"])
            .arg(&keys)
            .arg("--rules")
            .arg(dir.join("rules.toml"))
            .env("SIGHTLINE__DRIFT__BASELINES_DIR", dir.join("baselines"))
            .envs(env.iter().copied())
            .current_dir(repo_root())
            .stdout(Stdio::null())
            .spawn()
            .expect("start sightline api");
        let api = Self {
            child,
            base: format!("http://{base_listen}"),
            dir,
            admin,
            read,
            ingest,
            client: reqwest::Client::new(),
        };
        crate::wait_for_listener(&base_listen, "the api", Duration::from_secs(60));
        api
    }

    /// Calls the API with `key` (none: no Authorization header) and a JSON or raw body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(k) = key {
            request = request.bearer_auth(k);
        }
        if let Some(b) = body {
            request = request.body(b);
        }
        let response = request.send().await.expect("call the api");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `POST /v1/traces` with the ingest key and a body of `content_type`. A connection of its
    /// own each time: the server closes one it refused a too-large body on, and a pooled client
    /// would send the next request down it.
    pub async fn post_traces(&self, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/traces", self.base))
            .bearer_auth(&self.ingest)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("post to /v1/traces");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, Some(&self.read), None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// The raw bytes of a `POST /v1/sql` answer.
    pub async fn sql_bytes(&self, sql: &str, format: &str) -> (StatusCode, Vec<u8>) {
        let response = self
            .client
            .post(format!("{}/v1/sql", self.base))
            .bearer_auth(&self.read)
            .json(&serde_json::json!({"sql": sql, "format": format}))
            .send()
            .await
            .expect("sql");
        (
            response.status(),
            response.bytes().await.expect("bytes").to_vec(),
        )
    }

    /// Rows of a JSON `POST /v1/sql`.
    pub async fn sql(&self, sql: &str) -> Vec<Value> {
        let (status, bytes) = self.sql_bytes(sql, "json").await;
        let body: Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(status, StatusCode::OK, "{sql}: {body}");
        body["rows"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Synthetic events whose times start `minutes_ago`, as NDJSON lines.
pub fn recent_events(count: usize, seed: u64, minutes_ago: i64) -> Vec<String> {
    let start = (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    crate::pipeline::produce_lines(count, seed, Some(&start))
}
