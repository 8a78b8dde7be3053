//! Where produced events go: a Kafka topic, an HTTP ingest endpoint, or an NDJSON file.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, bail};
use rdkafka::{
    ClientConfig, ClientContext,
    error::{KafkaError, RDKafkaErrorCode},
    producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer},
};
use sightline_schemas::Event;

use sightline_service::KafkaConfig;

use crate::ProduceArgs;

const HTTP_BATCH: usize = 1000;
const FLUSH_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct Delivery {
    pub failed: u64,
}

/// Where produced events go: a Kafka topic, an HTTP ingest, or an NDJSON file.
pub enum Sink {
    Kafka {
        producer: ThreadedProducer<Counting>,
        topic: String,
        line: Vec<u8>,
    },
    Http {
        client: reqwest::Client,
        url: String,
        batch: Vec<u8>,
        batched: usize,
        failed: u64,
        line: Vec<u8>,
    },
    File {
        out: BufWriter<File>,
        path: PathBuf,
        line: Vec<u8>,
    },
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Kafka { topic, .. } => write!(f, "Sink::Kafka({topic})"),
            Self::Http { url, .. } => write!(f, "Sink::Http({url})"),
            Self::File { path, .. } => write!(f, "Sink::File({})", path.display()),
        }
    }
}

/// Counts deliveries that failed after librdkafka's own retries.
#[derive(Debug, Clone, Default)]
pub struct Counting {
    failed: Arc<AtomicU64>,
}

impl ClientContext for Counting {}

impl ProducerContext for Counting {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if result.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Sink {
    /// Opens the target the flags name: --http, --out, or else Kafka, whose brokers may come from
    /// the config.
    pub async fn open(args: &ProduceArgs, kafka: &KafkaConfig) -> anyhow::Result<Self> {
        if let Some(url) = &args.http {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?;
            return Ok(Self::Http {
                client,
                url: url.clone(),
                batch: Vec::new(),
                batched: 0,
                failed: 0,
                line: Vec::new(),
            });
        }
        if let Some(path) = args.out.clone() {
            let file =
                File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
            return Ok(Self::File {
                out: BufWriter::new(file),
                path,
                line: Vec::new(),
            });
        }
        Self::kafka(kafka).await
    }

    /// A producer keyed by request_id, to a topic it creates if missing.
    pub async fn kafka(kafka: &KafkaConfig) -> anyhow::Result<Self> {
        let brokers = kafka.brokers.as_deref().context(
            "one of --brokers, --http or --out is required (or kafka.brokers in the config)",
        )?;
        sightline_service::topics::ensure_topics(brokers, &[&kafka.topic], kafka.partitions)
            .await?;
        let producer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("acks", "all")
            .set("enable.idempotence", "true")
            .set("linger.ms", "10")
            .set("batch.num.messages", "10000")
            .set("queue.buffering.max.messages", "200000")
            .create_with_context(Counting::default())
            .with_context(|| format!("connecting a producer to {brokers}"))?;
        Ok(Self::Kafka {
            producer,
            topic: kafka.topic.clone(),
            line: Vec::new(),
        })
    }

    pub async fn send(&mut self, event: &Event) -> anyhow::Result<()> {
        let mut json = std::mem::take(self.scratch());
        json.clear();
        serde_json::to_writer(&mut json, event)?;
        let sent = self.send_json(&event.header.request_id, &json).await;
        *self.scratch() = json;
        sent
    }

    /// Sends one event already in JSON, keyed by its request_id.
    pub async fn send_json(&mut self, request_id: &str, json: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::Kafka {
                producer, topic, ..
            } => {
                let mut record = BaseRecord::to(topic).key(request_id).payload(json);
                loop {
                    match producer.send(record) {
                        Ok(()) => return Ok(()),
                        Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                            record = back;
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                        Err((e, _)) => bail!("producing to {topic}: {e}"),
                    }
                }
            }
            Self::Http { batch, batched, .. } => {
                batch.extend_from_slice(json);
                batch.push(b'\n');
                *batched += 1;
                if *batched >= HTTP_BATCH {
                    self.post().await?;
                }
                Ok(())
            }
            Self::File { out, .. } => {
                out.write_all(json)?;
                out.write_all(b"\n")?;
                Ok(())
            }
        }
    }

    /// A buffer reused across events, so sending does not allocate per event.
    fn scratch(&mut self) -> &mut Vec<u8> {
        match self {
            Self::Kafka { line, .. } | Self::Http { line, .. } | Self::File { line, .. } => line,
        }
    }

    async fn post(&mut self) -> anyhow::Result<()> {
        let Self::Http {
            client,
            url,
            batch,
            batched,
            failed,
            ..
        } = self
        else {
            return Ok(());
        };
        if *batched == 0 {
            return Ok(());
        }
        let mut post = client
            .post(url.as_str())
            .header("content-type", "application/x-ndjson");
        if let Ok(key) = std::env::var(sightline_service::host::API_KEY_VAR) {
            post = post.bearer_auth(key.trim());
        }
        let response = post
            .body(std::mem::take(batch))
            .send()
            .await
            .with_context(|| format!("posting events to {url}"))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            *failed += *batched as u64;
            eprintln!(
                "warning: {url} answered {status}: {}",
                body.chars().take(300).collect::<String>()
            );
        }
        *batched = 0;
        Ok(())
    }

    pub async fn finish(&mut self) -> anyhow::Result<Delivery> {
        self.post().await?;
        match self {
            Self::Kafka { producer, .. } => {
                producer
                    .flush(FLUSH_TIMEOUT)
                    .context("flushing the producer")?;
                Ok(Delivery {
                    failed: producer.context().failed.load(Ordering::Relaxed),
                })
            }
            Self::Http { failed, .. } => Ok(Delivery { failed: *failed }),
            Self::File { out, path, .. } => {
                out.flush()
                    .with_context(|| format!("writing {}", path.display()))?;
                Ok(Delivery::default())
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Kafka { topic, .. } => format!("topic {topic}"),
            Self::Http { url, .. } => url.clone(),
            Self::File { path, .. } => path.display().to_string(),
        }
    }
}
