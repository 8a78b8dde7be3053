//! Joins each request to its response by `request_id`.
//!
//! Whichever half arrives first waits in bounded state for the other, so publishers that emit a
//! response before its request still join. A request still waiting when the join window closes
//! (measured in event time per partition, and in processing time for quiet streams) becomes a `lost`
//! row; a response still waiting becomes an `orphan` row. Requests and responses share a partition
//! because the topic is keyed by `request_id`, which is what makes a per-partition clock sound.
//!
//! Events arrive as views that borrow from their messages. Only a half that waits is copied, into
//! one buffer ([`Held`]); what the join makes is handed to the caller while it can still borrow.

use std::{
    borrow::Cow,
    collections::{BTreeMap, VecDeque},
    hash::{BuildHasher, RandomState},
    time::{Duration, Instant},
};

use sightline_schemas::{EventKind, EventView, Exchange};

use crate::{held::Held, offsets::Position};

/// Keyed by fingerprints, which are random already; foldhash rather than the standard SipHash,
/// which took 1.5 % of the reader thread's time.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A publisher's id reduced to 128 bits by two SipHash keys drawn per process. The join keeps
/// fingerprints, not the ids, so that remembering an exchange allocates nothing; with secret keys
/// and 128 bits, two ids that share one are not a practical concern.
type Fingerprint = u128;

#[derive(Debug, Clone)]
pub struct JoinConfig {
    pub window: Duration,
    /// Waiting requests and responses held at most; past it the oldest is evicted as `lost` or
    /// `orphan`.
    pub max_open: usize,
    /// Joined request ids remembered, to recognise a repeat.
    pub remember_closed: usize,
}

impl Default for JoinConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(300),
            max_open: 50_000,
            remember_closed: 200_000,
        }
    }
}

/// What an event turned into. It borrows from the accepted message and the joined half, so it is
/// handed to a callback rather than returned.
#[derive(Debug)]
pub enum Joined<'a> {
    /// A whole exchange, with the positions of every message it was made from.
    Row(Exchange<Cow<'a, str>>, &'a [Position]),
    Feedback(EventView<'a>, Position),
    /// A second, different event for a half already joined or waiting (same `request_id`, another
    /// `event_id`): a publisher's mistake, for the dead-letter queue.
    Duplicate(Position, String),
    /// The same event again (same `event_id`), as at-least-once delivery allows. Its row is stored
    /// already or will be, so it is only acknowledged.
    Redelivered(Position),
}

#[derive(Debug)]
struct Open {
    seq: u64,
    held: Held,
    at: Position,
    arrived: Instant,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct JoinCounters {
    pub evicted: u64,
    pub lost: u64,
    pub orphans: u64,
    pub duplicates: u64,
    pub redelivered: u64,
}

#[derive(Debug)]
pub struct Joiner {
    config: JoinConfig,
    keys: (RandomState, RandomState),
    /// Waiting halves by request id.
    open: HashMap<Fingerprint, Open>,
    /// Waiting events of each partition in arrival order: sequence number to request id.
    arrival: HashMap<i32, BTreeMap<u64, Fingerprint>>,
    /// The latest event time seen on each partition, in epoch ms.
    clock: HashMap<i32, i64>,
    /// Recently joined request ids and the event ids each exchange was made of.
    closed: HashMap<Fingerprint, [Fingerprint; 2]>,
    closed_order: VecDeque<(Fingerprint, i32)>,
    next_seq: u64,
    pub counters: JoinCounters,
}

impl Joiner {
    pub fn new(config: JoinConfig) -> Self {
        Self {
            config,
            keys: (RandomState::new(), RandomState::new()),
            open: HashMap::default(),
            arrival: HashMap::default(),
            clock: HashMap::default(),
            closed: HashMap::default(),
            closed_order: VecDeque::new(),
            next_seq: 0,
            counters: JoinCounters::default(),
        }
    }

    /// Requests and responses waiting for their other half.
    pub fn waiting(&self) -> usize {
        self.open.len()
    }

    fn fingerprint(&self, id: &str) -> Fingerprint {
        (u128::from(self.keys.0.hash_one(id)) << 64) | u128::from(self.keys.1.hash_one(id))
    }

    pub fn accept(
        &mut self,
        event: EventView<'_>,
        at: Position,
        now: Instant,
        emit: &mut impl FnMut(Joined<'_>),
    ) {
        let kind = event.kind();
        if kind == EventKind::Feedback {
            return emit(Joined::Feedback(event, at));
        }
        let clock = self.clock.entry(at.partition).or_insert(i64::MIN);
        *clock = (*clock).max(event.header.timestamp.millis());
        let request = self.fingerprint(&event.header.request_id);
        let this_event = self.fingerprint(&event.header.event_id);
        // Whether this half was seen before, and if so whether as this very event.
        let seen = match (self.closed.get(&request), self.open.get(&request)) {
            (Some(ids), _) => Some((ids.contains(&this_event), "was already joined")),
            (None, Some(w)) if w.held.kind() == kind => Some((
                w.held.event_id() == event.header.event_id,
                "is already waiting for its other half",
            )),
            _ => None,
        };
        match seen {
            Some((true, _)) => {
                self.counters.redelivered += 1;
                emit(Joined::Redelivered(at));
            }
            Some((false, why)) => {
                self.counters.duplicates += 1;
                let reason = format!(
                    "duplicate {}: request_id {:?} {why}",
                    kind.as_str(),
                    event.header.request_id
                );
                emit(Joined::Duplicate(at, reason));
            }
            None if kind == EventKind::Completion => {
                self.remember(request, [this_event; 2], at.partition);
                if let Some(x) = Exchange::completion(event) {
                    emit(Joined::Row(x, &[at]));
                }
            }
            None => match self.take(request) {
                None => self.hold(request, event, at, now, emit),
                Some(other) => {
                    let other_event = self.fingerprint(other.held.event_id());
                    self.remember(request, [other_event, this_event], at.partition);
                    other.held.with_view(|waiting| {
                        let ((request, r_at), (response, s_at)) = if kind == EventKind::Request {
                            ((event, at), (waiting, other.at))
                        } else {
                            ((waiting, other.at), (event, at))
                        };
                        if let Some(x) = Exchange::joined(request, response) {
                            emit(Joined::Row(x, &[r_at, s_at]));
                        }
                    });
                }
            },
        }
    }

    fn hold(
        &mut self,
        request: Fingerprint,
        event: EventView<'_>,
        at: Position,
        now: Instant,
        emit: &mut impl FnMut(Joined<'_>),
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.arrival
            .entry(at.partition)
            .or_default()
            .insert(seq, request);
        let held = Held::new(event);
        self.open.insert(
            request,
            Open {
                seq,
                held,
                at,
                arrived: now,
            },
        );
        while self.open.len() > self.config.max_open {
            self.evict_oldest(emit);
        }
    }

    /// Closes the window on a waiting half: a request becomes `lost`, a response `orphan`.
    fn unmatched(&mut self, request: Fingerprint, open: Open, emit: &mut impl FnMut(Joined<'_>)) {
        let event = self.fingerprint(open.held.event_id());
        self.remember(request, [event; 2], open.at.partition);
        let lost = open.held.kind() == EventKind::Request;
        if lost {
            self.counters.lost += 1;
        } else {
            self.counters.orphans += 1;
        }
        open.held.with_view(|event| {
            let exchange = if lost {
                Exchange::lost(event)
            } else {
                Exchange::orphan(event)
            };
            if let Some(x) = exchange {
                emit(Joined::Row(x, &[open.at]));
            }
        });
    }

    /// Turns every waiting half whose window has closed into a `lost` or `orphan` row.
    pub fn expire(&mut self, now: Instant, emit: &mut impl FnMut(Joined<'_>)) {
        let window_ms = self.config.window.as_millis() as i64;
        let mut expired = Vec::new();
        for (partition, queue) in &self.arrival {
            let clock = self.clock.get(partition).copied().unwrap_or(i64::MIN);
            for request in queue.values() {
                let open = &self.open[request];
                let by_event_time =
                    open.held.timestamp().millis().saturating_add(window_ms) <= clock;
                let by_wall_time = now.duration_since(open.arrived) >= self.config.window;
                if !(by_event_time || by_wall_time) {
                    break;
                }
                expired.push(*request);
            }
        }
        for request in expired {
            if let Some(open) = self.take(request) {
                self.unmatched(request, open, emit);
            }
        }
    }

    /// Drops the state of a partition this worker no longer owns. Its waiting events are not
    /// acknowledged, so the partition's next owner reads them again.
    pub fn release(&mut self, partition: i32) {
        for request in self
            .arrival
            .remove(&partition)
            .unwrap_or_default()
            .into_values()
        {
            self.open.remove(&request);
        }
        self.clock.remove(&partition);
        let closed = &mut self.closed;
        self.closed_order.retain(|(request, p)| {
            if *p == partition {
                closed.remove(request);
            }
            *p != partition
        });
    }

    fn take(&mut self, request: Fingerprint) -> Option<Open> {
        let open = self.open.remove(&request)?;
        if let Some(queue) = self.arrival.get_mut(&open.at.partition) {
            queue.remove(&open.seq);
        }
        Some(open)
    }

    fn evict_oldest(&mut self, emit: &mut impl FnMut(Joined<'_>)) {
        let oldest = self
            .arrival
            .values()
            .filter_map(|q| q.first_key_value())
            .min_by_key(|(seq, _)| **seq)
            .map(|(_, request)| *request);
        if let Some((request, open)) = oldest.and_then(|r| Some((r, self.take(r)?))) {
            self.counters.evicted += 1;
            self.unmatched(request, open, emit);
        }
    }

    /// Remembers a joined request, so that a repeat of it is recognised.
    fn remember(&mut self, request: Fingerprint, events: [Fingerprint; 2], partition: i32) {
        if self.closed.insert(request, events).is_none() {
            self.closed_order.push_back((request, partition));
            while self.closed_order.len() > self.config.remember_closed {
                if let Some((old, _)) = self.closed_order.pop_front() {
                    self.closed.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
