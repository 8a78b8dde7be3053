//! Runs `sightline monitor` as a real process, logging to a file the test can read.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use crate::{free_address, sightline};

#[derive(Debug)]
pub struct Monitor {
    child: Child,
    log: PathBuf,
    metrics: String,
}

impl Monitor {
    /// Starts `sightline monitor` with `args` (store flags, rules) and `env`, on a free port for
    /// /metrics, appending its log to `log`.
    pub fn start(args: &[String], env: &[(&str, &str)], log: PathBuf) -> Self {
        let listen = free_address();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let child = Command::new(sightline())
            .arg("monitor")
            .args(args)
            .args(["--listen", &listen])
            .envs(env.iter().copied())
            .env("SIGHTLINE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start the monitor");
        Self {
            child,
            log,
            metrics: format!("http://{listen}/metrics"),
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The text of /metrics.
    pub fn metrics(&self) -> String {
        let out = Command::new("curl")
            .args(["-fsS", "--max-time", "2", &self.metrics])
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait for the monitor");
        assert!(
            status.success(),
            "monitor exited with {status}:\n{}",
            self.log()
        );
    }

    /// Waits for the process to end by itself; its exit status.
    pub fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait for the monitor")
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
