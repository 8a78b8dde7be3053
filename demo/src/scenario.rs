//! The demo's story, told as it happens: normal traffic; a burst of toxic outputs; a slower model
//! version, the alert and the rollback webhook the node obeys; the recovery; and drift with a
//! retraining webhook. Each step waits for the product to act rather than for a fixed time.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use super::{
    children::Process,
    receiver::Received,
    traffic::{self, Publish},
};

/// The share of drifted features at which the demo's model is retrained: latency, output tokens
/// and cost are three of the nine features the monitor checks.
const DRIFT_SHARE: f64 = 0.3;

/// Prints `[mm:ss] text` lines, timed from the start of the demo.
#[derive(Debug, Clone, Copy)]
pub struct Narrator(pub Instant);

impl Narrator {
    pub fn say(&self, text: impl AsRef<str>) {
        let s = self.0.elapsed().as_secs();
        println!("[{:02}:{:02}] {}", s / 60, s % 60, text.as_ref());
    }

    pub fn step(&self, n: usize, title: &str) {
        println!("\n── {n}/6 {title} ──");
    }
}

/// What the story showed; the demo fails when `--exit-when-done` is given and any part is missing.
#[derive(Debug, Default)]
pub struct Outcome {
    pub toxic_alert: bool,
    pub rolled_back: bool,
    pub retrain: bool,
}

pub struct Scenario {
    pub say: Narrator,
    pub api: String,
    pub api_key: String,
    pub node: String,
    pub node_admin_key: String,
    pub hooks: String,
    pub publish: Publish,
    pub logs: std::path::PathBuf,
    /// The offensive-language texts the toxic burst draws on.
    pub toxic_corpus: std::path::PathBuf,
    /// `--duration` over the default 4 minutes: every step's length scales with it.
    pub scale: f64,
    pub client: reqwest::Client,
}

impl Scenario {
    pub async fn run(
        &self,
        received: mpsc::UnboundedReceiver<Received>,
        mut services: impl FnMut() -> anyhow::Result<()>,
    ) -> anyhow::Result<Outcome> {
        let hooks_seen = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
        tokio::spawn(print_hooks(self.say, received, hooks_seen.clone()));
        tokio::spawn(print_alerts(
            self.say,
            self.client.clone(),
            self.api.clone(),
            self.api_key.clone(),
        ));
        let (stop_calls, calls_stopped) = watch::channel(false);
        let _calls = traffic::node_calls(self.node.clone(), calls_stopped);
        let mut outcome = Outcome::default();

        self.say.step(1, "normal traffic");
        let hooks = &self.hooks;
        self.rule(json!({"name": "toxic-outputs", "expr": "rate(offensive_language >= 0.5) > 0.15", "window": "20s", "for": "4s",
            "min_samples": 20, "severity": "critical", "annotations": {"summary": "{value} of {model}'s outputs are offensive"},
            "action": {"kind": "notify", "url": format!("{hooks}/hooks/notify"), "send_resolved": true}})).await?;
        let mut background =
            traffic::produce("produce-normal", &self.publish, 3600.0, 1, &[], &self.logs)?;
        self.pass(self.seconds(45.0, 20.0), &mut services, &mut background)
            .await?;

        self.say.step(2, "a burst of toxic outputs");
        let burst = self.seconds(30.0, 15.0);
        let corpus = self.toxic_corpus.display().to_string();
        let _toxic = traffic::produce(
            "produce-toxic",
            &self.publish,
            burst,
            2,
            &["--toxic-share", "0.7", "--toxic-corpus", &corpus],
            &self.logs,
        )?;
        self.say.say(format!(
            "{} s of chat traffic where 7 in 10 answers come from an offensive-language corpus",
            burst as u64
        ));
        outcome.toxic_alert = self
            .until(
                Duration::from_secs(90),
                &mut services,
                &mut background,
                || seen(&hooks_seen, "notify", "toxic-outputs"),
            )
            .await?;

        self.say.step(
            3,
            "minilm version 2: twice the context, much slower on long texts",
        );
        let v1 = self
            .p95("minilm", "1")
            .await?
            .context("no latency for minilm version 1 yet")?;
        let threshold = (v1 * 1.6).max(v1 + 60.0).round();
        self.say.say(format!("minilm 1 answers in {v1:.0} ms at p95; rule added through the API: p95(latency_ms){{model=\"minilm\"}} > {threshold}"));
        self.rule(json!({"name": "latency-regression", "expr": format!("p95(latency_ms){{model=\"minilm\"}} > {threshold}"),
            "window": "20s", "for": "4s", "min_samples": 8, "severity": "critical",
            "annotations": {"summary": "p95 latency of {model} {version} is {value} ms"},
            "action": {"kind": "rollback", "url": format!("{}/admin/models/{{model}}/rollback", self.node)}})).await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        self.node_post("/admin/models/minilm/activate/2").await?;
        self.say.say("minilm 2 is live on the inference node");

        self.say.step(4, "the alert fires and the node rolls back");
        outcome.rolled_back = self.wait_for_rollback(&mut services).await?;

        self.say.step(5, "the metrics recover");
        self.pass(self.seconds(25.0, 12.0), &mut services, &mut background)
            .await?;
        for version in ["2", "1"] {
            if let Some(p95) = self.p95("minilm", version).await? {
                self.say.say(format!(
                    "minilm {version}: p95 {p95:.0} ms over the last 20 s"
                ));
            }
        }

        self.say
            .step(6, "traffic drifts; a retraining webhook goes out");
        // The toxic burst moved some features too; start from windows that look like their past.
        self.wait_calm(&mut services).await?;
        self.rule(json!({"name": "drifting", "expr": format!("drift.share{{model=\"gpt-4o-mini\"}} >= {DRIFT_SHARE}"), "window": "20s", "for": "0s",
            "annotations": {"summary": "{value} of {model}'s features drifted"},
            "action": {"kind": "retrain", "url": format!("{hooks}/hooks/retrain")}})).await?;
        drop(background);
        let mut drifted = traffic::produce(
            "produce-drifted",
            &self.publish,
            3600.0,
            3,
            &["--drift-at", "0s"],
            &self.logs,
        )?;
        self.say.say(format!("from now on, latency and output tokens are 2.5 times what they were; rule added: drift.share{{model=\"gpt-4o-mini\"}} >= {DRIFT_SHARE} → retrain"));
        outcome.retrain = self
            .until(
                Duration::from_secs(180),
                &mut services,
                &mut drifted,
                || seen(&hooks_seen, "retrain", "drifting"),
            )
            .await?;
        let _ = stop_calls.send(true);
        Ok(outcome)
    }

    fn seconds(&self, at_default: f64, least: f64) -> f64 {
        (at_default * self.scale).max(least)
    }

    /// Lets traffic run for `seconds`, with a status line now and then.
    async fn pass(
        &self,
        seconds: f64,
        services: &mut impl FnMut() -> anyhow::Result<()>,
        producing: &mut Process,
    ) -> anyhow::Result<()> {
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        let mut last = Instant::now();
        while Instant::now() < end {
            services()?;
            producing.check()?;
            if last.elapsed() > Duration::from_secs(15) {
                self.status().await;
                last = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        self.status().await;
        Ok(())
    }

    /// Waits until `done` says so, for at most `limit`; false if it never did.
    async fn until(
        &self,
        limit: Duration,
        services: &mut impl FnMut() -> anyhow::Result<()>,
        producing: &mut Process,
        done: impl Fn() -> bool,
    ) -> anyhow::Result<bool> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if done() {
                return Ok(true);
            }
            services()?;
            producing.check()?;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Ok(false)
    }

    async fn wait_for_rollback(
        &self,
        services: &mut impl FnMut() -> anyhow::Result<()>,
    ) -> anyhow::Result<bool> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(150) {
            services()?;
            let models: Value = self
                .client
                .get(format!("{}/admin/models", self.node))
                .bearer_auth(&self.node_admin_key)
                .send()
                .await?
                .json()
                .await?;
            let active = models["models"].as_array().and_then(|m| {
                m.iter()
                    .find(|m| m["name"] == "minilm")
                    .map(|m| m["active_version"].clone())
            });
            if active == Some(json!("1")) {
                self.say.say(
                    "the node serves minilm 1 again: rolled back by the monitor's signed webhook",
                );
                return Ok(true);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        self.say
            .say("the node still serves minilm 2: no rollback came");
        Ok(false)
    }

    /// Waits until gpt-4o-mini's latest drift window is below the retraining threshold.
    async fn wait_calm(
        &self,
        services: &mut impl FnMut() -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(90) {
            services()?;
            let drift = self.get("/v1/drift?window=5m&model=gpt-4o-mini").await?;
            let share = drift["latest"].as_array().and_then(|rows| {
                rows.iter()
                    .find(|r| r["feature"] == "*")
                    .and_then(|r| r["statistic"].as_f64())
            });
            if share.is_some_and(|s| s < DRIFT_SHARE) {
                self.say.say(format!(
                    "gpt-4o-mini's latest drift window: {:.0}% of features moved",
                    100.0 * share.unwrap_or(0.0)
                ));
                return Ok(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok(())
    }

    async fn rule(&self, rule: Value) -> anyhow::Result<()> {
        let name = rule["name"].as_str().unwrap_or_default().to_owned();
        let response = self
            .client
            .post(format!("{}/v1/alert-rules", self.api))
            .bearer_auth(&self.api_key)
            .json(&rule)
            .send()
            .await?;
        let status = response.status();
        anyhow::ensure!(
            status.is_success(),
            "adding rule {name}: {status} {}",
            response.text().await.unwrap_or_default()
        );
        Ok(())
    }

    async fn node_post(&self, path: &str) -> anyhow::Result<()> {
        let response = self
            .client
            .post(format!("{}{path}", self.node))
            .bearer_auth(&self.node_admin_key)
            .send()
            .await?;
        let status = response.status();
        anyhow::ensure!(
            status.is_success(),
            "{path}: {status} {}",
            response.text().await.unwrap_or_default()
        );
        Ok(())
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let response = self
            .client
            .get(format!("{}{path}", self.api))
            .bearer_auth(&self.api_key)
            .send()
            .await?;
        let status = response.status();
        anyhow::ensure!(
            status.is_success(),
            "{path}: {status} {}",
            response.text().await.unwrap_or_default()
        );
        Ok(response.json().await?)
    }

    async fn p95(&self, model: &str, version: &str) -> anyhow::Result<Option<f64>> {
        let summary = self
            .get(&format!(
                "/v1/metrics/summary?window=20s&model={model}&version={version}"
            ))
            .await?;
        Ok(summary["groups"]
            .get(0)
            .and_then(|g| g["p95_latency_ms"].as_f64()))
    }

    async fn status(&self) {
        let Ok(summary) = self.get("/v1/metrics/summary?window=1m").await else {
            return;
        };
        let Some(g) = summary["groups"].get(0) else {
            self.say.say("no exchanges stored yet");
            return;
        };
        let f = |k: &str| g[k].as_f64().unwrap_or(0.0);
        self.say.say(format!(
            "last minute: {:.0} exchanges, p95 {:.0} ms, errors {:.1}%, offensive {:.1}%, ${:.4}",
            f("requests"),
            f("p95_latency_ms"),
            100.0 * f("error_rate"),
            100.0 * f("offensive_rate"),
            f("cost_usd")
        ));
    }
}

fn seen(hooks: &Mutex<Vec<(String, String)>>, kind: &str, rule: &str) -> bool {
    hooks
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .any(|(k, r)| k == kind && r == rule)
}

/// Prints each verified webhook the local receiver gets, and keeps (kind, alert name).
async fn print_hooks(
    say: Narrator,
    mut received: mpsc::UnboundedReceiver<Received>,
    seen: Arc<Mutex<Vec<(String, String)>>>,
) {
    while let Some(r) = received.recv().await {
        let alert = &r.body["alerts"][0];
        let name = alert["labels"]["alertname"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        let status = r.body["status"].as_str().unwrap_or("?");
        say.say(format!(
            "webhook {} received, signature verified: {name} {status} for {}",
            r.kind,
            alert["labels"]["model"].as_str().unwrap_or("?")
        ));
        seen.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((r.kind, name));
    }
}

/// Prints alert transitions as the API reports them.
async fn print_alerts(say: Narrator, client: reqwest::Client, api: String, key: String) {
    let mut printed = HashSet::new();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Ok(response) = client
            .get(format!("{api}/v1/alerts?window=1h"))
            .bearer_auth(&key)
            .send()
            .await
        else {
            continue;
        };
        let Ok(alerts) = response.json::<Value>().await else {
            continue;
        };
        let mut history = alerts["history"].as_array().cloned().unwrap_or_default();
        history.reverse();
        for t in history {
            if !printed.insert(t.to_string()) {
                continue;
            }
            let labels = &t["labels"];
            let version = labels["version"]
                .as_str()
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            say.say(format!(
                "alert {} {} → {} for {}{version} (value {})",
                t["rule"].as_str().unwrap_or("?"),
                t["from_state"].as_str().unwrap_or("?"),
                t["to_state"].as_str().unwrap_or("?"),
                labels["model"].as_str().unwrap_or("*"),
                t["value"]
                    .as_f64()
                    .map_or("-".into(), |v| format!("{v:.3}")),
            ));
        }
    }
}
