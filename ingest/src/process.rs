//! From raw messages to batched rows, the same for every source: decode and validate, join,
//! and hand rows and dead letters to the batcher.

use std::time::Instant;

use sightline_schemas::{DeadLetter, Limits, Rejection, Timestamp, decode_event};

use crate::{
    ProcessConfig,
    batcher::Batcher,
    join::{Joined, Joiner},
    metrics::PipelineMetrics,
    offsets::Position,
};

/// One message as a source delivers it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub at: Position,
    pub key: Option<&'a [u8]>,
    pub payload: &'a [u8],
}

#[derive(Debug)]
pub struct Processor {
    source: String,
    limits: Limits,
    pub joiner: Joiner,
    pub batcher: Batcher,
    pub evaluators: sightline_schemas::Evaluators,
    metrics: std::sync::Arc<PipelineMetrics>,
}

impl Processor {
    pub fn new(
        source: impl Into<String>,
        config: ProcessConfig,
        metrics: std::sync::Arc<PipelineMetrics>,
    ) -> Self {
        Self {
            source: source.into(),
            limits: config.limits,
            joiner: Joiner::new(config.join),
            batcher: Batcher::new(config.batch),
            evaluators: config.evaluators,
            metrics,
        }
    }

    pub fn accept(&mut self, message: Incoming<'_>, now: Instant) {
        self.metrics.events_in.inc();
        match decode_event(message.payload, &self.limits) {
            Ok(event) => {
                let outcomes = self.joiner.accept(event, message.at, now);
                self.route(outcomes, Some(message));
            }
            Err(rejection) => self.reject(message, &rejection),
        }
        self.publish_join_state();
    }

    /// Closes the join window on requests that waited too long.
    pub fn expire(&mut self, now: Instant) {
        let outcomes = self.joiner.expire(now);
        self.route(outcomes, None);
        self.publish_join_state();
    }

    fn publish_join_state(&self) {
        self.metrics.join_open.set(self.joiner.waiting() as i64);
        self.metrics
            .join_evicted
            .set_total(self.joiner.counters.evicted);
    }

    fn route(&mut self, outcomes: Vec<Joined>, message: Option<Incoming<'_>>) {
        for outcome in outcomes {
            match outcome {
                Joined::Row(exchange, positions) => {
                    self.metrics.rows_out.inc();
                    self.metrics.status(exchange.status).inc();
                    self.batcher.add_exchange(&exchange, &positions);
                }
                Joined::Feedback(event, at) => {
                    self.metrics.rows_out.inc();
                    self.batcher.add_feedback(&event, at);
                }
                Joined::Redelivered(at) => {
                    self.metrics.redelivered.inc();
                    self.batcher.add_ack(at);
                }
                Joined::Duplicate(at, reason) => {
                    // A duplicate is only ever reported for the message being accepted.
                    if let Some(message) = message.filter(|m| m.at == at) {
                        self.reject(message, &Rejection::single("request_id", reason));
                    }
                }
            }
        }
    }

    fn reject(&mut self, message: Incoming<'_>, rejection: &Rejection) {
        let class = rejection.reason_class();
        self.metrics.invalid(class).inc();
        let letter = DeadLetter {
            source: self.source.clone(),
            partition: message.at.partition,
            offset: message.at.offset,
            key: message.key.map(<[u8]>::to_vec),
            payload: message.payload.to_vec(),
            reason: rejection.to_string(),
            reason_class: class.to_owned(),
            received_at: Timestamp::now(),
        };
        self.batcher.add_dead_letter(letter, message.at);
    }
}
