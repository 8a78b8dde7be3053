//! The Kafka source: a consumer-group member that feeds the processor, commits only what the sink
//! has acknowledged, and hands partitions over cleanly on a rebalance.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::{FutureExt, StreamExt};
use rdkafka::{
    ClientConfig, ClientContext, Message, Offset, TopicPartitionList,
    consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer},
    statistics::Statistics,
};
use sightline_schemas::Sink;
use tokio::{sync::mpsc, sync::watch, time::MissedTickBehavior};

use crate::{
    PipelineError, ProcessConfig,
    dlq::DlqPublisher,
    metrics::PipelineMetrics,
    offsets::{OffsetTracker, Position},
    process::{Incoming, Processor},
    sink_loop,
};

/// Messages read in one go once one is ready, before the timers and the sink are looked at again:
/// about a millisecond of work.
const BURST: usize = 512;

#[derive(Debug, Clone)]
pub struct KafkaSourceConfig {
    pub brokers: String,
    pub topic: String,
    pub group: String,
    /// Where rejected messages go; `<topic>.dlq` by default.
    pub dlq_topic: String,
    pub commit_interval: Duration,
    /// How long a revoked partition's batches may take to reach the sink before the hand-over.
    pub drain_deadline: Duration,
    /// How long the broker may hold a fetch open waiting for data.
    pub fetch_wait: Duration,
    /// How long a worker may go silent before the group gives its partitions to others.
    pub session_timeout: Duration,
    /// A stable name for this worker (static membership): restarted under the same name, it takes
    /// its partitions back at once instead of waiting for the group to notice it died.
    pub instance_id: Option<String>,
}

impl KafkaSourceConfig {
    pub fn new(brokers: &str, topic: &str, group: &str) -> Self {
        Self {
            brokers: brokers.into(),
            topic: topic.into(),
            group: group.into(),
            dlq_topic: format!("{topic}.dlq"),
            commit_interval: Duration::from_secs(1),
            drain_deadline: Duration::from_secs(10),
            fetch_wait: Duration::from_millis(20),
            session_timeout: Duration::from_secs(10),
            instance_id: None,
        }
    }
}

/// Shared between the consumer's callbacks, the worker loop and the sink task.
struct WorkerContext {
    topic: String,
    tracker: Arc<Mutex<OffsetTracker>>,
    revoked: Mutex<Vec<i32>>,
    drain_deadline: Duration,
    metrics: Arc<PipelineMetrics>,
}

impl ClientContext for WorkerContext {
    fn stats(&self, statistics: Statistics) {
        let lag: i64 = statistics
            .topics
            .get(&self.topic)
            .map(|t| t.partitions.values().map(|p| p.consumer_lag.max(0)).sum())
            .unwrap_or(0);
        self.metrics.consumer_lag.set(lag);
    }
}

impl ConsumerContext for WorkerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else {
            return;
        };
        let partitions: Vec<i32> = revoked
            .elements()
            .iter()
            .filter(|e| e.topic() == self.topic)
            .map(|e| e.partition())
            .collect();
        // Let batches already on their way land, so their offsets can be committed now rather
        // than re-read by the next owner.
        let deadline = Instant::now() + self.drain_deadline;
        while Instant::now() < deadline
            && partitions
                .iter()
                .any(|p| lock(&self.tracker).has_in_flight(*p))
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let offsets: Vec<(i32, i64)> = lock(&self.tracker)
            .committable()
            .into_iter()
            .filter(|(p, _)| partitions.contains(p))
            .collect();
        if let Err(e) = commit(consumer, &self.topic, &offsets, CommitMode::Sync) {
            tracing::warn!(error = %e, "commit on revoke failed; the next owner re-reads from the last commit");
        }
        let mut tracker = lock(&self.tracker);
        partitions.iter().for_each(|p| tracker.release(*p));
        lock(&self.revoked).extend(partitions);
        tracing::info!(partitions = ?lock(&self.revoked), "partitions revoked");
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(assigned) = rebalance {
            let partitions: Vec<i32> = assigned.elements().iter().map(|e| e.partition()).collect();
            tracing::info!(?partitions, "partitions assigned");
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn commit<C: Consumer<X>, X: ConsumerContext>(
    consumer: &C,
    topic: &str,
    offsets: &[(i32, i64)],
    mode: CommitMode,
) -> rdkafka::error::KafkaResult<()> {
    if offsets.is_empty() {
        return Ok(());
    }
    let mut list = TopicPartitionList::new();
    for &(partition, offset) in offsets {
        list.add_partition_offset(topic, partition, Offset::Offset(offset))?;
    }
    consumer.commit(&list, mode)
}

/// Runs one worker of the consumer group until `shutdown` turns true, then drains, flushes and
/// commits. Returns an error only for failures that retrying cannot fix.
pub async fn run_kafka<S: Sink>(
    config: KafkaSourceConfig,
    process: ProcessConfig,
    sink: S,
    metrics: Arc<PipelineMetrics>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PipelineError> {
    let tracker = Arc::new(Mutex::new(OffsetTracker::default()));
    let context = WorkerContext {
        topic: config.topic.clone(),
        tracker: tracker.clone(),
        revoked: Mutex::new(Vec::new()),
        drain_deadline: config.drain_deadline,
        metrics: metrics.clone(),
    };
    let mut client = ClientConfig::new();
    if let Some(id) = &config.instance_id {
        client.set("group.instance.id", id);
    }
    let consumer: StreamConsumer<WorkerContext> = client
        .set("bootstrap.servers", &config.brokers)
        .set("group.id", &config.group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("statistics.interval.ms", "5000")
        // Some brokers (Tansu among them) hold every fetch for the full wait even when data is
        // ready, which caps a consumer at a fetch per wait; a short wait costs an idle consumer
        // only a few more requests.
        .set(
            "fetch.wait.max.ms",
            config.fetch_wait.as_millis().to_string(),
        )
        .set(
            "session.timeout.ms",
            config.session_timeout.as_millis().to_string(),
        )
        // Bounds what librdkafka prefetches, so a backlog does not become memory.
        .set("queued.max.messages.kbytes", "32768")
        // Once that bound is reached librdkafka pauses fetching for this long (a second by
        // default), and a reader that drains the queue meanwhile sits idle for the rest of it.
        .set("fetch.queue.backoff.ms", "20")
        .create_with_context(context)?;
    consumer.subscribe(&[&config.topic])?;
    let dlq = DlqPublisher::new(&config.brokers, &config.dlq_topic)?;

    let (batches, pending_batches) = mpsc::channel(sink_loop::QUEUED_BATCHES);
    let mut sink_task = tokio::spawn(sink_loop::run(
        sink,
        pending_batches,
        Some(dlq),
        tracker.clone(),
        metrics.clone(),
    ));

    let mut processor = Processor::new(config.topic.clone(), process, metrics.clone());
    let mut commit_tick = tokio::time::interval(config.commit_interval);
    commit_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut expire_tick = tokio::time::interval(Duration::from_millis(500));
    expire_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_commit = Vec::new();
    // One stream for the worker's life: each `recv()` would make one, and register and drop a
    // waker slot under a lock, for every message.
    let mut messages = consumer.stream();

    loop {
        let deadline = processor.batcher.deadline();
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            finished = &mut sink_task => return Err(sink_loop::ended(finished)),
            _ = commit_tick.tick() => {
                let offsets = lock(&tracker).committable();
                if offsets != last_commit {
                    match commit(&consumer, &config.topic, &offsets, CommitMode::Async) {
                        Ok(()) => { metrics.commits.inc(); last_commit = offsets; }
                        Err(e) => tracing::warn!(error = %e, "offset commit failed; retrying on the next tick"),
                    }
                }
            }
            _ = expire_tick.tick() => processor.expire(Instant::now()),
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now).into()), if deadline.is_some() => {
                sink_loop::flush(&mut processor, &batches, &tracker, &metrics).await;
            }
            Some(received) = messages.next() => {
                // The rest of the burst is what the consumer holds already: taken without a trip
                // through the select, its waker or the clock, which cost as much as decoding.
                let now = Instant::now();
                let mut next = Some(received);
                let mut taken = 0;
                while let Some(received) = next {
                    match received {
                        Ok(message) => {
                            let at = Position { partition: message.partition(), offset: message.offset() };
                            lock(&tracker).read(at);
                            let incoming = Incoming { at, key: message.key(), payload: message.payload().unwrap_or_default() };
                            processor.accept(incoming, now);
                        }
                        Err(e) => tracing::warn!(error = %e, "consumer error"),
                    }
                    taken += 1;
                    if taken == BURST || processor.batcher.is_full() {
                        break;
                    }
                    next = messages.next().now_or_never().flatten();
                }
            }
        }
        for partition in std::mem::take(&mut *lock(&consumer.context().revoked)) {
            processor.joiner.release(partition);
        }
        if processor.batcher.is_full() {
            sink_loop::flush(&mut processor, &batches, &tracker, &metrics).await;
        }
    }

    tracing::info!("shutting down: flushing the open batch and committing");
    sink_loop::flush(&mut processor, &batches, &tracker, &metrics).await;
    drop(batches);
    sink_task
        .await
        .map_err(|e| PipelineError::Sink(sink_loop::task_failed(e)))??;
    let offsets = lock(&tracker).committable();
    commit(&consumer, &config.topic, &offsets, CommitMode::Sync)?;
    tracing::info!(
        open_requests = processor.joiner.waiting(),
        "stopped; open requests will be re-read on restart"
    );
    Ok(())
}
