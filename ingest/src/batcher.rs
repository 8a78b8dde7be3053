//! Micro-batching: rows gather until the batch holds enough rows or bytes, or is old enough,
//! whichever comes first; then it goes to the sink with the positions it acknowledges.

use std::time::{Duration, Instant};

use sightline_schemas::{
    DeadLetter, Exchange, Table, TableBatch, Timestamp, event::Event, llm_events::LlmEventsBuilder,
    side_tables::FeedbackBuilder,
};

use crate::offsets::Position;

#[derive(Debug, Clone)]
pub struct BatchConfig {
    pub max_rows: usize,
    pub max_bytes: usize,
    pub max_age: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self {
            max_rows: 10_000,
            max_bytes: 8 << 20,
            max_age: Duration::from_millis(200),
        }
    }
}

/// A closed batch: the rows, the source positions they acknowledge, and the dead letters, which the
/// scoring stage turns into `dead_letters` rows and which also go to the dead-letter topic.
#[derive(Debug)]
pub struct Flushed {
    pub batch: TableBatch,
    pub positions: Vec<Position>,
    /// Request and response positions of the joined exchanges in the batch.
    pub pairs: Vec<(Position, Position)>,
    pub dead_letters: Vec<DeadLetter>,
}

impl Flushed {
    /// Appends a later batch, so both go to the sink as one.
    pub fn absorb(&mut self, later: Flushed) -> Result<(), arrow::error::ArrowError> {
        self.batch.append(later.batch)?;
        self.positions.extend(later.positions);
        self.pairs.extend(later.pairs);
        self.dead_letters.extend(later.dead_letters);
        Ok(())
    }
}

#[derive(Debug)]
pub struct Batcher {
    config: BatchConfig,
    llm_events: LlmEventsBuilder,
    feedback: FeedbackBuilder,
    dead_letters: Vec<DeadLetter>,
    positions: Vec<Position>,
    pairs: Vec<(Position, Position)>,
    rows: usize,
    bytes: usize,
    opened: Option<Instant>,
}

/// A row's ids, names and numbers, whose sizes are bounded, for the byte budget.
const ROW_OVERHEAD: usize = 512;

impl Batcher {
    pub fn new(config: BatchConfig) -> Self {
        Self {
            config,
            llm_events: LlmEventsBuilder::default(),
            feedback: FeedbackBuilder::default(),
            dead_letters: Vec::new(),
            positions: Vec::new(),
            pairs: Vec::new(),
            rows: 0,
            bytes: 0,
            opened: None,
        }
    }

    fn note(&mut self, bytes: usize, positions: &[Position]) {
        self.opened.get_or_insert_with(Instant::now);
        self.rows += 1;
        self.bytes += bytes + ROW_OVERHEAD;
        self.positions.extend_from_slice(positions);
    }

    pub fn add_exchange<S: AsRef<str>>(&mut self, exchange: &Exchange<S>, positions: &[Position]) {
        let bytes = self.llm_events.push(exchange, Timestamp::now());
        if let [request, response] = positions {
            self.pairs.push((*request, *response));
        }
        self.note(bytes, positions);
    }

    pub fn add_feedback<S: AsRef<str>>(&mut self, event: &Event<S>, at: Position) {
        let bytes = self.feedback.push(event, Timestamp::now());
        self.note(bytes, &[at]);
    }

    pub fn add_dead_letter(&mut self, letter: DeadLetter, at: Position) {
        self.note(letter.payload.len(), &[at]);
        self.dead_letters.push(letter);
    }

    /// Acknowledges a message that adds no row, in order with the rows around it.
    pub fn add_ack(&mut self, at: Position) {
        self.opened.get_or_insert_with(Instant::now);
        self.positions.push(at);
    }

    pub fn is_full(&self) -> bool {
        self.rows >= self.config.max_rows || self.bytes >= self.config.max_bytes
    }

    /// When the open batch must close even if it is not full.
    pub fn deadline(&self) -> Option<Instant> {
        self.opened.map(|t| t + self.config.max_age)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn flush(&mut self) -> Option<Flushed> {
        self.opened.take()?;
        let mut batch = TableBatch::default();
        // The builders' schemas are fixed, so building cannot fail.
        batch.push(
            Table::LlmEvents,
            self.llm_events.finish().expect("llm_events batch"),
        );
        batch.push(
            Table::Feedback,
            self.feedback.finish().expect("feedback batch"),
        );
        self.rows = 0;
        self.bytes = 0;
        Some(Flushed {
            batch,
            positions: std::mem::take(&mut self.positions),
            pairs: std::mem::take(&mut self.pairs),
            dead_letters: std::mem::take(&mut self.dead_letters),
        })
    }
}

#[cfg(test)]
mod tests {
    use sightline_schemas::{Limits, decode_event};

    use super::*;

    /// A completion whose attributes carry `attribute_bytes` of text.
    fn completion(n: i64, attribute_bytes: usize) -> Exchange {
        let value = "a".repeat(attribute_bytes);
        let json = format!(
            r#"{{"schema_version": "1", "event_id": "e{n}", "kind": "completion", "request_id": "r{n}",
                "timestamp": {n}, "service": "s", "environment": "e", "project": "p",
                "model": {{"provider": "p", "name": "m", "version": "v"}}, "operation": "chat",
                "attributes": {{"context": "{value}"}},
                "request": {{"prompt": "hi"}}, "response": {{"status": "ok", "output": "hello"}}}}"#
        );
        let event = decode_event(json.as_bytes(), &Limits::default()).expect("valid");
        Exchange::completion(event).expect("a completion is an exchange")
    }

    fn at(offset: i64) -> Position {
        Position {
            partition: 0,
            offset,
        }
    }

    fn batcher(max_bytes: usize) -> Batcher {
        Batcher::new(BatchConfig {
            max_rows: 10_000,
            max_bytes,
            max_age: Duration::from_secs(60),
        })
    }

    #[test]
    fn attributes_count_towards_the_byte_budget() {
        let mut b = batcher(64 << 10);
        let mut rows = 0;
        while !b.is_full() {
            rows += 1;
            b.add_exchange(&completion(rows, 4000), &[at(rows)]);
        }
        assert_eq!(rows, 15, "64 KiB holds 15 rows of 4 KiB attributes");
        let flushed = b.flush().expect("a batch");
        assert_eq!(flushed.batch.num_rows(), 15);
    }

    #[test]
    fn small_rows_close_on_the_row_limit() {
        let mut b = batcher(8 << 20);
        for n in 0..10_000 {
            assert!(!b.is_full());
            b.add_exchange(&completion(n, 10), &[at(n)]);
        }
        assert!(b.is_full());
    }
}
