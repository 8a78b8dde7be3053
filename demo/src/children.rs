//! The demo's processes: each part of the product runs as its own `sightline` process, exactly as
//! it would be deployed, with its log in `<data-dir>/logs/`. They are stopped with SIGTERM, and
//! killed if they do not stop, when the demo ends.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::Context;

#[derive(Debug)]
pub struct Process {
    pub name: &'static str,
    pub log: PathBuf,
    child: Child,
}

/// Starts `sightline ARGS` with `env` added, logging to `<logs>/<name>.log`.
pub fn start(
    name: &'static str,
    args: &[String],
    env: &[(&str, String)],
    logs: &Path,
) -> anyhow::Result<Process> {
    let log = logs.join(format!("{name}.log"));
    let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let binary = std::env::current_exe().context("finding the sightline binary")?;
    let child = Command::new(binary)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .env("SIGHTLINE_LOG", "info")
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .with_context(|| format!("starting sightline {name}"))?;
    Ok(Process { name, log, child })
}

impl Process {
    /// Fails with the end of the log if the process has exited.
    pub fn check(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log
                .lines()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            anyhow::bail!(
                "sightline {} stopped ({status}); the end of {}:\n{}",
                self.name,
                self.log.display(),
                tail.join("\n")
            );
        }
        Ok(())
    }

    /// Waits for the process to exit by itself, as a one-off command does.
    pub fn wait(&mut self, limit: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait()? {
                anyhow::ensure!(
                    status.success(),
                    "sightline {} failed; see {}",
                    self.name,
                    self.log.display()
                );
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        anyhow::bail!("sightline {} took more than {limit:?}", self.name)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
