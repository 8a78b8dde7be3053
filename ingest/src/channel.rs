//! The embedded source: an in-process bounded channel of raw events in place of Kafka.
//!
//! Nothing here is durable: events still in the channel or in an open batch when the process dies
//! are gone. That is the trade embedded mode makes for running with no broker at all.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sightline_schemas::Sink;
use tokio::{
    sync::{mpsc, watch},
    time::MissedTickBehavior,
};

use crate::{
    PipelineError, ProcessConfig,
    metrics::PipelineMetrics,
    offsets::{OffsetTracker, Position},
    process::{Incoming, Processor},
    sink_loop,
};

/// Where HTTP ingest and in-process publishers put raw events.
pub type EventSender = mpsc::Sender<Vec<u8>>;

/// A bounded channel; a full channel makes publishers wait.
pub fn channel(capacity: usize) -> (EventSender, mpsc::Receiver<Vec<u8>>) {
    mpsc::channel(capacity)
}

/// Runs the embedded pipeline until `shutdown` turns true or every sender is gone, then flushes.
pub async fn run_channel<S: Sink>(
    mut events: mpsc::Receiver<Vec<u8>>,
    process: ProcessConfig,
    sink: S,
    metrics: Arc<PipelineMetrics>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PipelineError> {
    let tracker = Arc::new(Mutex::new(OffsetTracker::default()));
    let (batches, pending_batches) = mpsc::channel(sink_loop::QUEUED_BATCHES);
    let mut sink_task = tokio::spawn(sink_loop::run(
        sink,
        pending_batches,
        None,
        tracker.clone(),
        metrics.clone(),
    ));
    let mut processor = Processor::new("channel", process, metrics.clone());
    let mut expire_tick = tokio::time::interval(Duration::from_millis(500));
    expire_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut next_offset = 0;

    loop {
        let deadline = processor.batcher.deadline();
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            finished = &mut sink_task => return Err(sink_loop::ended(finished)),
            _ = expire_tick.tick() => processor.expire(Instant::now()),
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now).into()), if deadline.is_some() => {
                sink_loop::flush(&mut processor, &batches, &tracker, &metrics).await;
            }
            received = events.recv() => {
                let Some(payload) = received else { break };
                let at = Position { partition: 0, offset: next_offset };
                next_offset += 1;
                tracker.lock().unwrap_or_else(|p| p.into_inner()).read(at);
                processor.accept(Incoming { at, key: None, payload: &payload }, Instant::now());
            }
        }
        if processor.batcher.is_full() {
            sink_loop::flush(&mut processor, &batches, &tracker, &metrics).await;
        }
    }
    sink_loop::flush(&mut processor, &batches, &tracker, &metrics).await;
    drop(batches);
    sink_task
        .await
        .map_err(|e| PipelineError::Sink(sink_loop::task_failed(e)))??;
    Ok(())
}
