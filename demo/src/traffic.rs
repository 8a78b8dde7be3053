//! The demo's traffic: synthetic chat events from `sightline produce` processes, and real calls to
//! the inference node: long texts for embeddings, where version 2's longer context costs time, and
//! short ones for moderation.

use std::time::Duration;

use serde_json::json;
use tokio::{sync::watch, task::JoinSet};

use super::children::{self, Process};

/// Where `sightline produce` publishes: the API's HTTP ingest, or Kafka.
#[derive(Debug, Clone)]
pub enum Publish {
    Http { url: String, key: String },
    Kafka { brokers: String },
}

/// The demo's own topic, in distributed mode.
pub const TOPIC: &str = "sightline-demo";

/// Chat events per second in the background.
pub const RATE: f64 = 40.0;

/// A `sightline produce` process: `seconds` of events at `rate`, with extra flags.
pub fn produce(
    name: &'static str,
    publish: &Publish,
    seconds: f64,
    seed: u64,
    extra: &[&str],
    logs: &std::path::Path,
) -> anyhow::Result<Process> {
    let count = ((RATE * seconds) as u64).max(1);
    let mut args: Vec<String> = vec![
        "produce".into(),
        "--count".into(),
        count.to_string(),
        "--rate".into(),
        RATE.to_string(),
        "--seed".into(),
        seed.to_string(),
    ];
    let mut env = Vec::new();
    match publish {
        Publish::Http { url, key } => {
            args.extend(["--http".into(), url.clone()]);
            env.push((sightline_service::host::API_KEY_VAR, key.clone()));
        }
        Publish::Kafka { brokers } => {
            args.extend([
                "--brokers".into(),
                brokers.clone(),
                "--topic".into(),
                TOPIC.into(),
            ]);
        }
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    children::start(name, &args, &env, logs)
}

const SENTENCES: [&str; 6] = [
    "The quarterly report shows revenue growing in every region while costs stayed flat.",
    "Customers asked for faster support replies and clearer invoices in the last survey.",
    "Our engineers moved the billing service to a new cluster without any downtime.",
    "The marketing team plans a spring campaign focused on small businesses and schools.",
    "Shipping delays in the north eased once the second warehouse opened in March.",
    "Please summarise the open risks and the decisions the board must take this month.",
];

/// About 600 tokens: longer than version 1 reads, within what version 2 reads.
fn long_text(i: usize) -> String {
    (0..40)
        .map(|k| SENTENCES[(i + k) % SENTENCES.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Calls the node until `stop` turns true: two callers of `/v1/embeddings` with two long texts
/// each, and one of `/v1/moderations` with short ones.
pub fn node_calls(node: String, stop: watch::Receiver<bool>) -> JoinSet<()> {
    let client = reqwest::Client::new();
    let mut calls = JoinSet::new();
    for worker in 0..2 {
        let (client, node, mut stop) = (client.clone(), node.clone(), stop.clone());
        calls.spawn(async move {
            let mut i = worker;
            while !*stop.borrow() {
                let body = json!({"model": "minilm", "input": [long_text(i), long_text(i + 3)]});
                let call = client
                    .post(format!("{node}/v1/embeddings"))
                    .json(&body)
                    .send();
                tokio::select! { _ = call => {}, _ = stop.changed() => {} }
                i += 2;
            }
        });
    }
    let mut stop = stop;
    calls.spawn(async move {
        let mut i = 0;
        while !*stop.borrow() {
            let body = json!({"model": "toxicity", "input": [SENTENCES[i % SENTENCES.len()]]});
            let _ = client.post(format!("{node}/v1/moderations")).json(&body).send().await;
            i += 1;
            tokio::select! { _ = tokio::time::sleep(Duration::from_millis(500)) => {}, _ = stop.changed() => {} }
        }
    });
    calls
}
