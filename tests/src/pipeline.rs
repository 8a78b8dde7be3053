//! Drives `sightline pipeline` workers as real processes, feeds the broker, and reads ClickHouse.

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use rdkafka::{
    ClientConfig,
    producer::{FutureProducer, FutureRecord},
};

use crate::{brokers, clickhouse_url, repo_root, sightline, unique_name};

/// A topic, a group and a database of one test's own.
#[derive(Debug, Clone)]
pub struct Setup {
    pub topic: String,
    pub group: String,
    pub database: String,
}

impl Setup {
    pub fn new(prefix: &str) -> Self {
        Self {
            topic: unique_name(prefix),
            group: unique_name("group"),
            database: unique_name("db"),
        }
    }

    /// Starts a worker; `extra` adds flags such as a shorter join window.
    pub fn start_worker(&self, extra: &[&str]) -> Worker {
        self.start_worker_with_env(extra, &[])
    }

    /// Starts a worker with extra flags and environment variables (settings such as
    /// `SIGHTLINE__EVALUATORS__PII__REDACT`).
    pub fn start_worker_with_env(&self, extra: &[&str], env: &[(&str, &str)]) -> Worker {
        let listen = crate::free_address();
        let child = Command::new(sightline())
            .args([
                "pipeline",
                "--brokers",
                &brokers(),
                "--topic",
                &self.topic,
                "--group",
                &self.group,
            ])
            .args([
                "--clickhouse",
                &clickhouse_url(),
                "--database",
                &self.database,
                "--listen",
                &listen,
            ])
            .args(extra)
            .envs(env.iter().copied())
            .env("SIGHTLINE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sightline pipeline");
        Worker {
            child,
            metrics_url: format!("http://{listen}/metrics"),
        }
    }

    /// The flags that point a subcommand at this test's database.
    pub fn store_args(&self) -> Vec<String> {
        vec![
            "--clickhouse".into(),
            clickhouse_url(),
            "--database".into(),
            self.database.clone(),
        ]
    }

    /// Runs `sightline sql` with JSON output against this test's database.
    fn sql(&self, sql: &str) -> std::process::Output {
        Command::new(sightline())
            .arg("sql")
            .args(self.store_args())
            .args(["--format", "json", sql])
            .output()
            .expect("run sightline sql")
    }

    /// Runs a query and returns its rows as JSON objects.
    pub fn query(&self, sql: &str) -> Vec<serde_json::Value> {
        let out = self.sql(sql);
        assert!(
            out.status.success(),
            "query failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON row"))
            .collect()
    }

    /// The single number a counting query returns, or None while the query cannot run yet
    /// (the worker has not created the tables).
    pub fn try_count(&self, sql: &str) -> Option<u64> {
        let out = self.sql(sql);
        if !out.status.success() {
            return None;
        }
        let row: serde_json::Value =
            serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next()?).ok()?;
        match row.as_object()?.values().next()? {
            serde_json::Value::Number(n) => n.as_u64(),
            // Older servers quote 64-bit integers in JSON.
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn count(&self, sql: &str) -> u64 {
        self.try_count(sql)
            .unwrap_or_else(|| panic!("query failed: {sql}"))
    }

    /// Polls until `sql` counts `expected`, and fails the test after `timeout`.
    pub fn wait_for_count(&self, sql: &str, expected: u64, timeout: Duration) {
        let started = Instant::now();
        let mut last = None;
        while started.elapsed() < timeout {
            last = self.try_count(sql);
            if last == Some(expected) {
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("`{sql}` counted {last:?}, expected {expected}, after {timeout:?}");
    }

    /// Polls until `sql` counts at least `minimum`.
    pub fn wait_for_at_least(&self, sql: &str, minimum: u64, timeout: Duration) -> u64 {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Some(n) = self.try_count(sql).filter(|n| *n >= minimum) {
                return n;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("`{sql}` never reached {minimum} within {timeout:?}");
    }
}

/// A running `sightline pipeline` process.
#[derive(Debug)]
pub struct Worker {
    pub child: Child,
    metrics_url: String,
}

impl Worker {
    /// The value of one metric line, e.g. `sightline_sink_retries_total`.
    pub fn metric(&self, line_prefix: &str) -> Option<f64> {
        let out = Command::new("curl")
            .args(["-fsS", "--max-time", "2", &self.metrics_url])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with(line_prefix) && l[line_prefix.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails the test if the worker has exited, so a dead worker reads as one, not as a stall.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("worker exited early with {status}; its log is above");
        }
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait for worker");
        assert!(status.success(), "worker exited with {status}");
    }

    pub fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Resident memory of a process, in KiB; 0 once it has gone.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Generates events with `sightline produce --out`, as JSON values in publish order.
pub fn generate(count: usize, seed: u64) -> Vec<serde_json::Value> {
    produce_lines(count, seed, None)
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

/// `sightline produce --out` as NDJSON lines, from `start` (RFC 3339) or the command's default.
pub fn produce_lines(count: usize, seed: u64, start: Option<&str>) -> Vec<String> {
    let file = std::env::temp_dir().join(format!("{}.ndjson", unique_name("events")));
    let mut command = Command::new(sightline());
    command
        .args(["produce", "--out", &file.display().to_string()])
        .args(["--count", &count.to_string(), "--seed", &seed.to_string()]);
    if let Some(start) = start {
        command.args(["--start", start]);
    }
    let status = command
        .current_dir(repo_root())
        .status()
        .expect("run produce");
    assert!(status.success());
    let text = std::fs::read_to_string(&file).expect("events file");
    let _ = std::fs::remove_file(&file);
    text.lines().map(str::to_owned).collect()
}

/// Keeps only events whose exchange is complete within the list: a request stays only if its
/// response is present too, so every expected row is a joined one.
pub fn complete_exchanges(events: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    let mut kinds: HashMap<String, Vec<String>> = HashMap::new();
    for e in &events {
        kinds
            .entry(e["request_id"].as_str().unwrap_or_default().to_owned())
            .or_default()
            .push(e["kind"].as_str().unwrap_or_default().to_owned());
    }
    events
        .into_iter()
        .filter(|e| {
            let k = &kinds[e["request_id"].as_str().unwrap_or_default()];
            match e["kind"].as_str() {
                Some("request") | Some("response") => {
                    k.iter().any(|x| x == "request") && k.iter().any(|x| x == "response")
                }
                _ => true,
            }
        })
        .collect()
}

/// Publishes raw payloads in order, keyed by `request_id` (or by the given key), and waits for
/// every delivery.
pub async fn publish(topic: &str, messages: &[(Option<String>, Vec<u8>)]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("linger.ms", "5")
        .set("enable.idempotence", "true")
        .set("queue.buffering.max.messages", "500000")
        .create()
        .expect("producer");
    let mut deliveries = Vec::with_capacity(messages.len());
    for (key, payload) in messages {
        let mut record = FutureRecord::to(topic).payload(payload);
        if let Some(k) = key {
            record = record.key(k);
        }
        // Enqueued one after another, so each partition keeps the order of the list.
        loop {
            match producer.send_result(record) {
                Ok(delivery) => break deliveries.push(delivery),
                Err((_, back)) => {
                    record = back;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }
    }
    for delivery in deliveries {
        delivery.await.expect("producer alive").expect("delivered");
    }
}

/// Events as messages keyed by their request id.
pub fn as_messages(events: &[serde_json::Value]) -> Vec<(Option<String>, Vec<u8>)> {
    events
        .iter()
        .map(|e| {
            (
                e["request_id"].as_str().map(str::to_owned),
                serde_json::to_vec(e).expect("json"),
            )
        })
        .collect()
}

/// Creates the topic with `partitions`; the broker does not create topics on first use.
pub async fn create_topic(topic: &str, partitions: i32) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    let admin: AdminClient<rdkafka::client::DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .expect("admin");
    let r = admin
        .create_topics(
            &[NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
            &AdminOptions::new(),
        )
        .await
        .expect("create topic");
    assert!(r.iter().all(Result::is_ok), "{r:?}");
}

/// A `completion` event: one whole exchange with `model` at `version`, answered with `response`.
pub fn completion(
    id: &str,
    timestamp: &str,
    project: &str,
    (model, version): (&str, &str),
    response: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "schema_version": "1",
        "event_id": format!("evt-{id}"),
        "kind": "completion",
        "request_id": id,
        "timestamp": timestamp,
        "service": "e2e",
        "environment": "test",
        "project": project,
        "model": {"provider": "self-hosted", "name": model, "version": version},
        "operation": "chat",
        "request": {"prompt": "Hello"},
        "response": response,
    })
}

/// A consumer of its own group reading `topic` from the start.
pub fn read_from_start(topic: &str) -> rdkafka::consumer::StreamConsumer {
    use rdkafka::consumer::Consumer;
    let consumer: rdkafka::consumer::StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("group.id", unique_name("reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    consumer
}
