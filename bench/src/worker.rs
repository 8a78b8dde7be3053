//! The pipeline under test: a `sightline pipeline` child process, so its memory is its own.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use anyhow::{Context, bail};

#[derive(Debug)]
pub struct Worker {
    child: Child,
}

/// Where the worker reads and writes.
#[derive(Debug)]
pub struct WorkerTarget<'a> {
    pub brokers: &'a str,
    pub topic: &'a str,
    pub clickhouse: &'a str,
    pub database: &'a str,
    /// Comma-separated evaluator names.
    pub evaluators: &'a str,
}

impl Worker {
    pub fn start(target: &WorkerTarget<'_>, log: &PathBuf) -> anyhow::Result<Self> {
        let args = [
            "--brokers",
            target.brokers,
            "--topic",
            target.topic,
            "--group",
            &format!("{}-group", target.topic),
            "--clickhouse",
            target.clickhouse,
            "--database",
            target.database,
            "--listen",
            &format!("127.0.0.1:{}", free_port()?),
        ];
        Self::spawn(&args, target.evaluators, log, None)
    }

    /// An embedded pipeline on `data_dir`, with HTTP ingest on `listen`, pinned to `cpu`.
    pub fn start_embedded(
        data_dir: &Path,
        listen: &str,
        evaluators: &str,
        log: &Path,
        cpu: usize,
    ) -> anyhow::Result<Self> {
        let data_dir = data_dir.display().to_string();
        let args = ["--embedded", "--data-dir", &data_dir, "--listen", listen];
        Self::spawn(&args, evaluators, log, Some(cpu))
    }

    fn spawn(
        args: &[&str],
        evaluators: &str,
        log: &Path,
        cpu: Option<usize>,
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding the sightline binary")?;
        let log_file = std::fs::File::create(log)
            .with_context(|| format!("creating the worker log {}", log.display()))?;
        let mut command = match cpu {
            Some(cpu) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", &cpu.to_string()]).arg(exe);
                taskset
            }
            None => Command::new(exe),
        };
        let child = command
            .arg("pipeline")
            .args(args)
            .env("SIGHTLINE_LOG", "warn")
            .env("SIGHTLINE__EVALUATORS__ENABLED", evaluator_list(evaluators))
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .context("starting the pipeline worker (taskset, from util-linux, pins it to a CPU)")?;
        Ok(Self { child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the worker has died, pointing at its log.
    pub fn check_alive(&mut self, log: &Path) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "the pipeline worker exited with {status}; see {}",
                log.display()
            );
        }
        Ok(())
    }

    /// Current and peak resident memory, in bytes.
    pub fn memory(&self) -> Memory {
        memory_of(self.child.id())
    }

    /// CPU seconds the worker has used so far, user plus system, from /proc.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let pid = self.child.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("reading /proc/{pid}/stat"))?;
        // The command name, in parentheses, may hold spaces; the fields after it do not.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |i: usize| -> anyhow::Result<f64> {
            Ok(fields
                .get(i)
                .context("a short /proc/PID/stat")?
                .parse::<u64>()? as f64)
        };
        // utime and stime are the stat file's fields 14 and 15; the state, field 3, is first here.
        Ok((ticks(11)? + ticks(12)?) / clock_ticks_per_second())
    }

    /// SIGTERM, and a clean exit within a minute; after that it is killed.
    pub fn stop(mut self) -> anyhow::Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("the pipeline worker exited with {status} on SIGTERM");
                }
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                bail!("the pipeline worker did not stop within a minute of SIGTERM; killed");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss: u64,
    pub peak: u64,
}

/// `latency,cost` as the TOML array the settings layer reads.
fn evaluator_list(names: &str) -> String {
    let quoted: Vec<String> = names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| format!("{n:?}"))
        .collect();
    format!("[{}]", quoted.join(","))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The kernel's unit for CPU times in /proc, as `getconf CLK_TCK` tells (100 where it cannot).
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A process's current and peak resident memory, in bytes, from /proc.
pub fn memory_of(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |field: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss: kib("VmRSS:") * 1024,
        peak: kib("VmHWM:") * 1024,
    }
}
