//! From raw messages to batched rows, the same for every source: decode and validate, join,
//! and hand rows and dead letters to the batcher.

use std::{sync::Arc, time::Instant};

use sightline_schemas::{DeadLetter, Limits, Rejection, Timestamp, decode_view};

use crate::{
    MessageFormat, ProcessConfig,
    batcher::Batcher,
    join::{Joined, Joiner},
    metrics::PipelineMetrics,
    offsets::Position,
    otlp::{OtlpConfig, map_export},
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
    format: MessageFormat,
    otlp: OtlpConfig,
    limits: Limits,
    pub joiner: Joiner,
    pub batcher: Batcher,
    pub evaluators: sightline_schemas::Evaluators,
    metrics: Arc<PipelineMetrics>,
}

impl Processor {
    pub fn new(
        source: impl Into<String>,
        config: ProcessConfig,
        metrics: Arc<PipelineMetrics>,
    ) -> Self {
        Self {
            source: source.into(),
            format: config.format,
            otlp: config.otlp,
            limits: config.limits,
            joiner: Joiner::new(config.join),
            batcher: Batcher::new(config.batch),
            evaluators: config.evaluators,
            metrics,
        }
    }

    pub fn accept(&mut self, message: Incoming<'_>, now: Instant) {
        match self.format.otlp() {
            None => self.accept_event(message, now),
            Some(encoding) => self.accept_export(message, encoding, now),
        }
    }

    /// An OTLP export: each LLM-call span's event goes on as if it were a message of its own at
    /// the export's position. The batcher closes batches only between messages, so the export's
    /// events are acknowledged together, and its offset is committed only once all are stored.
    fn accept_export(
        &mut self,
        message: Incoming<'_>,
        encoding: crate::otlp::Encoding,
        now: Instant,
    ) {
        let request = match encoding.decode(message.payload) {
            Ok(request) => request,
            Err(reason) => {
                self.metrics.events_in.inc();
                let rejection = Rejection::single("$", format!("the message is {reason}"));
                self.split().1.reject(message, &rejection);
                return;
            }
        };
        let mapped = map_export(&request, &self.otlp);
        if mapped.events.is_empty() {
            // Nothing to store, but the offset must still move past it.
            self.batcher.add_ack(message.at);
            return;
        }
        for span in &mapped.events {
            let event = Incoming {
                payload: &span.json,
                ..message
            };
            self.accept_event(event, now);
        }
    }

    fn accept_event(&mut self, message: Incoming<'_>, now: Instant) {
        self.metrics.events_in.inc();
        let decoded = decode_view(message.payload, &self.limits);
        let (joiner, mut outlet) = self.split();
        match decoded {
            Ok(event) => joiner.accept(event, message.at, now, &mut |j| {
                outlet.route(j, Some(message));
            }),
            Err(rejection) => outlet.reject(message, &rejection),
        }
        self.publish_join_state();
    }

    /// Closes the join window on requests that waited too long.
    pub fn expire(&mut self, now: Instant) {
        let (joiner, mut outlet) = self.split();
        joiner.expire(now, &mut |j| outlet.route(j, None));
        self.publish_join_state();
    }

    fn split(&mut self) -> (&mut Joiner, Outlet<'_>) {
        let outlet = Outlet {
            source: &self.source,
            batcher: &mut self.batcher,
            metrics: &self.metrics,
        };
        (&mut self.joiner, outlet)
    }

    fn publish_join_state(&self) {
        self.metrics.join_open.set(self.joiner.waiting() as i64);
        self.metrics
            .join_evicted
            .set_total(self.joiner.counters.evicted);
    }
}

/// Where the join's outcomes go: rows, acknowledgements and dead letters, all to the batcher.
struct Outlet<'p> {
    source: &'p str,
    batcher: &'p mut Batcher,
    metrics: &'p PipelineMetrics,
}

impl Outlet<'_> {
    fn route(&mut self, outcome: Joined<'_>, message: Option<Incoming<'_>>) {
        match outcome {
            Joined::Row(exchange, positions) => {
                self.metrics.rows_out.inc();
                self.metrics.status(exchange.status).inc();
                self.batcher.add_exchange(&exchange, positions);
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

    fn reject(&mut self, message: Incoming<'_>, rejection: &Rejection) {
        let class = rejection.reason_class();
        self.metrics.invalid(class).inc();
        let letter = DeadLetter {
            source: self.source.to_owned(),
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
