//! The value rules both passes apply: the size of ids, names and texts, the message roles, the
//! versions this build reads, and how numbers become timestamps, token counts and costs. The
//! checker explains a breach; the single pass only needs to know there was one.

use serde_json::Number;

use crate::{SCHEMA_MAJOR, money::NanoUsd, timestamp::Timestamp};

pub(super) const MAX_ID_CHARS: usize = 128;
pub(super) const MAX_NAME_CHARS: usize = 256;
pub(super) const MAX_ATTRIBUTE_KEY_CHARS: usize = 128;
pub(super) const MAX_ATTRIBUTE_VALUE_CHARS: usize = 4096;
pub(super) const MAX_FINISH_REASONS: usize = 16;
pub(super) const MESSAGE_ROLES: [&str; 5] = ["system", "user", "assistant", "tool", "developer"];

/// The characters of `text` when they are more than `max`. Counting walks the text, so it is
/// counted only when it is longer than `max` in bytes: a text no longer in bytes cannot be over.
pub(super) fn chars_over(text: &str, max: usize) -> Option<usize> {
    if text.len() <= max {
        return None;
    }
    Some(text.chars().count()).filter(|&chars| chars > max)
}

/// Whether `text` has 1 to `max` characters.
pub(super) fn is_bounded(text: &str, max: usize) -> bool {
    !text.is_empty() && chars_over(text, max).is_none()
}

/// JSON has one number type: `12.0` is an integer to JSON Schema, so it is one here too.
pub(super) fn whole_number(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i.into());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.into());
    }
    n.as_f64()
        .filter(|f| f.fract() == 0.0 && f.abs() < 1.8e19)
        .map(|f| f as i128)
}

pub(super) fn unsigned(n: &Number) -> Option<u64> {
    whole_number(n).and_then(|n| u64::try_from(n).ok())
}

pub(super) fn epoch_millis(ms: i128) -> Result<Timestamp, String> {
    i64::try_from(ms)
        .map_err(|_| format!("epoch milliseconds {ms} are outside 1970..9999"))
        .and_then(Timestamp::from_epoch_millis)
}

/// A cost written as a JSON number, read from its decimal text so that no binary rounding enters.
pub(super) fn cost_of_number(n: &Number) -> Result<NanoUsd, String> {
    NanoUsd::parse_decimal(&n.to_string())
}

/// A cost may also be written as a string of plain decimal digits, such as `"0.0000455"`.
pub(super) fn is_plain_decimal(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// `1` and `1.x` are read; `1.02` is not a version, and `2` is a future this build cannot read.
pub(super) fn is_supported_version(v: &str) -> bool {
    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
    is_canonical(major) && major.parse() == Ok(SCHEMA_MAJOR) && is_canonical(minor)
}

/// Decimal digits without a leading zero, as a number's shortest spelling.
fn is_canonical(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'))
}
