//! `sightline api`: the HTTP API and the dashboard over either store. In embedded mode the pipeline
//! runs in the same process, since the in-process channel is that mode's bus; otherwise ingest and
//! replays publish to Kafka and SQL runs as ClickHouse's read-only user. Also `sightline api key`.

mod settings;

pub use settings::{ApiArgs, ApiCommand, ApiConfig, KeyCommand};

use std::{future::Future, pin::Pin, process::ExitCode, sync::Arc};

use anyhow::Context;
use rdkafka::ClientConfig;
use sightline_api::{App, BaselineMaker, NewBaseline, Part, keys};
use sightline_drift::baseline::Baseline;
use sightline_ingest::{PipelineMetrics, http::IngestTarget};
use sightline_schemas::{Limits, Store};
use sightline_storage::{
    clickhouse::{Clickhouse, query_text},
    embedded::ParquetStore,
};
use tokio::sync::watch;

use self::settings::KeyFileArgs;
use crate::config::Config;

pub fn run(args: &ApiArgs, config: &Config) -> anyhow::Result<ExitCode> {
    if let Some(ApiCommand::Key(command)) = &args.key {
        return key(command, config);
    }
    let open = config
        .api
        .open
        .iter()
        .map(|p| Part::parse(p).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let keys_file = config.api.keys_file(&config.storage);
    if keys::list(&keys_file).map(|k| k.is_empty()).unwrap_or(true) {
        tracing::warn!(file = %keys_file.display(), "no API keys yet: make one with `sightline api key create --name NAME --scope admin`");
    }
    sightline_service::runtime()?.block_on(async move {
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            sightline_service::terminated().await;
            let _ = stop.send(true);
        });
        let parts = Parts {
            config,
            open,
            keys_file,
        };
        if config.storage.embedded {
            let process = crate::pipeline::process_config(config)?;
            let limits = process.limits.clone();
            let metrics = Arc::new(PipelineMetrics::default());
            let _ = metrics.evaluators.set(process.evaluators.clone());
            let (target, running) =
                crate::pipeline::embedded(config, process, metrics.clone(), stopped)?;
            let store = ParquetStore::open(&config.storage.data_dir)?;
            let more: Vec<sightline_api::Exposition> = vec![Box::new(move || metrics.render())];
            parts.serve(store, target, limits, more).await?;
            tracing::info!(data_dir = %config.storage.data_dir.display(), "embedded pipeline running in the API");
            running.await?;
        } else {
            let store = reader(config).await?;
            let target = kafka_target(config).await?;
            parts.serve(store, target, Limits::default(), Vec::new()).await?;
            let mut stopped = stopped;
            let _ = stopped.wait_for(|s| *s).await;
        }
        tracing::info!("api stopped");
        Ok(ExitCode::SUCCESS)
    })
}

struct Parts<'a> {
    config: &'a Config,
    open: Vec<Part>,
    keys_file: std::path::PathBuf,
}

impl Parts<'_> {
    async fn serve<S: Store>(
        self,
        store: S,
        ingest: IngestTarget,
        limits: Limits,
        more_metrics: Vec<sightline_api::Exposition>,
    ) -> anyhow::Result<()> {
        let c = self.config;
        let app = App {
            store,
            keys: keys::KeyRing::new(&self.keys_file),
            open: self.open,
            ingest,
            limits,
            otlp: c.otlp.clone(),
            otlp_counters: Default::default(),
            rules_file: c.alerts.rules.clone(),
            baselines_dir: c.drift.baselines_dir.clone(),
            baseline_maker: Box::new(Baselines(c.clone())),
            query_timeout: c.api.query_timeout,
            max_body_bytes: c.api.max_body_bytes,
            metrics: Default::default(),
            more_metrics,
        };
        crate::pipeline::serve(&c.api.listen, sightline_api::router(Arc::new(app))).await?;
        tracing::info!(listen = %c.api.listen, dashboard = %format!("http://{}/", c.api.listen), "api running");
        Ok(())
    }
}

/// ClickHouse as the API's read-only user, refused unless the server itself holds that user to
/// read-only: the API never relies on parsing SQL.
async fn reader(config: &Config) -> anyhow::Result<Clickhouse> {
    let url =
        config.clickhouse.url.as_deref().context(
            "no store given: pass --clickhouse URL (or set clickhouse.url), or --embedded",
        )?;
    let a = &config.api;
    let ch = Clickhouse::connect_as(
        url,
        &config.clickhouse.database,
        Some((&a.clickhouse_user, &a.clickhouse_password)),
    )
    .await
    .with_context(|| {
        format!(
            "connecting to ClickHouse as {} (api.clickhouse_user, api.clickhouse_password)",
            a.clickhouse_user
        )
    })?;
    let readonly = query_text(
        &ch,
        "SELECT value FROM system.settings WHERE name = 'readonly'",
        "TabSeparated",
        false,
    )
    .await?;
    anyhow::ensure!(
        readonly.trim() != "0",
        "ClickHouse user {} may write; give it a profile with readonly = 1 (deploy/clickhouse/users.d/sightline.xml)",
        a.clickhouse_user
    );
    Ok(ch)
}

async fn kafka_target(config: &Config) -> anyhow::Result<IngestTarget> {
    let kafka = &config.kafka;
    let brokers = kafka.brokers.as_deref().context(
        "no broker given: pass --brokers HOST:PORT (or set kafka.brokers) for /v1/events, or --embedded",
    )?;
    let dlq = format!("{}.dlq", kafka.topic);
    sightline_service::topics::ensure_topics(brokers, &[&kafka.topic, &dlq], kafka.partitions)
        .await?;
    let producer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .create()
        .context("creating the ingest producer")?;
    Ok(IngestTarget::Kafka {
        producer,
        topic: kafka.topic.clone(),
    })
}

/// Baselines for `POST /v1/drift/baselines`, built as `sightline drift baseline create` builds them.
struct Baselines(Config);

impl BaselineMaker for Baselines {
    fn make(
        &self,
        request: NewBaseline,
    ) -> Pin<Box<dyn Future<Output = Result<Baseline, String>> + Send + '_>> {
        Box::pin(async move {
            let config = &self.0;
            let built = sightline_monitor::baseline::build(
                config.monitor(),
                &request.name,
                request.from_ms,
                request.to_ms,
                request.filter,
            )
            .await
            .and_then(|b| {
                sightline_monitor::baseline::save(&config.drift.baselines_dir, &b).map(|_| b)
            });
            built.map_err(|e| format!("{e:#}"))
        })
    }
}

fn key(command: &KeyCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let path = |file: &KeyFileArgs| {
        file.keys_file.clone().unwrap_or_else(|| {
            let mut storage = config.storage.clone();
            if let Some(dir) = &file.data_dir {
                storage.data_dir.clone_from(dir);
            }
            config.api.keys_file(&storage)
        })
    };
    match command {
        KeyCommand::Create(args) => {
            let file = path(&args.file);
            let (key, entry) = keys::create(&file, &args.name, &args.scopes)
                .with_context(|| format!("adding a key to {}", file.display()))?;
            let scopes: Vec<&str> = entry.scopes.iter().map(|s| s.name()).collect();
            eprintln!(
                "key {} ({}) with scopes {} added to {}; it is shown once:",
                entry.id,
                entry.name,
                scopes.join(","),
                file.display()
            );
            println!("{key}");
        }
        KeyCommand::List(file) => {
            for k in keys::list(&path(file))? {
                let scopes: Vec<&str> = k.scopes.iter().map(|s| s.name()).collect();
                println!(
                    "{}\t{}\t{}\t{}",
                    k.id,
                    k.name,
                    scopes.join(","),
                    k.created_at
                );
            }
        }
        KeyCommand::Revoke(args) => {
            let file = path(&args.file);
            if !keys::revoke(&file, &args.id)? {
                anyhow::bail!("no key with id {:?} in {}", args.id, file.display());
            }
            eprintln!("key {} revoked", args.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}
