//! The two competitors of `bench ingest`, run on the same events: (a) ClickHouse loading them from
//! a file with `clickhouse-client ... FORMAT JSONEachRow`, the ceiling for any path into
//! ClickHouse; (b) the reference consumer a team would write in an afternoon, in Python with
//! confluent-kafka, inserting JSONEachRow over HTTP. Both store one flat row per event.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

/// The reference consumer, built into the binary so the bench needs no checkout.
const SCRIPT: &str = include_str!("../../scripts/bench/reference_consumer.py");

#[derive(Debug)]
pub struct Baselines {
    python: PathBuf,
    script: PathBuf,
    clickhouse: String,
}

impl Baselines {
    pub fn new(python: &Path, clickhouse: &str, work_dir: &Path) -> anyhow::Result<Self> {
        let script = work_dir.join("reference_consumer.py");
        std::fs::write(&script, SCRIPT).with_context(|| format!("writing {}", script.display()))?;
        Ok(Self {
            python: python.to_owned(),
            script,
            clickhouse: clickhouse.to_owned(),
        })
    }

    fn python(&self) -> Command {
        let mut command = Command::new(&self.python);
        command.arg(&self.script);
        command
    }

    pub fn create_table(&self, table: &str) -> anyhow::Result<()> {
        run(
            self.python()
                .args(["create-table", &self.clickhouse, table]),
            "creating a baseline table",
        )
    }

    /// Turns the events into the flat rows both baselines store.
    pub fn flatten(&self, events: &Path, rows: &Path) -> anyhow::Result<()> {
        run(
            self.python().arg("flatten").arg(events).arg(rows),
            "flattening events for clickhouse-client",
        )
    }

    /// (a): how long `clickhouse-client` takes to load the rows file.
    pub fn clickhouse_client(
        &self,
        port: u16,
        table: &str,
        rows: &Path,
    ) -> anyhow::Result<Duration> {
        let host = reqwest::Url::parse(&self.clickhouse)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "127.0.0.1".into());
        let input = std::fs::File::open(rows)?;
        let started = Instant::now();
        run(
            Command::new("clickhouse-client")
                .args(["--host", &host, "--port", &port.to_string()])
                .args([
                    "--query",
                    &format!("INSERT INTO {table} FORMAT JSONEachRow"),
                ])
                .stdin(input),
            "loading the rows with clickhouse-client (is --clickhouse-port its native port?)",
        )?;
        Ok(started.elapsed())
    }

    /// (b): how long the Python consumer takes to store `count` events from the topic.
    pub fn reference_consumer(
        &self,
        brokers: &str,
        topic: &str,
        table: &str,
        count: u64,
    ) -> anyhow::Result<Duration> {
        let started = Instant::now();
        run(
            self.python()
                .args(["consume", "--brokers", brokers, "--topic", topic])
                .args(["--group", &format!("{topic}-reference")])
                .args(["--clickhouse", &self.clickhouse, "--table", table])
                .args(["--count", &count.to_string()]),
            "running the Python reference consumer (does --python have confluent-kafka?)",
        )?;
        Ok(started.elapsed())
    }
}

fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let out = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| what.to_owned())?;
    if !out.status.success() {
        bail!(
            "{what}: exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
