//! `sightline bench infer`: the inference node under load with calls of 1, 8, 32 and 128 texts,
//! event emission off and then on, against ONNX Runtime called straight from Python on the same
//! model in the same run: calls/s, texts/s, p50 and p99 latency, and the node's memory.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, ExitCode, Stdio},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use axum::{Router, routing::post};

use super::worker::memory_of;
use crate::{BenchInferArgs, Settings};

/// One load run at one call size.
#[derive(Debug, Clone, Copy, Default)]
struct Load {
    calls_per_s: f64,
    texts_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: usize,
}

pub fn run(args: &BenchInferArgs, config: Settings<'_>) -> anyhow::Result<ExitCode> {
    let repo: PathBuf = args
        .model_repo
        .clone()
        .or_else(|| config.model_repo.map(Path::to_path_buf))
        .or_else(|| std::env::var_os("SIGHTLINE_MODEL_REPO").map(Into::into))
        .context("no model repository: --model-repo DIR or SIGHTLINE_MODEL_REPO")?;
    let sizes = &args.batch_sizes;
    let sessions = args
        .sessions
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    sightline_service::runtime()?.block_on(async {
        let (sink, received) = event_sink().await?;
        let mut off = Vec::new();
        let mut on = Vec::new();
        for events in [false, true] {
            let destination: Vec<String> = match (events, &args.brokers) {
                (false, _) => vec!["--no-events".into()],
                (true, Some(brokers)) => vec![
                    "--brokers".into(),
                    brokers.clone(),
                    "--topic".into(),
                    format!("bench-infer-{}", std::process::id()),
                ],
                (true, None) => vec!["--ingest-url".into(), sink.clone()],
            };
            let mut node = start_node(&repo, &destination, args, sessions).await?;
            let mut results = Vec::new();
            for &size in sizes {
                load(&node.base, &args.model, size, Duration::from_secs(1), args.concurrency).await?;
                let l = load(&node.base, &args.model, size, Duration::from_secs_f64(args.seconds), args.concurrency).await?;
                eprintln!(
                    "bench infer: events {}, {size} texts a call: {:.0} calls/s, {:.0} texts/s, p50 {:.2} ms, p99 {:.2} ms",
                    if events { "on" } else { "off" },
                    l.calls_per_s,
                    l.texts_per_s,
                    l.p50_ms,
                    l.p99_ms
                );
                results.push(l);
            }
            let memory = memory_of(node.child.id());
            node.stop();
            if events {
                on = results;
                eprintln!("bench infer: node peak RSS with events {} MiB", memory.peak >> 20);
            } else {
                off = results;
                eprintln!("bench infer: node peak RSS without events {} MiB", memory.peak >> 20);
            }
        }
        let sent = received.load(Ordering::Relaxed);
        let python = sizes
            .iter()
            .map(|&size| competitor(args, &repo, size, sessions))
            .collect::<anyhow::Result<Vec<_>>>()?;
        println!(
            "{:>6} {:>10} {:>10} {:>9} {:>9} | {:>10} {:>9} {:>9} {:>8} | {:>12} {:>7}",
            "texts", "calls/s", "texts/s", "p50 ms", "p99 ms", "events on", "p50 ms", "p99 ms", "cost", "ORT python", "ratio"
        );
        for (i, size) in sizes.iter().enumerate() {
            let (a, b, p) = (off[i], on[i], python[i]);
            println!(
                "{size:>6} {:>10.0} {:>10.0} {:>9.2} {:>9.2} | {:>10.0} {:>9.2} {:>9.2} {:>7.1}% | {:>12.0} {:>6.2}x",
                a.calls_per_s,
                a.texts_per_s,
                a.p50_ms,
                a.p99_ms,
                b.calls_per_s,
                b.p50_ms,
                b.p99_ms,
                (1.0 - b.calls_per_s / a.calls_per_s) * 100.0,
                p.texts_per_s,
                a.texts_per_s / p.texts_per_s
            );
        }
        if args.brokers.is_none() {
            println!("(events went to an HTTP sink in this process, which took {sent} lines)");
        }
        let failed: usize = off.iter().chain(&on).map(|l| l.failed).sum();
        if failed > 0 {
            bail!("{failed} calls failed during the benchmark");
        }
        Ok(ExitCode::SUCCESS)
    })
}

struct BenchNode {
    child: Child,
    base: String,
}

impl BenchNode {
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for BenchNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_node(
    repo: &std::path::Path,
    destination: &[String],
    args: &BenchInferArgs,
    sessions: usize,
) -> anyhow::Result<BenchNode> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let listen = format!("127.0.0.1:{port}");
    let max_batch = args.batch_sizes.iter().max().copied().unwrap_or(32).max(32);
    let child = Command::new(std::env::current_exe()?)
        .args(["infer", "--model-repo"])
        .arg(repo)
        .args([
            "--listen",
            &listen,
            "--execution-provider",
            &args.execution_provider,
        ])
        .args(destination)
        .env("SIGHTLINE__INFERENCE__MAX_BATCH", max_batch.to_string())
        .env("SIGHTLINE__INFERENCE__SESSIONS", sessions.to_string())
        .env("SIGHTLINE__INFERENCE__MAX_QUEUE", "4096")
        .env("SIGHTLINE_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .context("starting the node")?;
    let node = BenchNode {
        child,
        base: format!("http://{listen}"),
    };
    let started = Instant::now();
    let client = reqwest::Client::new();
    while client
        .get(format!("{}/v2/health/ready", node.base))
        .send()
        .await
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the node did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(node)
}

/// `concurrency` clients calling /v1/embeddings with `size` texts each, for `duration`.
async fn load(
    base: &str,
    model: &str,
    size: usize,
    duration: Duration,
    concurrency: usize,
) -> anyhow::Result<Load> {
    let client = reqwest::Client::new();
    let body = serde_json::to_vec(&serde_json::json!({
        "model": model,
        "input": vec!["How do I reset my password when the email link has expired?"; size],
    }))?;
    let url = format!("{base}/v1/embeddings");
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (client, url, body) = (client.clone(), url.clone(), body.clone());
            tokio::spawn(async move {
                let (mut latencies, mut failed) = (Vec::new(), 0usize);
                while started.elapsed() < duration {
                    let t = Instant::now();
                    let ok = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    if ok {
                        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        failed += 1;
                    }
                }
                (latencies, failed)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (l, f) = task.await?;
        latencies.extend(l);
        failed += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Ok(Load {
        calls_per_s: latencies.len() as f64 / elapsed,
        texts_per_s: (latencies.len() * size) as f64 / elapsed,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        failed,
    })
}

/// A local HTTP ingest that counts the events posted to it and keeps none.
async fn event_sink() -> anyhow::Result<(String, Arc<AtomicU64>)> {
    let received = Arc::new(AtomicU64::new(0));
    let count = received.clone();
    let app = Router::new().route(
        "/v1/events",
        post(move |body: axum::body::Bytes| async move {
            count.fetch_add(
                body.iter().filter(|b| **b == b'\n').count() as u64,
                Ordering::Relaxed,
            );
            "{}"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/v1/events", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, received))
}

fn competitor(
    args: &BenchInferArgs,
    repo: &std::path::Path,
    size: usize,
    threads: usize,
) -> anyhow::Result<Load> {
    let dir = repo.join(&args.model);
    let version = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path().join("model.onnx")))
        .find(|p| p.is_file())
        .with_context(|| format!("no version of {} in {}", args.model, dir.display()))?;
    let out = Command::new(&args.python)
        .arg(&args.script)
        .arg(&version)
        .arg(dir.join("tokenizer.json"))
        .args([
            "--batch-size",
            &size.to_string(),
            "--seconds",
            &args.seconds.to_string(),
            "--threads",
            &threads.to_string(),
        ])
        .output()
        .with_context(|| {
            format!(
                "running {} {}",
                args.python.display(),
                args.script.display()
            )
        })?;
    if !out.status.success() {
        bail!(
            "the ONNX Runtime run failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).context("reading its result")?;
    let get = |k: &str| r[k].as_f64().unwrap_or(0.0);
    Ok(Load {
        calls_per_s: get("calls_per_s"),
        texts_per_s: get("texts_per_s"),
        p50_ms: get("p50_ms"),
        p99_ms: get("p99_ms"),
        failed: 0,
    })
}
