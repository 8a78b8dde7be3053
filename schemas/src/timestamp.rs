//! Event time: RFC 3339 text or epoch milliseconds on the wire, epoch milliseconds in memory.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// Milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// 9999-12-31T23:59:59.999Z, the last instant RFC 3339 can write with a four-digit year.
pub const MAX_EPOCH_MS: i64 = 253_402_300_799_999;

impl Timestamp {
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339; sub-millisecond digits are truncated.
    pub fn parse_rfc3339(text: &str) -> Result<Self, String> {
        let parsed = DateTime::parse_from_rfc3339(text)
            .map_err(|e| format!("expected RFC 3339 timestamp, got {text:?} ({e})"))?;
        let ms = parsed.timestamp_millis();
        if !(0..=MAX_EPOCH_MS).contains(&ms) {
            return Err(format!("timestamp {text:?} is outside 1970..9999"));
        }
        Ok(Self(ms))
    }

    pub fn from_epoch_millis(ms: i64) -> Result<Self, String> {
        if (0..=MAX_EPOCH_MS).contains(&ms) {
            Ok(Self(ms))
        } else {
            Err(format!("epoch milliseconds {ms} are outside 1970..9999"))
        }
    }

    pub fn to_rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp_millis(self.0)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}
