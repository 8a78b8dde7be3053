//! The HTTP API, the dashboard page, Prometheus exposition and API-key authentication.
