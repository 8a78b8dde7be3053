//! The joined exchange: one request and its response, as one row of `llm_events`.

use crate::{
    event::{Event, Header, Payload, RequestBody, ResponseBody, ResponseStatus},
    timestamp::Timestamp,
};

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangeStatus {
    Ok,
    Error,
    /// The request's response never arrived within the join window.
    Lost,
    /// A response whose request never arrived.
    Orphan,
}

impl ExchangeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Lost => "lost",
            Self::Orphan => "orphan",
        }
    }

    fn of<S>(response: &ResponseBody<S>) -> Self {
        match response.status {
            ResponseStatus::Ok => Self::Ok,
            ResponseStatus::Error => Self::Error,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exchange<S = String> {
    /// The header of the event that closed the exchange; its `event_id` is the row's dedup key.
    pub header: Header<S>,
    pub status: ExchangeStatus,
    pub request_time: Option<Timestamp>,
    pub response_time: Option<Timestamp>,
    pub request: Option<RequestBody<S>>,
    pub response: Option<ResponseBody<S>>,
}

impl<S: Ord> Exchange<S> {
    /// A request joined to its response.
    pub fn joined(request: Event<S>, response: Event<S>) -> Option<Self> {
        let (Payload::Request { request: req }, Payload::Response { response: resp }) =
            (request.payload, response.payload)
        else {
            return None;
        };
        Some(Self {
            status: ExchangeStatus::of(&resp),
            request_time: Some(request.header.timestamp),
            response_time: Some(response.header.timestamp),
            header: merge_headers(request.header, response.header),
            request: Some(req),
            response: Some(resp),
        })
    }

    /// An event that is already a whole exchange.
    pub fn completion(event: Event<S>) -> Option<Self> {
        let Payload::Completion { request, response } = event.payload else {
            return None;
        };
        Some(Self {
            status: ExchangeStatus::of(&response),
            request_time: None,
            response_time: Some(event.header.timestamp),
            header: event.header,
            request: Some(request),
            response: Some(response),
        })
    }

    /// A request whose response never came.
    pub fn lost(event: Event<S>) -> Option<Self> {
        let Payload::Request { request } = event.payload else {
            return None;
        };
        Some(Self {
            status: ExchangeStatus::Lost,
            request_time: Some(event.header.timestamp),
            response_time: None,
            header: event.header,
            request: Some(request),
            response: None,
        })
    }

    /// A response whose request never came.
    pub fn orphan(event: Event<S>) -> Option<Self> {
        let Payload::Response { response } = event.payload else {
            return None;
        };
        Some(Self {
            status: ExchangeStatus::Orphan,
            request_time: None,
            response_time: Some(event.header.timestamp),
            header: event.header,
            request: None,
            response: Some(response),
        })
    }
}

impl<S> Exchange<S> {
    /// The time the exchange is filed under: when it started, or when it was seen.
    pub fn time(&self) -> Timestamp {
        self.request_time
            .or(self.response_time)
            .unwrap_or(self.header.timestamp)
    }

    /// End-to-end latency: the publisher's measurement if it gave one, else the gap between the
    /// request and response events.
    pub fn latency_ms(&self) -> Option<f64> {
        let measured = self.response.as_ref().and_then(|r| r.timings.latency_ms);
        measured.or_else(|| match (self.request_time, self.response_time) {
            (Some(start), Some(end)) if end >= start => {
                Some((end.millis() - start.millis()) as f64)
            }
            _ => None,
        })
    }
}

/// The response's header wins, but fields only the request carried survive.
fn merge_headers<S: Ord>(request: Header<S>, mut response: Header<S>) -> Header<S> {
    response.model = response.model.or(request.model);
    response.operation = response.operation.or(request.operation);
    response.trace_id = response.trace_id.or(request.trace_id);
    response.span_id = response.span_id.or(request.span_id);
    response.parent_span_id = response.parent_span_id.or(request.parent_span_id);
    response.session_id = response.session_id.or(request.session_id);
    response.user_id = response.user_id.or(request.user_id);
    for (k, v) in request.attributes {
        response.attributes.entry(k).or_insert(v);
    }
    response
}
