//! Exact money: US dollars as an integer count of nano-dollars, so sums never drift.

use std::fmt;

use serde::{Serialize, Serializer};

/// 1e-9 USD units. An `i64` holds about 9.2 billion dollars, far beyond any single exchange.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NanoUsd(pub i64);

const NANOS_PER_USD: i64 = 1_000_000_000;

impl NanoUsd {
    /// Parses a non-negative decimal such as `0.0012`, `12`, or `1.5e-4`, exactly.
    /// Digits beyond the ninth decimal place are rounded half up.
    pub fn parse_decimal(text: &str) -> Result<Self, String> {
        let bad = || format!("expected a non-negative decimal amount, got {text:?}");
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (text, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() || !digits_ok(int_part) || !digits_ok(frac_part) {
            return Err(bad());
        }
        // value = digits * 10^(exponent - frac_len); we want it scaled by 10^9.
        let digits = format!("{int_part}{frac_part}");
        let scale = exponent + 9 - frac_part.len() as i32;
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Ok(Self(0));
        }
        let too_big = || format!("amount {text:?} is too large");
        if scale >= 0 {
            let n: i64 = digits.parse().map_err(|_| too_big())?;
            let factor = 10i64.checked_pow(scale as u32).ok_or_else(too_big)?;
            return n.checked_mul(factor).map(Self).ok_or_else(too_big);
        }
        let cut = (-scale) as usize;
        if cut > digits.len() {
            // Everything is below the ninth decimal; only a leading 5+ one place down rounds up.
            let rounds_up = cut == digits.len() && digits.as_bytes()[0] >= b'5';
            return Ok(Self(i64::from(rounds_up)));
        }
        let (kept, dropped) = digits.split_at(digits.len() - cut);
        let kept: i64 = if kept.is_empty() {
            0
        } else {
            kept.parse().map_err(|_| too_big())?
        };
        let round = i64::from(dropped.as_bytes().first().is_some_and(|&d| d >= b'5'));
        kept.checked_add(round).map(Self).ok_or_else(too_big)
    }

    pub fn nanos(self) -> i64 {
        self.0
    }
}

impl fmt::Display for NanoUsd {
    /// Shortest exact decimal: `0.0012`, `3`, `0.000000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / NANOS_PER_USD as u64;
        let frac = abs % NANOS_PER_USD as u64;
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let frac = format!("{frac:09}");
        write!(f, "{sign}{whole}.{}", frac.trim_end_matches('0'))
    }
}

impl Serialize for NanoUsd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        let cases = [
            ("0", 0),
            ("12", 12_000_000_000),
            ("0.0012", 1_200_000),
            ("1.5e-4", 150_000),
            ("1E2", 100_000_000_000),
            ("0.0000000015", 2),
            ("0.0000000014", 1),
            ("0.00000000049", 0),
            ("0.0000000005", 1),
            ("3.000", 3_000_000_000),
        ];
        for (text, nanos) in cases {
            assert_eq!(NanoUsd::parse_decimal(text), Ok(NanoUsd(nanos)), "{text}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for text in ["", "-1", "1.2.3", "abc", ".5", "1e", "9e30"] {
            assert!(NanoUsd::parse_decimal(text).is_err(), "{text}");
        }
    }

    #[test]
    fn displays_shortest() {
        assert_eq!(NanoUsd(1_200_000).to_string(), "0.0012");
        assert_eq!(NanoUsd(3_000_000_000).to_string(), "3");
        assert_eq!(NanoUsd(1).to_string(), "0.000000001");
    }
}
