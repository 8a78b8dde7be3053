//! The events of every call, emitted without ever holding up serving: they wait in a bounded
//! buffer that a background task drains into Kafka (an idempotent producer with `acks=all`) or the
//! HTTP ingest. When the buffer is full an event is dropped and counted, never silently.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use rdkafka::{
    ClientConfig,
    producer::{FutureProducer, FutureRecord, Producer},
};
use sightline_schemas::{Event, prometheus::Counter};
use tokio::{sync::mpsc, task::JoinHandle};

/// Where events go.
#[derive(Debug, Clone)]
pub enum Destination {
    Kafka {
        brokers: String,
        topic: String,
    },
    /// `POST /v1/events` of a pipeline or the API, as NDJSON, with the API's ingest key if any.
    Http {
        url: String,
        key: Option<String>,
    },
    Off,
}

#[derive(Debug, Default)]
pub struct EventCounters {
    pub sent: Counter,
    pub failed: Counter,
    /// Dropped because the buffer was full.
    pub dropped: Counter,
}

#[derive(Debug)]
pub struct Emitter {
    tx: Mutex<Option<mpsc::Sender<Event>>>,
    pub counters: Arc<EventCounters>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Emitter {
    /// Starts the background task; `capacity` events may wait for it.
    pub fn start(destination: Destination, capacity: usize) -> Result<Self, String> {
        let counters = Arc::new(EventCounters::default());
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let task = match destination {
            Destination::Off => None,
            Destination::Kafka { brokers, topic } => {
                // Idempotent, with every replica's acknowledgement: a retried send is stored once.
                let producer: FutureProducer = ClientConfig::new()
                    .set("bootstrap.servers", &brokers)
                    .set("enable.idempotence", "true")
                    .set("acks", "all")
                    .set("linger.ms", "5")
                    .create()
                    .map_err(|e| format!("connecting to {brokers}: {e}"))?;
                Some(tokio::spawn(to_kafka(
                    rx,
                    producer,
                    topic,
                    counters.clone(),
                )))
            }
            Destination::Http { url, key } => {
                Some(tokio::spawn(to_http(rx, url, key, counters.clone())))
            }
        };
        Ok(Self {
            tx: Mutex::new(task.is_some().then_some(tx)),
            counters,
            task: Mutex::new(task),
        })
    }

    /// Queues an event, or drops and counts it when the buffer is full; never waits.
    pub fn emit(&self, event: Event) {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = tx.as_ref()
            && tx.try_send(event).is_err()
        {
            self.counters.dropped.inc();
        }
    }

    /// Stops taking events and delivers the ones waiting, for up to `deadline`.
    pub async fn close(&self, deadline: Duration) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task
            && tokio::time::timeout(deadline, task).await.is_err()
        {
            tracing::warn!("events still undelivered at shutdown");
        }
    }
}

async fn to_kafka(
    mut rx: mpsc::Receiver<Event>,
    producer: FutureProducer,
    topic: String,
    counters: Arc<EventCounters>,
) {
    while let Some(event) = rx.recv().await {
        let payload = serde_json::to_vec(&event).unwrap_or_default();
        let key = event.header.request_id.clone();
        let record = FutureRecord::to(&topic).key(&key).payload(&payload);
        match producer.send_result(record) {
            Ok(delivery) => {
                let counters = counters.clone();
                tokio::spawn(async move {
                    match delivery.await {
                        Ok(Ok(_)) => counters.sent.inc(),
                        _ => counters.failed.inc(),
                    }
                });
            }
            Err((e, _)) => {
                tracing::warn!(error = %e, "event not produced");
                counters.failed.inc();
            }
        }
    }
    let flushed =
        tokio::task::spawn_blocking(move || producer.flush(Duration::from_secs(10))).await;
    if !matches!(flushed, Ok(Ok(()))) {
        tracing::warn!("flushing events at shutdown failed");
    }
}

/// Bytes of NDJSON one post carries at most, well under an ingest's body limit.
const POST_BYTES: usize = 4 << 20;

/// Posts waiting events together, as NDJSON of up to `POST_BYTES`.
async fn to_http(
    mut rx: mpsc::Receiver<Event>,
    url: String,
    key: Option<String>,
    counters: Arc<EventCounters>,
) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client for the events");
            return;
        }
    };
    while let Some(first) = rx.recv().await {
        let mut body = Vec::new();
        let mut n = 0u64;
        let mut next = Some(first);
        while let Some(event) = next.take() {
            body.extend(serde_json::to_vec(&event).unwrap_or_default());
            body.push(b'\n');
            n += 1;
            if body.len() < POST_BYTES {
                next = rx.try_recv().ok();
            }
        }
        let mut delivered = false;
        for attempt in 0..3u32 {
            let mut post = client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson");
            if let Some(key) = &key {
                post = post.bearer_auth(key);
            }
            let sent = post.body(body.clone()).send().await;
            if sent.is_ok_and(|r| r.status().is_success()) {
                delivered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        if delivered {
            counters.sent.add(n);
        } else {
            tracing::warn!(events = n, url = %url, "events not delivered to the ingest");
            counters.failed.add(n);
        }
    }
}
