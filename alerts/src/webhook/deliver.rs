//! Sending one webhook: signed, with a timeout per attempt, retried with exponential backoff and
//! jitter up to a cap on attempts, each attempt reported as a `webhook_deliveries` row.

use std::time::{Duration, Instant};

use rand::Rng;
use sightline_schemas::{Timestamp, alert_tables::WebhookDelivery};

use super::{
    allow::Allowlist,
    sign::{IDEMPOTENCY_HEADER, SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, sign},
};

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub timeout: Duration,
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles each time, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

/// One webhook to send.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// With the alert's labels filled in; the template as written when they could not be.
    pub url: String,
    /// Why the URL could not be filled, if it could not: the delivery fails without a request.
    pub unfillable: Option<String>,
    pub body: Vec<u8>,
    /// The same for every delivery of the same notification, so receivers can drop repeats.
    pub idempotency_key: String,
    pub rule: String,
    pub action: String,
    /// For a rollback: the version it rolls back from. The receiver's answer must name another
    /// `active_version` for the rollback to count as confirmed.
    pub rollback_from: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    secret: Secret,
    allow: Allowlist,
    policy: RetryPolicy,
}

enum Attempt {
    Ok(u16, String),
    Retry(Option<u16>, String),
    Fail(Option<u16>, String),
}

impl Sender {
    pub fn new(
        secret: Secret,
        allow: Allowlist,
        policy: RetryPolicy,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            // A redirect could lead off the allowlist.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sightline/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            secret,
            allow,
            policy,
        })
    }

    /// Sends until a 2xx, a refusal that a retry cannot change, or the last attempt; whether it
    /// got through. Each attempt is logged and handed to `record` as it ends.
    pub async fn send(&self, delivery: &Delivery, mut record: impl FnMut(WebhookDelivery)) -> bool {
        let delivery_id = uuid::Uuid::new_v4().to_string();
        let shown = shown_url(&delivery.url);
        let mut row = |attempt: u32,
                       status: Option<u16>,
                       ok: bool,
                       error: Option<String>,
                       took: Duration,
                       detail: Option<String>| {
            tracing::info!(
                rule = %delivery.rule,
                action = %delivery.action,
                url = %shown,
                attempt,
                status = status.map(i64::from).unwrap_or(-1),
                ok,
                error = error.as_deref().unwrap_or(""),
                "webhook attempt"
            );
            record(WebhookDelivery {
                time: Timestamp::now(),
                delivery_id: delivery_id.clone(),
                idempotency_key: delivery.idempotency_key.clone(),
                rule: delivery.rule.clone(),
                action: delivery.action.clone(),
                url: shown.clone(),
                attempt,
                status_code: status,
                ok,
                error,
                duration_ms: took.as_secs_f64() * 1000.0,
                detail,
            });
        };
        let url = match delivery
            .unfillable
            .clone()
            .map_or(Ok(()), Err)
            .and_then(|()| {
                reqwest::Url::parse(&delivery.url)
                    .map_err(|e| format!("{shown:?} is not a URL: {e}"))
            })
            .and_then(|u| self.allow.check(&u).map(|()| u))
        {
            Ok(u) => u,
            Err(refused) => {
                row(1, None, false, Some(refused), Duration::ZERO, None);
                return false;
            }
        };
        let mut wait = self.policy.backoff.min(self.policy.max_backoff);
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self.attempt(&url, delivery).await;
            let took = started.elapsed();
            match result {
                Attempt::Ok(status, body) => {
                    let detail = delivery
                        .rollback_from
                        .as_deref()
                        .map(|from| confirm_rollback(&body, from));
                    if let Some(d) = &detail {
                        tracing::info!(rule = %delivery.rule, detail = %d, "rollback result");
                    }
                    row(attempt, Some(status), true, None, took, detail);
                    return true;
                }
                Attempt::Fail(status, error) => {
                    row(attempt, status, false, Some(error), took, None);
                    return false;
                }
                Attempt::Retry(status, error) => {
                    row(attempt, status, false, Some(error), took, None);
                    if attempt >= self.policy.max_attempts {
                        return false;
                    }
                }
            }
            // Jitter over the upper half of the wait, so alerts that failed together spread out.
            let jittered = wait.mul_f64(rand::rng().random_range(0.5..=1.0));
            tokio::time::sleep(jittered).await;
            wait = (wait * 2).min(self.policy.max_backoff);
            attempt += 1;
        }
    }

    async fn attempt(&self, url: &reqwest::Url, delivery: &Delivery) -> Attempt {
        let now = Timestamp::now().millis().div_euclid(1000);
        let request = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, now.to_string())
            .header(SIGNATURE_HEADER, sign(&self.secret, now, &delivery.body))
            .header(IDEMPOTENCY_HEADER, &delivery.idempotency_key)
            .body(delivery.body.clone());
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(None, describe(&e)),
        };
        let status = response.status();
        let code = status.as_u16();
        let body = response.text().await.unwrap_or_default();
        let excerpt: String = body.chars().take(200).collect();
        if status.is_success() {
            Attempt::Ok(code, body)
        } else if status.is_server_error() || code == 408 || code == 429 {
            Attempt::Retry(Some(code), format!("HTTP {code}: {excerpt}"))
        } else {
            Attempt::Fail(Some(code), format!("HTTP {code}: {excerpt}"))
        }
    }
}

/// Whether the receiver reports a different active version than the one rolled back from.
fn confirm_rollback(response: &str, from: &str) -> String {
    let active = serde_json::from_str::<serde_json::Value>(response)
        .ok()
        .and_then(|v| v.get("active_version")?.as_str().map(str::to_owned));
    match active {
        Some(v) if v != from => format!("confirmed: active version {v} (was {from})"),
        Some(v) => format!("not confirmed: active version is still {v}"),
        None => "not confirmed: the response names no active_version".into(),
    }
}

/// The URL without what may carry a credential (user, password, query, fragment), for logs and
/// rows.
fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or(url).to_owned(),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // reqwest's message names the URL, query included; the kind and the cause are enough.
    let cause = std::error::Error::source(e)
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("{kind}: {cause}")
}
