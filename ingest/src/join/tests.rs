//! The join against hand-made requests and responses: either order, windows, eviction, repeats.

use sightline_schemas::{ExchangeStatus, Limits, decode_view};

use super::*;

fn event(kind: &str, request_id: &str, ts: i64) -> EventView<'static> {
    let body = match kind {
        "request" => r#""request": {"prompt": "hi"}"#,
        _ => r#""response": {"status": "ok", "output": "hello"}"#,
    };
    let json = format!(
        r#"{{"schema_version": "1", "event_id": "{kind}-{request_id}", "kind": "{kind}", "request_id": "{request_id}",
            "timestamp": {ts}, "service": "s", "environment": "e", "project": "p",
            "model": {{"provider": "p", "name": "m", "version": "v"}}, "operation": "chat", {body}}}"#
    );
    decode_view(json.as_bytes(), &Limits::default())
        .expect("valid")
        .into_static()
}

fn at(offset: i64) -> Position {
    Position {
        partition: 0,
        offset,
    }
}

/// An outcome, copied out of the callback.
#[derive(Debug, PartialEq)]
enum Out {
    Row {
        status: ExchangeStatus,
        request_id: String,
        latency_ms: Option<f64>,
        positions: Vec<Position>,
    },
    Feedback,
    Duplicate,
    Redelivered,
}

impl Out {
    fn of(joined: Joined<'_>) -> Self {
        match joined {
            Joined::Row(x, positions) => Self::Row {
                status: x.status,
                request_id: x.header.request_id.to_string(),
                latency_ms: x.latency_ms(),
                positions: positions.to_vec(),
            },
            Joined::Feedback(..) => Self::Feedback,
            Joined::Duplicate(..) => Self::Duplicate,
            Joined::Redelivered(_) => Self::Redelivered,
        }
    }

    fn status(&self) -> Option<ExchangeStatus> {
        match self {
            Self::Row { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn accept(j: &mut Joiner, event: EventView<'_>, at: Position, now: Instant) -> Vec<Out> {
    let mut out = Vec::new();
    j.accept(event, at, now, &mut |x| out.push(Out::of(x)));
    out
}

fn expire(j: &mut Joiner, now: Instant) -> Vec<Option<ExchangeStatus>> {
    let mut out = Vec::new();
    j.expire(now, &mut |x| out.push(Out::of(x).status()));
    out
}

fn joiner(window_ms: u64, max_open: usize) -> Joiner {
    Joiner::new(JoinConfig {
        window: Duration::from_millis(window_ms),
        max_open,
        remember_closed: 100,
    })
}

fn row(request_id: &str, latency_ms: f64, positions: [Position; 2]) -> Out {
    Out::Row {
        status: ExchangeStatus::Ok,
        request_id: request_id.into(),
        latency_ms: Some(latency_ms),
        positions: positions.to_vec(),
    }
}

#[test]
fn joins_in_either_order_and_computes_latency() {
    let now = Instant::now();
    let mut j = joiner(60_000, 10);
    assert_eq!(accept(&mut j, event("request", "a", 1_000), at(0), now), []);
    assert_eq!(
        accept(&mut j, event("response", "a", 1_250), at(1), now),
        [row("a", 250.0, [at(0), at(1)])]
    );
    assert_eq!(
        accept(&mut j, event("response", "b", 2_400), at(2), now),
        []
    );
    assert_eq!(
        accept(&mut j, event("request", "b", 2_000), at(3), now),
        [row("b", 400.0, [at(3), at(2)])]
    );
    assert_eq!(j.waiting(), 0);
}

#[test]
fn window_closes_into_lost_and_orphan() {
    let now = Instant::now();
    let mut j = joiner(1_000, 10);
    accept(&mut j, event("request", "a", 0), at(0), now);
    accept(&mut j, event("response", "b", 100), at(1), now);
    assert_eq!(expire(&mut j, now), [], "nothing is due yet");
    accept(&mut j, event("request", "c", 5_000), at(2), now);
    assert_eq!(
        expire(&mut j, now),
        [Some(ExchangeStatus::Lost), Some(ExchangeStatus::Orphan)]
    );
    assert_eq!(
        expire(&mut j, now + Duration::from_secs(2)),
        [Some(ExchangeStatus::Lost)],
        "wall clock closes quiet windows"
    );
}

#[test]
fn overflow_evicts_the_oldest_as_lost() {
    let now = Instant::now();
    let mut j = joiner(60_000, 2);
    accept(&mut j, event("request", "a", 0), at(0), now);
    accept(&mut j, event("request", "b", 1), at(1), now);
    assert_eq!(
        accept(&mut j, event("request", "c", 2), at(2), now),
        [Out::Row {
            status: ExchangeStatus::Lost,
            request_id: "a".into(),
            latency_ms: None,
            positions: vec![at(0)],
        }]
    );
    assert_eq!(j.counters.evicted, 1);
}

#[test]
fn redeliveries_are_acknowledged_and_conflicts_rejected() {
    let now = Instant::now();
    let mut j = joiner(60_000, 10);
    accept(&mut j, event("request", "a", 0), at(0), now);
    assert_eq!(
        accept(&mut j, event("request", "a", 0), at(1), now),
        [Out::Redelivered]
    );
    let mut conflicting = event("request", "a", 0);
    conflicting.header.event_id = "another".into();
    assert_eq!(
        accept(&mut j, conflicting.clone(), at(2), now),
        [Out::Duplicate]
    );
    accept(&mut j, event("response", "a", 5), at(3), now);
    assert_eq!(
        accept(&mut j, event("response", "a", 5), at(4), now),
        [Out::Redelivered]
    );
    assert_eq!(accept(&mut j, conflicting, at(5), now), [Out::Duplicate]);
    assert_eq!((j.counters.duplicates, j.counters.redelivered), (2, 2));
}

#[test]
fn release_forgets_a_partition() {
    let now = Instant::now();
    let mut j = joiner(60_000, 10);
    accept(&mut j, event("request", "a", 0), at(0), now);
    j.release(0);
    assert_eq!(j.waiting(), 0);
    assert_eq!(expire(&mut j, now + Duration::from_secs(120)), []);
}
