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

/// Per-row overhead beyond its texts, for the byte budget.
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

    pub fn add_exchange(&mut self, exchange: &Exchange, positions: &[Position]) {
        let texts = exchange
            .request
            .as_ref()
            .and_then(|r| r.text())
            .map_or(0, str::len)
            + exchange
                .response
                .as_ref()
                .and_then(|r| r.output.as_deref())
                .map_or(0, str::len);
        self.llm_events.push(exchange, Timestamp::now());
        if let [request, response] = positions {
            self.pairs.push((*request, *response));
        }
        self.note(texts, positions);
    }

    pub fn add_feedback(&mut self, event: &Event, at: Position) {
        self.feedback.push(event, Timestamp::now());
        self.note(event.header.request_id.len(), &[at]);
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
