//! Finds personal data in text. Each detector pairs a pattern with a check that the pattern alone
//! cannot make (Luhn for cards, mod-97 for IBANs, octet and group rules for addresses, the number
//! ranges never issued for national ids), so that order numbers and timestamps are not flagged.
//!
//! National ids covered: the US Social Security number in its usual `ddd-dd-dddd` form, and the UK
//! National Insurance number. Both have published rules for numbers that are never issued, which
//! keeps false positives low; formats without such rules (bare digit runs) are left out.

use std::{
    net::{Ipv4Addr, Ipv6Addr},
    sync::LazyLock,
};

use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PiiKind {
    Email,
    Iban,
    CreditCard,
    NationalId,
    Ip,
    Phone,
}

impl PiiKind {
    /// In the order detectors run: a later one skips text an earlier one claimed.
    pub const ALL: [PiiKind; 6] = [
        Self::Email,
        Self::Iban,
        Self::CreditCard,
        Self::NationalId,
        Self::Ip,
        Self::Phone,
    ];

    /// Its count's column in `llm_events`.
    pub fn column(self) -> &'static str {
        match self {
            Self::Email => "pii_email",
            Self::Iban => "pii_iban",
            Self::CreditCard => "pii_credit_card",
            Self::NationalId => "pii_national_id",
            Self::Ip => "pii_ip",
            Self::Phone => "pii_phone",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Iban => "iban",
            Self::CreditCard => "credit_card",
            Self::NationalId => "national_id",
            Self::Ip => "ip",
            Self::Phone => "phone",
        }
    }
}

/// One detection: what it is and where, as a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// Patterns match ASCII digits only (`\d` is rewritten to `[0-9]`): the checks below count bytes,
/// and a full-width digit is no part of a card or an IBAN anyway.
fn regex(pattern: &str) -> Regex {
    Regex::new(&pattern.replace(r"\d", "[0-9]")).expect("detector patterns are fixed and valid")
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"));
static IBAN: LazyLock<Regex> = LazyLock::new(|| regex(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"));
static CARD: LazyLock<Regex> = LazyLock::new(|| regex(r"\b\d(?:[ -]?\d){12,18}\b"));
static SSN: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(\d{3})-(\d{2})-(\d{4})\b"));
static NINO: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| regex(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"));
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|\d{1,3}(?:\.\d{1,3}){3})")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}")
});

/// Every detection in `text`, in order, without overlaps.
pub fn detect(text: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    for kind in PiiKind::ALL {
        for (start, end) in candidates(kind, text) {
            if !found.iter().any(|f| start < f.end && f.start < end) {
                found.push(Found { kind, start, end });
            }
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

fn candidates(kind: PiiKind, text: &str) -> Vec<(usize, usize)> {
    let spans = |re: &Regex, keep: fn(&str) -> bool| -> Vec<(usize, usize)> {
        re.find_iter(text)
            .filter(|m| keep(m.as_str()))
            .map(|m| (m.start(), m.end()))
            .collect()
    };
    match kind {
        PiiKind::Email => spans(&EMAIL, |_| true),
        PiiKind::Iban => spans(&IBAN, iban_valid),
        PiiKind::CreditCard => spans(&CARD, card_valid),
        PiiKind::NationalId => {
            let mut out = spans(&SSN, ssn_valid);
            out.extend(spans(&NINO, nino_valid));
            out
        }
        PiiKind::Ip => {
            let mut out = spans(&IPV4, |s| s.parse::<Ipv4Addr>().is_ok());
            out.extend(
                IPV6.find_iter(text)
                    .filter(|m| {
                        let s = m.as_str();
                        let groups = s.split(':').filter(|g| !g.is_empty()).count();
                        standalone(text, m.start(), m.end(), |c| {
                            c.is_ascii_alphanumeric() || c == ':'
                        }) && groups >= 2
                            && s.parse::<Ipv6Addr>().is_ok()
                    })
                    .map(|m| (m.start(), m.end())),
            );
            out
        }
        PiiKind::Phone => PHONE
            .find_iter(text)
            .filter(|m| {
                standalone(text, m.start(), m.end(), |c| c.is_ascii_digit() || c == '.')
                    && phone_valid(m.as_str())
            })
            .map(|m| (m.start(), m.end()))
            .collect(),
    }
}

/// Whether the characters just before and after a match are not ones that would continue it.
fn standalone(text: &str, start: usize, end: usize, continues: impl Fn(char) -> bool) -> bool {
    let before = text[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !continues(c));
    let after = text[end..].chars().next().is_none_or(|c| !continues(c));
    before && after
}

fn digits(text: &str) -> Vec<u32> {
    text.chars().filter_map(|c| c.to_digit(10)).collect()
}

pub fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A card: 13 to 19 digits, an issuer prefix, and a valid Luhn check digit.
fn card_valid(text: &str) -> bool {
    let d = digits(text);
    let prefix = |p: &str| {
        text.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .starts_with(p)
    };
    let issuer = [
        "4", "51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27", "34", "37", "6011",
        "65", "35", "36", "30", "38",
    ]
    .iter()
    .any(|p| prefix(p));
    (13..=19).contains(&d.len()) && issuer && luhn_valid(&d)
}

/// ISO 13616: move the first four characters to the end, letters to numbers, mod 97 is 1.
pub fn iban_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !compact.is_ascii() || !(15..=34).contains(&compact.len()) {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        let width = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * width + value) % 97;
    }
    remainder == 1
}

/// Area 000, 666 and 900-999, group 00 and serial 0000 are never issued.
fn ssn_valid(text: &str) -> bool {
    let parts: Vec<u32> = text.split('-').filter_map(|p| p.parse().ok()).collect();
    matches!(parts.as_slice(), [area, group, serial]
        if *area != 0 && *area != 666 && *area < 900 && *group != 0 && *serial != 0)
}

/// Prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued.
fn nino_valid(text: &str) -> bool {
    let prefix: String = text.chars().take(2).collect();
    !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&prefix.as_str())
}

/// 7 to 15 digits (E.164), with separators a person would write, and not a date or a decimal.
fn phone_valid(text: &str) -> bool {
    let d = digits(text);
    let separated = text.contains([' ', '-', '.', '(']) || text.starts_with('+');
    let decimal = text.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    (7..=15).contains(&d.len())
        && separated
        && !decimal
        && !text.contains("..")
        && !is_date_like(text)
}

fn is_date_like(text: &str) -> bool {
    let parts: Vec<&str> = text.split(['-', '.', ' ']).collect();
    parts.len() == 3 && parts.iter().any(|p| p.len() == 4) && parts.iter().all(|p| p.len() <= 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<PiiKind> {
        detect(text).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn finds_each_kind() {
        assert_eq!(
            kinds("write to jane.doe+x@example.co.uk today"),
            [PiiKind::Email]
        );
        assert_eq!(
            kinds("card 4111 1111 1111 1111 expires"),
            [PiiKind::CreditCard]
        );
        assert_eq!(
            kinds("card 4111-1111-1111-1112 is not valid"),
            Vec::<PiiKind>::new()
        );
        assert_eq!(
            kinds("IBAN GB82 WEST 1234 5698 7654 32 please"),
            [PiiKind::Iban]
        );
        assert!(!kinds("IBAN GB82 WEST 1234 5698 7654 33 wrong").contains(&PiiKind::Iban));
        assert_eq!(kinds("ssn 123-45-6789"), [PiiKind::NationalId]);
        assert!(!kinds("ssn 666-45-6789 never issued").contains(&PiiKind::NationalId));
        assert_eq!(kinds("NI number AB 12 34 56 C"), [PiiKind::NationalId]);
        assert_eq!(kinds("from 192.168.1.20 at noon"), [PiiKind::Ip]);
        assert_eq!(
            kinds("version 999.1.2.3 is no address"),
            Vec::<PiiKind>::new()
        );
        assert_eq!(kinds("v6 2001:db8::8a2e:370:7334 ok"), [PiiKind::Ip]);
        assert_eq!(kinds("call +44 20 7946 0958 now"), [PiiKind::Phone]);
        assert_eq!(kinds("call (555) 123-4567"), [PiiKind::Phone]);
    }

    #[test]
    fn leaves_ordinary_numbers_and_code_alone() {
        for text in [
            "use std::vec::Vec;",
            "Foo::bar() and a[::2]",
            "lat 51.5074456, lon -0.1277583",
            "IBAN GB１１AAAAAAAAAAAAAAAAAA in full-width digits",
            "the meeting is on 2026-11-28 at 10:30",
            "order 12345 shipped",
            "pi is 3.14159",
            "it costs $1,299.99",
            "time 12:45:30",
        ] {
            assert_eq!(kinds(text), Vec::<PiiKind>::new(), "{text}");
        }
    }

    #[test]
    fn check_digits() {
        assert!(luhn_valid(&digits("79927398713")));
        assert!(!luhn_valid(&digits("79927398710")));
        assert!(iban_valid("DE89370400440532013000"));
        assert!(!iban_valid("DE89370400440532013001"));
    }
}
