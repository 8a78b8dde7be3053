//! Runs `sightline pipeline --embedded` as a real process, on a data directory of its own, and
//! reads that directory back with `sightline sql --embedded`.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::Value;

use crate::{free_address, sightline, unique_name};

#[derive(Debug)]
pub struct EmbeddedPipeline {
    child: Child,
    pub data_dir: String,
    /// Where HTTP ingest listens.
    pub listen: String,
}

impl EmbeddedPipeline {
    /// Starts a pipeline on a fresh data directory named after `prefix`, with settings in `env`,
    /// and waits until it listens.
    pub fn start(prefix: &str, env: &[(&str, &str)]) -> Self {
        let data_dir = std::env::temp_dir()
            .join(unique_name(prefix))
            .display()
            .to_string();
        let listen = free_address();
        let child = Command::new(sightline())
            .args(["pipeline", "--embedded", "--data-dir", &data_dir])
            .args(["--listen", &listen])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the embedded pipeline");
        crate::wait_for_listener(&listen, "the embedded pipeline", Duration::from_secs(60));
        Self {
            child,
            data_dir,
            listen,
        }
    }

    /// `POST /v1/events`.
    pub fn ingest_url(&self) -> String {
        format!("http://{}/v1/events", self.listen)
    }

    /// The store flags for other subcommands.
    pub fn store_args(&self) -> Vec<String> {
        vec![
            "--embedded".into(),
            "--data-dir".into(),
            self.data_dir.clone(),
        ]
    }

    /// Rows of a query over the data directory; none while a table has no files yet.
    pub fn sql(&self, query: &str) -> Vec<Value> {
        let out = Command::new(sightline())
            .arg("sql")
            .args(self.store_args())
            .args(["--format", "json", query])
            .output()
            .expect("run sightline sql");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for EmbeddedPipeline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
