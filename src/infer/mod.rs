//! `sightline infer`: loads the model repository, starts a batcher per model and the event
//! emitter, and serves until SIGTERM or SIGINT, then flushes the events.

mod settings;

pub use settings::{InferArgs, InferenceConfig};

use std::{collections::BTreeMap, process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context;
use sightline_alerts::webhook::Secret;
use sightline_inference::{
    batcher::{BatchConfig, Batcher},
    events::{Destination, Emitter},
    repo::Repository,
    runtime::Provider,
    server::{AdminAuth, Identity, Node, NodeMetrics, router},
};

use sightline_service::host::API_KEY_VAR;

use crate::config::Config;

pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let c = &config.inference;
    let repo_dir = c
        .model_repo
        .clone()
        .or_else(|| std::env::var_os("SIGHTLINE_MODEL_REPO").map(Into::into))
        .context("no model repository: pass --model-repo DIR, or set SIGHTLINE_MODEL_REPO (scripts/models.sh builds one and prints it)")?;
    let provider = match c.execution_provider.as_str() {
        "cpu" => Provider::Cpu,
        "cuda" => Provider::Cuda,
        other => anyhow::bail!("--execution-provider is cpu or cuda, not {other:?}"),
    };
    let destination = if !c.events {
        Destination::Off
    } else if let Some(url) = &c.ingest_url {
        Destination::Http {
            url: url.clone(),
            key: sightline_service::host::key(None, Some(API_KEY_VAR))?,
        }
    } else if let Some(brokers) = &config.kafka.brokers {
        Destination::Kafka {
            brokers: brokers.clone(),
            topic: config.kafka.topic.clone(),
        }
    } else {
        anyhow::bail!("events need --brokers HOST:PORT, --ingest-url URL, or --no-events");
    };
    let admin = AdminAuth {
        key: sightline_service::host::key(c.admin_key_file.as_deref(), None)?,
        webhook: sightline_service::host::key(
            c.webhook_secret_file.as_deref(),
            Some("SIGHTLINE_WEBHOOK_SECRET"),
        )?
        .and_then(Secret::new),
    };
    let sessions = match c.sessions {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let identity = Identity {
        node_id: c
            .node_id
            .clone()
            .or_else(sightline_service::host::name)
            .unwrap_or_else(|| "inference-node".into()),
        provider,
        service: c.service.clone(),
        environment: c.environment.clone(),
        project: c.project.clone(),
    };
    sightline_service::runtime()?.block_on(async move {
        if let Destination::Kafka { brokers, topic } = &destination {
            sightline_service::topics::ensure_topics(brokers, &[topic], config.kafka.partitions)
                .await?;
        }
        let started = std::time::Instant::now();
        let repo =
            tokio::task::spawn_blocking(move || Repository::load(&repo_dir, provider, sessions))
                .await?
                .map_err(anyhow::Error::msg)?;
        let metrics = Arc::new(NodeMetrics::default());
        let batch = BatchConfig {
            max_batch: c.max_batch,
            max_wait: c.max_wait,
            max_queue: c.max_queue,
            concurrency: sessions,
        };
        let batchers: BTreeMap<String, Batcher> = repo
            .models
            .keys()
            .map(|name| {
                let (metrics, model) = (metrics.clone(), name.clone());
                (
                    name.clone(),
                    Batcher::start(batch, move |size| metrics.batch(&model, size)),
                )
            })
            .collect();
        for model in repo.models.values() {
            tracing::info!(
                model = %model.name,
                task = model.metadata.task.name(),
                active = %model.active().version,
                versions = model.versions.len(),
                "model loaded"
            );
        }
        let events = Emitter::start(destination, c.event_buffer).map_err(anyhow::Error::msg)?;
        let node = Arc::new(Node::new(
            repo,
            batchers,
            events,
            metrics,
            identity,
            admin,
            c.max_texts,
        ));
        let listener = tokio::net::TcpListener::bind(&c.listen)
            .await
            .with_context(|| format!("listening on {}", c.listen))?;
        tracing::info!(
            listen = %c.listen,
            provider = provider.name(),
            sessions,
            loaded_in_ms = started.elapsed().as_millis() as u64,
            "inference node running"
        );
        axum::serve(listener, router(node.clone(), c.max_body_bytes))
            .with_graceful_shutdown(sightline_service::terminated())
            .await?;
        node.events.close(Duration::from_secs(10)).await;
        tracing::info!("inference node stopped");
        Ok(ExitCode::SUCCESS)
    })
}
