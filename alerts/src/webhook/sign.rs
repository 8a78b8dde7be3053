//! Webhook signatures: HMAC-SHA256 over `"{timestamp}.{body}"`, sent as `v1=<hex>` beside the
//! Unix timestamp it covers. A receiver recomputes it, compares in constant time, and refuses a
//! request whose timestamp is more than five minutes from its own clock, so a captured request
//! cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-sightline-signature";
pub const TIMESTAMP_HEADER: &str = "x-sightline-timestamp";
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// How far a request's timestamp may be from the receiver's clock.
pub const TOLERANCE_SECS: i64 = 300;

/// A signing key. It never prints.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Option<Self> {
        let bytes = bytes.into();
        (!bytes.is_empty()).then_some(Self(bytes))
    }

    /// Over the timestamp as written in the header, as receivers in other languages compute it.
    fn mac(&self, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The signature header's value for a body sent at `timestamp` (Unix seconds).
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    let tag = secret
        .mac(&timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the timestamp {0:?} is not Unix seconds")]
    BadTimestamp(String),
    #[error("the timestamp is {0} s from now; at most {TOLERANCE_SECS} s is accepted")]
    Stale(i64),
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Checks a request's signature headers against its raw body at `now` (Unix seconds). The
/// signature header may list several comma-separated `v1=` values, so a sender can sign with an
/// old and a new secret while receivers change over.
pub fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Refused> {
    let timestamp = timestamp.ok_or(Refused::Missing(TIMESTAMP_HEADER))?;
    let signature = signature.ok_or(Refused::Missing(SIGNATURE_HEADER))?;
    let timestamp = timestamp.trim();
    let at: i64 = timestamp
        .parse()
        .map_err(|_| Refused::BadTimestamp(timestamp.to_owned()))?;
    if now.abs_diff(at) > TOLERANCE_SECS.unsigned_abs() {
        return Err(Refused::Stale(now.saturating_sub(at)));
    }
    let matches = signature
        .split(',')
        .filter_map(|s| s.trim().strip_prefix("v1="))
        .filter_map(decode_hex)
        .any(|tag| secret.mac(timestamp, body).verify_slice(&tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(Refused::Mismatch)
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_its_own_signature_and_refuses_everything_else() {
        let secret = Secret::new("s3cret").unwrap();
        let body = br#"{"status":"firing"}"#;
        let now = 1_800_000_000;
        let sig = sign(&secret, now, body);
        let ts = now.to_string();
        assert_eq!(
            verify(&secret, Some(&ts), Some(&sig), body, now + 10),
            Ok(())
        );
        let rotated = format!("v1=00ff, {sig}");
        assert_eq!(
            verify(&secret, Some(&ts), Some(&rotated), body, now),
            Ok(())
        );
        assert_eq!(
            verify(
                &secret,
                Some(&ts),
                Some(&sig),
                br#"{"status":"resolved"}"#,
                now
            ),
            Err(Refused::Mismatch)
        );
        let other = Secret::new("other").unwrap();
        assert_eq!(
            verify(&other, Some(&ts), Some(&sig), body, now),
            Err(Refused::Mismatch)
        );
        // The timestamp is signed: moving it forward breaks the signature.
        let later = (now + 60).to_string();
        assert_eq!(
            verify(&secret, Some(&later), Some(&sig), body, now + 60),
            Err(Refused::Mismatch)
        );
        assert_eq!(
            verify(&secret, Some(&ts), Some(&sig), body, now + 301),
            Err(Refused::Stale(301))
        );
        assert_eq!(
            verify(&secret, Some(&ts), Some(&sig), body, now - 301),
            Err(Refused::Stale(-301))
        );
        assert_eq!(
            verify(&secret, None, Some(&sig), body, now),
            Err(Refused::Missing(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(&secret, Some(&ts), None, body, now),
            Err(Refused::Missing(SIGNATURE_HEADER))
        );
        assert_eq!(
            verify(&secret, Some(&ts), Some("v1=zz"), body, now),
            Err(Refused::Mismatch)
        );
        assert!(matches!(
            verify(&secret, Some("soon"), Some(&sig), body, now),
            Err(Refused::BadTimestamp(_))
        ));
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }
}
