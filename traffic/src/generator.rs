//! A deterministic generator of realistic LLM traffic: paired requests and responses interleaved in
//! time, completions, feedback, errors, heavy-tailed latency and an optional share of toxic outputs.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap, VecDeque},
};

use rand::{Rng, SeedableRng, distr::weighted::WeightedIndex, prelude::Distribution, rngs::StdRng};
use rand_distr::{Exp, LogNormal, Pareto};
use sightline_schemas::{
    ErrorInfo, Event, Feedback, Header, Message, ModelRef, NanoUsd, Payload, RequestBody,
    ResponseBody, ResponseStatus, Timestamp, Timings, Usage,
};

use crate::catalog::{
    DEPLOYMENTS, Deployment, ERRORS, OUTPUTS, PROMPTS, REGIONS, SERVICES, TENANTS,
};

/// Simulated arrivals per second; sets how far apart event timestamps are.
const ARRIVALS_PER_SECOND: f64 = 200.0;
const COMPLETION_SHARE: f64 = 0.2;
const ERROR_SHARE: f64 = 0.02;
const FEEDBACK_SHARE: f64 = 0.05;

/// A seeded, endless stream of events in time order: requests, their responses, and feedback.
#[derive(Debug)]
pub struct Traffic {
    rng: StdRng,
    clock_ms: f64,
    /// Events due later (responses, feedback), by due time then sequence, so output stays in time order.
    later: BinaryHeap<Reverse<(i64, u64)>>,
    later_events: BTreeMap<u64, Event>,
    next_seq: u64,
    ready: VecDeque<Event>,
    toxic: Vec<String>,
    toxic_share: f64,
    deployments: WeightedIndex<u32>,
    errors: WeightedIndex<u32>,
    /// Event time from which traffic drifts (slower, longer answers), if it does.
    drift_from_ms: Option<i64>,
    arrivals_per_second: f64,
}

impl Traffic {
    pub fn new(seed: u64, start: Timestamp, toxic: Vec<String>, toxic_share: f64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            clock_ms: start.millis() as f64,
            later: BinaryHeap::new(),
            later_events: BTreeMap::new(),
            next_seq: 0,
            ready: VecDeque::new(),
            toxic,
            toxic_share,
            deployments: WeightedIndex::new(DEPLOYMENTS.iter().map(|d| d.weight)).expect("weights"),
            errors: WeightedIndex::new(ERRORS.iter().map(|e| e.2)).expect("weights"),
            drift_from_ms: None,
            arrivals_per_second: ARRIVALS_PER_SECOND,
        }
    }

    /// Exchanges begin this often in event time, so that traffic sent at a set rate carries event
    /// times that keep pace with the clock.
    pub fn arrivals_per_second(&mut self, rate: f64) {
        self.arrivals_per_second = rate;
    }

    /// From event time `at_ms` on, latency is 2.5 times as long and outputs 2.5 times as many
    /// tokens: the kind of change a new model version or a new prompt template brings.
    pub fn drift_from(&mut self, at_ms: i64) {
        self.drift_from_ms = Some(at_ms);
    }

    fn drifted(&self) -> bool {
        self.drift_from_ms
            .is_some_and(|at| self.clock_ms as i64 >= at)
    }

    fn id(&mut self, hex_digits: usize) -> String {
        let bytes: [u8; 16] = self.rng.random();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        hex[..hex_digits].to_owned()
    }

    fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.random())
            .into_uuid()
            .to_string()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    fn schedule(&mut self, due_ms: i64, event: Event) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.later.push(Reverse((due_ms, seq)));
        self.later_events.insert(seq, event);
    }

    fn release_due(&mut self, now_ms: i64) {
        while let Some(Reverse((due, seq))) = self.later.peek().copied() {
            if due > now_ms {
                break;
            }
            self.later.pop();
            self.ready.extend(self.later_events.remove(&seq));
        }
    }

    fn next_exchange(&mut self) {
        let gap = Exp::new(self.arrivals_per_second / 1000.0)
            .expect("rate")
            .sample(&mut self.rng);
        self.clock_ms += gap;
        let start = self.clock_ms as i64;
        self.release_due(start);

        let deployment = &DEPLOYMENTS[self.deployments.sample(&mut self.rng)];
        let header = self.header(deployment, start);
        let request = self.request();
        let (response, latency) = self.response(deployment, &request);
        let end = start + latency.round() as i64;

        if self.rng.random_bool(COMPLETION_SHARE) {
            let mut header = header.clone();
            header.timestamp = Timestamp(end);
            self.schedule(
                end,
                Event {
                    header,
                    payload: Payload::Completion {
                        request,
                        response: response.clone(),
                    },
                },
            );
        } else {
            self.ready.push_back(Event {
                header: header.clone(),
                payload: Payload::Request { request },
            });
            let mut response_header = header.clone();
            response_header.event_id = self.uuid();
            response_header.timestamp = Timestamp(end);
            self.schedule(
                end,
                Event {
                    header: response_header,
                    payload: Payload::Response {
                        response: response.clone(),
                    },
                },
            );
        }
        if response.status == ResponseStatus::Ok && self.rng.random_bool(FEEDBACK_SHARE) {
            let toxic = response
                .output
                .as_deref()
                .is_some_and(|o| self.toxic.iter().any(|t| t == o));
            let negative = self.rng.random_bool(if toxic { 0.8 } else { 0.25 });
            let at = end + self.rng.random_range(2_000..60_000);
            let mut h = header;
            h.event_id = self.uuid();
            h.timestamp = Timestamp(at);
            h.model = None;
            h.operation = None;
            let feedback = Feedback {
                score: if negative { -1.0 } else { 1.0 },
                label: Some(if negative { "thumbs_down" } else { "thumbs_up" }.into()),
                comment: None,
            };
            self.schedule(
                at,
                Event {
                    header: h,
                    payload: Payload::Feedback { feedback },
                },
            );
        }
    }

    fn header(&mut self, d: &Deployment, at_ms: i64) -> Header {
        let service = self.pick(SERVICES);
        let user = self.rng.random_range(0..500);
        let attributes = [
            ("tenant", self.pick(TENANTS)),
            ("region", self.pick(REGIONS)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Header {
            schema_version: "1".into(),
            event_id: self.uuid(),
            request_id: self.uuid(),
            timestamp: Timestamp(at_ms),
            service: service.into(),
            environment: if self.rng.random_bool(0.9) {
                "production"
            } else {
                "staging"
            }
            .into(),
            project: "default".into(),
            model: Some(ModelRef {
                provider: d.provider.into(),
                name: d.model.into(),
                version: d.version.into(),
            }),
            operation: Some("chat".into()),
            trace_id: Some(self.id(32)),
            span_id: Some(self.id(16)),
            parent_span_id: None,
            session_id: Some(format!("sess-{}", self.rng.random_range(0..2_000))),
            user_id: Some(format!("user-{user}")),
            attributes,
        }
    }

    fn request(&mut self) -> RequestBody {
        let prompt = self.pick(PROMPTS).to_owned();
        let mut params = serde_json::Map::new();
        params.insert(
            "temperature".into(),
            (f64::from(self.rng.random_range(0..=10u8)) / 10.0).into(),
        );
        params.insert("max_tokens".into(), 1024.into());
        params.insert("stream".into(), self.rng.random_bool(0.6).into());
        if self.rng.random_bool(0.5) {
            RequestBody {
                prompt: Some(prompt),
                messages: Vec::new(),
                params,
            }
        } else {
            let messages = vec![
                Message {
                    role: "system".into(),
                    content: "You are a helpful assistant.".into(),
                },
                Message {
                    role: "user".into(),
                    content: prompt,
                },
            ];
            RequestBody {
                prompt: None,
                messages,
                params,
            }
        }
    }

    /// The response and its latency in milliseconds.
    fn response(&mut self, d: &Deployment, request: &RequestBody) -> (ResponseBody, f64) {
        let input_tokens = sample_tokens(&mut self.rng, 350.0, 0.9, 20, 32_000);
        if self.rng.random_bool(ERROR_SHARE) {
            let (kind, message, _) = ERRORS[self.errors.sample(&mut self.rng)];
            let latency = if kind == "timeout" {
                30_000.0
            } else {
                self.rng.random_range(20.0..400.0)
            };
            let response = ResponseBody {
                status: ResponseStatus::Error,
                output: None,
                finish_reasons: Vec::new(),
                error: Some(ErrorInfo {
                    kind: kind.into(),
                    message: Some(message.into()),
                }),
                usage: Usage {
                    input_tokens: Some(input_tokens),
                    ..Usage::default()
                },
                timings: Timings {
                    latency_ms: Some(latency),
                    ..Timings::default()
                },
                cost_usd: None,
            };
            return (response, latency);
        }
        let max_tokens = request
            .params
            .get("max_tokens")
            .and_then(|v| v.as_u64())
            .unwrap_or(1024);
        let drift = if self.drifted() { 2.5 } else { 1.0 };
        let output_tokens = sample_tokens(&mut self.rng, 180.0 * drift, 0.8, 1, max_tokens);
        let mut latency = LogNormal::new((d.median_latency_ms * drift).ln(), 0.5)
            .expect("lognormal")
            .sample(&mut self.rng);
        // Roughly one call in fifty hits a slow path: a cold cache, a retry upstream, a long queue.
        if self.rng.random_bool(0.02) {
            latency *= Pareto::new(1.0_f64, 1.5)
                .expect("pareto")
                .sample(&mut self.rng)
                .min(40.0);
        }
        let toxic = !self.toxic.is_empty() && self.rng.random_bool(self.toxic_share);
        let output = if toxic {
            self.pick_toxic()
        } else {
            self.pick(OUTPUTS).to_owned()
        };
        let cost_usd = d.supplied_price.map(|(input_price, output_price)| {
            // Micro-USD per million tokens, so nano-USD per token is price / 1000.
            NanoUsd(((input_tokens * input_price + output_tokens * output_price) / 1000) as i64)
        });
        let streamed = request
            .params
            .get("stream")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let response = ResponseBody {
            status: ResponseStatus::Ok,
            output: Some(output),
            finish_reasons: vec![
                if output_tokens >= max_tokens {
                    "length"
                } else {
                    "stop"
                }
                .into(),
            ],
            error: None,
            usage: Usage {
                input_tokens: Some(input_tokens),
                output_tokens: Some(output_tokens),
                cache_read_input_tokens: Some(if self.rng.random_bool(0.3) {
                    input_tokens / 2
                } else {
                    0
                }),
                reasoning_tokens: None,
            },
            timings: Timings {
                latency_ms: Some((latency * 10.0).round() / 10.0),
                time_to_first_chunk_ms: streamed
                    .then(|| (latency * self.rng.random_range(0.08..0.25)).round()),
                queue_ms: None,
            },
            cost_usd,
        };
        (response, latency)
    }

    fn pick_toxic(&mut self) -> String {
        self.toxic[self.rng.random_range(0..self.toxic.len())].clone()
    }
}

fn sample_tokens(rng: &mut StdRng, median: f64, sigma: f64, min: u64, max: u64) -> u64 {
    let x = LogNormal::new(median.ln(), sigma)
        .expect("lognormal")
        .sample(rng);
    (x.round() as u64).clamp(min, max)
}

impl Iterator for Traffic {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        while self.ready.is_empty() {
            self.next_exchange();
        }
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use sightline_schemas::{EventKind, Limits, decode_event};

    use super::*;

    fn take(seed: u64, n: usize) -> Vec<Event> {
        Traffic::new(
            seed,
            Timestamp(1_767_225_600_000),
            vec!["offensive text".into()],
            0.5,
        )
        .take(n)
        .collect()
    }

    #[test]
    fn same_seed_same_events() {
        assert_eq!(take(7, 500), take(7, 500));
        assert_ne!(take(7, 50), take(8, 50));
    }

    #[test]
    fn every_event_is_valid_and_kinds_are_mixed() {
        let events = take(1, 5_000);
        let mut kinds = BTreeMap::new();
        for event in &events {
            let json = serde_json::to_vec(event).expect("json");
            decode_event(&json, &Limits::default()).expect("generated events are valid");
            *kinds.entry(event.kind().as_str()).or_insert(0) += 1;
        }
        for kind in EventKind::ALL {
            assert!(
                kinds.get(kind.as_str()).copied().unwrap_or(0) > 0,
                "no {kind:?} in {kinds:?}"
            );
        }
    }

    #[test]
    fn responses_follow_their_requests() {
        let events = take(3, 5_000);
        let mut requested = std::collections::HashSet::new();
        for event in &events {
            match event.kind() {
                EventKind::Request => assert!(requested.insert(event.header.request_id.clone())),
                EventKind::Response => assert!(requested.contains(&event.header.request_id)),
                _ => {}
            }
        }
    }
}
