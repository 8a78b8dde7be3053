//! Joins each request to its response by `request_id`.
//!
//! Whichever half arrives first waits in bounded state for the other, so publishers that emit a
//! response before its request still join. A request still waiting when the join window closes
//! (measured in event time per partition, and in processing time for quiet streams) becomes a `lost`
//! row; a response still waiting becomes an `orphan` row. Requests and responses share a partition
//! because the topic is keyed by `request_id`, which is what makes a per-partition clock sound.

use std::{
    collections::{BTreeMap, VecDeque},
    time::{Duration, Instant},
};

use sightline_schemas::{Event, EventKind, Exchange};

use crate::offsets::Position;

/// Keyed by publishers' ids, so seeded per process; foldhash rather than the standard SipHash,
/// which took 1.5 % of the reader thread's time.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

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

/// What an event turned into.
#[derive(Debug)]
pub enum Joined {
    /// A whole exchange, with the positions of every message it was made from.
    Row(Exchange, Vec<Position>),
    Feedback(Event, Position),
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
    event: Event,
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
    open: HashMap<String, Open>,
    /// Waiting events of each partition in arrival order: sequence number to request id.
    arrival: HashMap<i32, BTreeMap<u64, String>>,
    /// The latest event time seen on each partition, in epoch ms.
    clock: HashMap<i32, i64>,
    /// Recently joined request ids and the event ids each exchange was made of.
    closed: HashMap<String, Vec<String>>,
    closed_order: VecDeque<(String, i32)>,
    next_seq: u64,
    pub counters: JoinCounters,
}

impl Joiner {
    pub fn new(config: JoinConfig) -> Self {
        Self {
            config,
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

    pub fn accept(&mut self, event: Event, at: Position, now: Instant) -> Vec<Joined> {
        let kind = event.kind();
        if kind == EventKind::Feedback {
            return vec![Joined::Feedback(event, at)];
        }
        let clock = self.clock.entry(at.partition).or_insert(i64::MIN);
        *clock = (*clock).max(event.header.timestamp.millis());
        let request_id = event.header.request_id.clone();
        let event_id = &event.header.event_id;
        // Whether this half was seen before, and if so whether as this very event.
        let seen = match (self.closed.get(&request_id), self.open.get(&request_id)) {
            (Some(ids), _) => Some((ids.contains(event_id), "was already joined")),
            (None, Some(w)) if w.event.kind() == kind => Some((
                w.event.header.event_id == *event_id,
                "is already waiting for its other half",
            )),
            _ => None,
        };
        match seen {
            Some((true, _)) => {
                self.counters.redelivered += 1;
                vec![Joined::Redelivered(at)]
            }
            Some((false, why)) => {
                self.counters.duplicates += 1;
                let reason = format!(
                    "duplicate {}: request_id {request_id:?} {why}",
                    kind.as_str()
                );
                vec![Joined::Duplicate(at, reason)]
            }
            None if kind == EventKind::Completion => {
                let ids = vec![event.header.event_id.clone()];
                self.close(Exchange::completion(event), vec![at], ids)
            }
            None => match self.take(&request_id) {
                None => self.hold(request_id, event, at, now),
                Some(other) => {
                    let ids = vec![
                        other.event.header.event_id.clone(),
                        event.header.event_id.clone(),
                    ];
                    let ((request, r_at), (response, s_at)) = if kind == EventKind::Request {
                        ((event, at), (other.event, other.at))
                    } else {
                        ((other.event, other.at), (event, at))
                    };
                    self.close(Exchange::joined(request, response), vec![r_at, s_at], ids)
                }
            },
        }
    }

    fn hold(
        &mut self,
        request_id: String,
        event: Event,
        at: Position,
        now: Instant,
    ) -> Vec<Joined> {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.arrival
            .entry(at.partition)
            .or_default()
            .insert(seq, request_id.clone());
        self.open.insert(
            request_id,
            Open {
                seq,
                event,
                at,
                arrived: now,
            },
        );
        let mut out = Vec::new();
        while self.open.len() > self.config.max_open {
            out.extend(self.evict_oldest());
        }
        out
    }

    /// Closes the window on a waiting half: a request becomes `lost`, a response `orphan`.
    fn unmatched(&mut self, open: Open) -> Vec<Joined> {
        let ids = vec![open.event.header.event_id.clone()];
        if open.event.kind() == EventKind::Request {
            self.counters.lost += 1;
            self.close(Exchange::lost(open.event), vec![open.at], ids)
        } else {
            self.counters.orphans += 1;
            self.close(Exchange::orphan(open.event), vec![open.at], ids)
        }
    }

    /// Turns every waiting half whose window has closed into a `lost` or `orphan` row.
    pub fn expire(&mut self, now: Instant) -> Vec<Joined> {
        let window_ms = self.config.window.as_millis() as i64;
        let mut expired = Vec::new();
        for (partition, queue) in &self.arrival {
            let clock = self.clock.get(partition).copied().unwrap_or(i64::MIN);
            for request_id in queue.values() {
                let open = &self.open[request_id];
                let by_event_time = open
                    .event
                    .header
                    .timestamp
                    .millis()
                    .saturating_add(window_ms)
                    <= clock;
                let by_wall_time = now.duration_since(open.arrived) >= self.config.window;
                if !(by_event_time || by_wall_time) {
                    break;
                }
                expired.push(request_id.clone());
            }
        }
        let mut out = Vec::new();
        for request_id in expired {
            if let Some(open) = self.take(&request_id) {
                out.extend(self.unmatched(open));
            }
        }
        out
    }

    /// Drops the state of a partition this worker no longer owns. Its waiting events are not
    /// acknowledged, so the partition's next owner reads them again.
    pub fn release(&mut self, partition: i32) {
        for request_id in self
            .arrival
            .remove(&partition)
            .unwrap_or_default()
            .into_values()
        {
            self.open.remove(&request_id);
        }
        self.clock.remove(&partition);
        let closed = &mut self.closed;
        self.closed_order.retain(|(request_id, p)| {
            if *p == partition {
                closed.remove(request_id);
            }
            *p != partition
        });
    }

    fn take(&mut self, request_id: &str) -> Option<Open> {
        let open = self.open.remove(request_id)?;
        if let Some(queue) = self.arrival.get_mut(&open.at.partition) {
            queue.remove(&open.seq);
        }
        Some(open)
    }

    fn evict_oldest(&mut self) -> Vec<Joined> {
        let oldest = self
            .arrival
            .values()
            .filter_map(|q| q.first_key_value())
            .min_by_key(|(seq, _)| **seq)
            .map(|(_, request_id)| request_id.clone());
        let Some(open) = oldest.and_then(|id| self.take(&id)) else {
            return Vec::new();
        };
        self.counters.evicted += 1;
        self.unmatched(open)
    }

    fn close(
        &mut self,
        exchange: Option<Exchange>,
        positions: Vec<Position>,
        event_ids: Vec<String>,
    ) -> Vec<Joined> {
        let Some(exchange) = exchange else {
            return Vec::new();
        };
        let request_id = exchange.header.request_id.clone();
        if self.closed.insert(request_id.clone(), event_ids).is_none() {
            self.closed_order
                .push_back((request_id, positions[0].partition));
            while self.closed_order.len() > self.config.remember_closed {
                if let Some((old, _)) = self.closed_order.pop_front() {
                    self.closed.remove(&old);
                }
            }
        }
        vec![Joined::Row(exchange, positions)]
    }
}

#[cfg(test)]
mod tests {
    use sightline_schemas::{ExchangeStatus, Limits, decode_event};

    use super::*;

    fn event(kind: &str, request_id: &str, ts: i64) -> Event {
        let body = match kind {
            "request" => r#""request": {"prompt": "hi"}"#,
            _ => r#""response": {"status": "ok", "output": "hello"}"#,
        };
        let json = format!(
            r#"{{"schema_version": "1", "event_id": "{kind}-{request_id}", "kind": "{kind}", "request_id": "{request_id}",
                "timestamp": {ts}, "service": "s", "environment": "e", "project": "p",
                "model": {{"provider": "p", "name": "m", "version": "v"}}, "operation": "chat", {body}}}"#
        );
        decode_event(json.as_bytes(), &Limits::default()).expect("valid")
    }

    fn at(offset: i64) -> Position {
        Position {
            partition: 0,
            offset,
        }
    }

    fn statuses(out: &[Joined]) -> Vec<ExchangeStatus> {
        out.iter()
            .filter_map(|j| match j {
                Joined::Row(x, _) => Some(x.status),
                _ => None,
            })
            .collect()
    }

    fn joiner(window_ms: u64, max_open: usize) -> Joiner {
        Joiner::new(JoinConfig {
            window: Duration::from_millis(window_ms),
            max_open,
            remember_closed: 100,
        })
    }

    #[test]
    fn joins_in_either_order_and_computes_latency() {
        let now = Instant::now();
        let mut j = joiner(60_000, 10);
        assert!(
            j.accept(event("request", "a", 1_000), at(0), now)
                .is_empty()
        );
        let out = j.accept(event("response", "a", 1_250), at(1), now);
        let Joined::Row(x, positions) = &out[0] else {
            panic!("a row")
        };
        assert_eq!(
            (x.status, x.latency_ms(), positions.clone()),
            (ExchangeStatus::Ok, Some(250.0), vec![at(0), at(1)])
        );

        assert!(
            j.accept(event("response", "b", 2_400), at(2), now)
                .is_empty()
        );
        let out = j.accept(event("request", "b", 2_000), at(3), now);
        let Joined::Row(x, positions) = &out[0] else {
            panic!("a row")
        };
        assert_eq!(
            (x.latency_ms(), positions.clone()),
            (Some(400.0), vec![at(3), at(2)])
        );
        assert_eq!(j.waiting(), 0);
    }

    #[test]
    fn window_closes_into_lost_and_orphan() {
        let now = Instant::now();
        let mut j = joiner(1_000, 10);
        j.accept(event("request", "a", 0), at(0), now);
        j.accept(event("response", "b", 100), at(1), now);
        assert!(j.expire(now).is_empty(), "nothing is due yet");
        j.accept(event("request", "c", 5_000), at(2), now);
        assert_eq!(
            statuses(&j.expire(now)),
            [ExchangeStatus::Lost, ExchangeStatus::Orphan]
        );
        assert_eq!(
            statuses(&j.expire(now + Duration::from_secs(2))),
            [ExchangeStatus::Lost],
            "wall clock closes quiet windows"
        );
    }

    #[test]
    fn overflow_evicts_the_oldest_as_lost() {
        let now = Instant::now();
        let mut j = joiner(60_000, 2);
        j.accept(event("request", "a", 0), at(0), now);
        j.accept(event("request", "b", 1), at(1), now);
        let out = j.accept(event("request", "c", 2), at(2), now);
        let Joined::Row(x, _) = &out[0] else {
            panic!("a row")
        };
        assert_eq!(
            (x.header.request_id.as_str(), x.status),
            ("a", ExchangeStatus::Lost)
        );
        assert_eq!(j.counters.evicted, 1);
    }

    #[test]
    fn redeliveries_are_acknowledged_and_conflicts_rejected() {
        let now = Instant::now();
        let mut j = joiner(60_000, 10);
        j.accept(event("request", "a", 0), at(0), now);
        assert!(matches!(
            j.accept(event("request", "a", 0), at(1), now)[0],
            Joined::Redelivered(_)
        ));
        let mut conflicting = event("request", "a", 0);
        conflicting.header.event_id = "another".into();
        assert!(matches!(
            j.accept(conflicting.clone(), at(2), now)[0],
            Joined::Duplicate(..)
        ));
        j.accept(event("response", "a", 5), at(3), now);
        assert!(matches!(
            j.accept(event("response", "a", 5), at(4), now)[0],
            Joined::Redelivered(_)
        ));
        assert!(matches!(
            j.accept(conflicting, at(5), now)[0],
            Joined::Duplicate(..)
        ));
        assert_eq!((j.counters.duplicates, j.counters.redelivered), (2, 2));
    }

    #[test]
    fn release_forgets_a_partition() {
        let now = Instant::now();
        let mut j = joiner(60_000, 10);
        j.accept(event("request", "a", 0), at(0), now);
        j.release(0);
        assert_eq!(j.waiting(), 0);
        assert!(j.expire(now + Duration::from_secs(120)).is_empty());
    }
}
