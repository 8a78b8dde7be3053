//! Every route the API serves, with who may call it and what it takes: the one list both the
//! access check and the OpenAPI document are built from, so neither can drift from the other.

use axum::http::Method;

use crate::keys::Scope;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health checks and the dashboard's empty shell.
    Open,
    /// A key with this scope.
    Key(Scope),
    /// A key with read scope, unless the operator opened this part of the API.
    Openable(Part),
}

/// Parts of the API an operator may open to callers without a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    OpenApi,
    Metrics,
    /// The dashboard's reads.
    Dashboard,
}

impl Part {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "openapi" => Ok(Self::OpenApi),
            "metrics" => Ok(Self::Metrics),
            "dashboard" => Ok(Self::Dashboard),
            other => Err(format!(
                "api.open: unknown part {other:?}; use openapi, metrics or dashboard"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
}

#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub at: In,
    pub about: &'static str,
}

#[derive(Debug)]
pub struct Route {
    pub method: Method,
    /// In axum's form, `{name}` for a path parameter.
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub params: &'static [Param],
    /// What the body holds, for routes that take one.
    pub body: Option<&'static str>,
}

const fn q(name: &'static str, about: &'static str) -> Param {
    Param {
        name,
        at: In::Query,
        about,
    }
}

const fn p(name: &'static str, about: &'static str) -> Param {
    Param {
        name,
        at: In::Path,
        about,
    }
}

const READ: Access = Access::Openable(Part::Dashboard);
const ADMIN: Access = Access::Key(Scope::Admin);

const WINDOW: Param = q("window", "how far back from now: 15m, 1h, 24h (default 1h)");
const MODEL: Param = q("model", "only this model");
const VERSION: Param = q("version", "only this model version");
const SERVICE: Param = q("service", "only this service");
const LIMIT: Param = q("limit", "rows per page, 1 to 500 (default 50)");
const CURSOR: Param = q("cursor", "next_cursor from the previous page");

pub const ROUTES: &[Route] = &[
    Route {
        method: Method::GET,
        path: "/healthz",
        access: Access::Open,
        summary: "the process is up",
        params: &[],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/readyz",
        access: Access::Open,
        summary: "the store answers queries",
        params: &[],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/",
        access: Access::Open,
        summary: "the dashboard page (it asks for a key)",
        params: &[],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/dashboard.js",
        access: Access::Open,
        summary: "the dashboard's script",
        params: &[],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/dashboard.css",
        access: Access::Open,
        summary: "the dashboard's style sheet",
        params: &[],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/openapi.json",
        access: Access::Openable(Part::OpenApi),
        summary: "this document",
        params: &[],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/metrics",
        access: Access::Openable(Part::Metrics),
        summary: "Prometheus exposition of the API (and, embedded, the pipeline)",
        params: &[],
        body: None,
    },
    Route {
        method: Method::POST,
        path: "/v1/events",
        access: Access::Key(Scope::Ingest),
        summary: "publish events: a JSON array or NDJSON; invalid ones go to the dead-letter queue",
        params: &[],
        body: Some("events, as a JSON array or one per line"),
    },
    Route {
        method: Method::POST,
        path: "/v1/traces",
        access: Access::Key(Scope::Ingest),
        summary: "OTLP/HTTP trace export (protobuf or OTLP/JSON, gzip allowed); LLM-call spans become completion events",
        params: &[],
        body: Some("an ExportTraceServiceRequest, as application/x-protobuf or application/json"),
    },
    Route {
        method: Method::POST,
        path: "/v1/sql",
        access: Access::Key(Scope::Read),
        summary: "run read-only SQL",
        params: &[],
        body: Some("{\"sql\": \"SELECT ...\", \"format\": \"json|csv|arrow\"}"),
    },
    Route {
        method: Method::GET,
        path: "/v1/traces",
        access: READ,
        summary: "exchanges, newest first, a page at a time",
        params: &[
            MODEL,
            VERSION,
            SERVICE,
            q("status", "ok, error, lost or orphan"),
            q("from", "RFC 3339 time or a duration back from now"),
            q("to", "RFC 3339 time or a duration back from now"),
            q("min_latency", "milliseconds"),
            q("label", "KEY:VALUE from the events' attributes"),
            LIMIT,
            CURSOR,
        ],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/traces/{id}",
        access: READ,
        summary: "by request id, one exchange with its evaluations, feedback and trace; by trace id, the trace's exchanges as a tree",
        params: &[p("id", "a request id, or a trace id")],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/metrics/summary",
        access: READ,
        summary: "requests, error and lost rates, latency quantiles, tokens, cost and offensive rate",
        params: &[
            WINDOW,
            q(
                "group_by",
                "any of model, version, service, project, comma-separated",
            ),
            MODEL,
            VERSION,
            SERVICE,
        ],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/experiments/compare",
        access: READ,
        summary: "arms of traffic against the control: each metric's difference, 95 % interval and p-value, and the sample a fixed-horizon test needs",
        params: &[
            q(
                "by",
                "model_version, model or attributes.KEY: what splits traffic into arms",
            ),
            q(
                "arms",
                "two or more arms, comma-separated, the control first",
            ),
            q(
                "from",
                "requests from this time: RFC 3339, or a duration back from now (default: all)",
            ),
            q(
                "to",
                "requests before this time, in the same forms (default: now)",
            ),
            q(
                "minimum_detectable_effect",
                "the relative change the sample sizes are for (default 0.1)",
            ),
        ],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/metrics/timeseries",
        access: READ,
        summary: "the summary's figures per time step",
        params: &[
            WINDOW,
            q(
                "step",
                "bucket width: 10s to 1d (default: the window over 60)",
            ),
            MODEL,
            VERSION,
            SERVICE,
        ],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/filters",
        access: READ,
        summary: "models, versions and services seen in the last 7 days",
        params: &[],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/deployments",
        access: READ,
        summary: "model version changes reported by inference nodes",
        params: &[WINDOW, MODEL],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/drift",
        access: READ,
        summary: "drift reports: the latest verdict per feature and the history",
        params: &[WINDOW, MODEL],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/drift/baselines",
        access: READ,
        summary: "pinned drift baselines",
        params: &[],
        body: None,
    },
    Route {
        method: Method::POST,
        path: "/v1/drift/baselines",
        access: ADMIN,
        summary: "pin a stretch of history as a drift baseline",
        params: &[],
        body: Some("{\"name\", \"from\", \"to\", \"filter\": {\"model\": \"...\"}}"),
    },
    Route {
        method: Method::DELETE,
        path: "/v1/drift/baselines/{name}",
        access: ADMIN,
        summary: "delete a baseline",
        params: &[p("name", "the baseline's name")],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/alerts",
        access: READ,
        summary: "active alerts and their history",
        params: &[WINDOW],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/alert-rules",
        access: READ,
        summary: "the alert rules",
        params: &[],
        body: None,
    },
    Route {
        method: Method::POST,
        path: "/v1/alert-rules",
        access: ADMIN,
        summary: "add a rule; 422 with the rule parser's problems if it is not valid",
        params: &[],
        body: Some(
            "a rule: name, expr, window, for, severity, labels, annotations, action, cooldown, min_samples",
        ),
    },
    Route {
        method: Method::GET,
        path: "/v1/alert-rules/{name}",
        access: READ,
        summary: "one rule",
        params: &[p("name", "the rule's name")],
        body: None,
    },
    Route {
        method: Method::PUT,
        path: "/v1/alert-rules/{name}",
        access: ADMIN,
        summary: "replace a rule",
        params: &[p("name", "the rule's name")],
        body: Some("a rule, as for POST"),
    },
    Route {
        method: Method::DELETE,
        path: "/v1/alert-rules/{name}",
        access: ADMIN,
        summary: "delete a rule",
        params: &[p("name", "the rule's name")],
        body: None,
    },
    Route {
        method: Method::GET,
        path: "/v1/dlq",
        access: READ,
        summary: "dead letters, newest first, with their reasons",
        params: &[LIMIT, CURSOR],
        body: None,
    },
    Route {
        method: Method::POST,
        path: "/v1/dlq/replay",
        access: ADMIN,
        summary: "publish fixed events again; only valid ones are published",
        params: &[],
        body: Some("{\"events\": [event, ...]}"),
    },
];
