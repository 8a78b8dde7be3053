//! Finds personal data in text, each find with a confidence. A detector pairs a pattern with the
//! checks the pattern alone cannot make (Luhn and issuer ranges for cards, mod-97 and registered
//! lengths for IBANs, octet and boundary rules for addresses, the number ranges never issued for
//! national ids, the shapes phone numbers are written in), then weighs the words around it, so
//! that order numbers, versions and test cards score low and can be left alone.
//!
//! National ids covered: the US Social Security number in its usual `ddd-dd-dddd` form, and the UK
//! National Insurance number. Both have published rules for numbers that are never issued, which
//! keeps false positives low; formats without such rules (bare digit runs) are left out.

use std::{
    net::{Ipv4Addr, Ipv6Addr},
    sync::LazyLock,
};

use regex::Regex;

use super::{
    checks::{card_valid, digits, iban_length, iban_valid, nino_valid, ssn_valid, test_card},
    context::Context,
    phone,
};

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

/// One detection: what it is, where (as a byte range) and how sure the detector is, in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
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
    // After a country code, a group may be a single digit (+33 1, +81 3); at home, a leading 1
    // is the North American trunk prefix.
    regex(concat!(
        r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}",
        r"|(?:1[ .-])?(?:\(\d{1,4}\)[ .-]?)?\d{2,5})",
        r"(?:[ .-]?\d{2,}){1,5}"
    ))
});

/// Every detection in `text`, in order, without overlaps, whatever its confidence. A find below
/// the redaction threshold still claims its text, so a test card number is not found again as a
/// phone number.
pub fn detect(text: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let marks = Marks::of(text);
    for kind in PiiKind::ALL.into_iter().filter(|&k| marks.may_hold(k)) {
        for (start, end, confidence) in candidates(kind, text) {
            if !found.iter().any(|f| start < f.end && f.start < end) {
                found.push(Found {
                    kind,
                    start,
                    end,
                    confidence: confidence.clamp(0.0, 1.0),
                });
            }
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

/// The characters each detector's patterns cannot match without: an e-mail address has an `@`,
/// an IPv6 address colons, and every other kind digits. One pass over a text tells which
/// detectors can find nothing in it, so prose costs a scan rather than eight regex searches.
struct Marks {
    digit: bool,
    at: bool,
    colon: bool,
}

impl Marks {
    fn of(text: &str) -> Self {
        let mut marks = Self {
            digit: false,
            at: false,
            colon: false,
        };
        for b in text.bytes() {
            marks.digit |= b.is_ascii_digit();
            marks.at |= b == b'@';
            marks.colon |= b == b':';
        }
        marks
    }

    fn may_hold(&self, kind: PiiKind) -> bool {
        match kind {
            PiiKind::Email => self.at,
            PiiKind::Ip => self.digit || self.colon,
            PiiKind::Iban | PiiKind::CreditCard | PiiKind::NationalId | PiiKind::Phone => {
                self.digit
            }
        }
    }
}

type Candidate = (usize, usize, f32);

fn candidates(kind: PiiKind, text: &str) -> Vec<Candidate> {
    let scored = |re: &Regex, score: &dyn Fn(usize, usize) -> Option<f32>| -> Vec<Candidate> {
        re.find_iter(text)
            .filter_map(|m| score(m.start(), m.end()).map(|c| (m.start(), m.end(), c)))
            .collect()
    };
    match kind {
        PiiKind::Email => scored(&EMAIL, &|_, _| Some(0.95)),
        PiiKind::Iban => IBAN
            .find_iter(text)
            .filter_map(|m| {
                let end = m.start() + iban_extent(m.as_str())?;
                iban_valid(&text[m.start()..end]).then_some((m.start(), end, 0.95))
            })
            .collect(),
        PiiKind::CreditCard => scored(&CARD, &|start, end| card(text, start, end)),
        PiiKind::NationalId => {
            let mut out = scored(&SSN, &|start, end| {
                ssn_valid(&text[start..end]).then_some(0.85)
            });
            out.extend(scored(&NINO, &|start, end| {
                nino_valid(&text[start..end]).then_some(0.85)
            }));
            out
        }
        PiiKind::Ip => {
            let mut out = scored(&IPV4, &|start, end| ipv4(text, start, end));
            out.extend(scored(&IPV6, &|start, end| {
                let s = &text[start..end];
                let groups = s.split(':').filter(|g| !g.is_empty()).count();
                (standalone(text, start, end, |c| c.is_ascii_alphanumeric() || c == ':')
                    && groups >= 2
                    && s.parse::<Ipv6Addr>().is_ok())
                .then_some(0.9)
            }));
            out
        }
        PiiKind::Phone => scored(&PHONE, &|start, end| phone(text, start, end)),
    }
}

/// The IBAN's length within a match, in bytes: as many characters as its country's IBANs have,
/// ending at a group's end. A match runs on into the next capitalised word when one follows.
fn iban_extent(matched: &str) -> Option<usize> {
    let want = iban_length(&matched[..2])?;
    let mut seen = 0;
    for (at, c) in matched.char_indices() {
        if c != ' ' {
            seen += 1;
        }
        if seen == want {
            let end = at + c.len_utf8();
            return matched[end..]
                .chars()
                .next()
                .is_none_or(|next| next == ' ')
                .then_some(end);
        }
    }
    None
}

/// A card number scores by its context: its network's name before it raises it; an order,
/// invoice or tracking reference lowers it; a test number, or test data around it, all but
/// clears it.
fn card(text: &str, start: usize, end: usize) -> Option<f32> {
    let d = digits(&text[start..end]);
    if !card_valid(&d)
        || d.len() + run_digits(text[end..].bytes()) + run_digits(text[..start].bytes().rev()) > 19
    {
        return None;
    }
    let context = Context::around(text, start, end);
    if test_card(&d) || context.marks_test_data() {
        return Some(0.1);
    }
    let mut confidence = 0.8;
    if context.names_a_card() {
        confidence += 0.15;
    }
    if context.names_something_else() {
        confidence -= 0.5;
    }
    Some(confidence)
}

/// A dotted quad that parses, standing alone (not four numbers of a longer dotted run such as an
/// OID), and not named a version.
fn ipv4(text: &str, start: usize, end: usize) -> Option<f32> {
    let dotted_run = text[..start].ends_with('.')
        && text[..start - 1].ends_with(|c: char| c.is_ascii_digit())
        || text[end..].starts_with('.')
            && text[end + 1..].starts_with(|c: char| c.is_ascii_digit());
    if dotted_run || text[start..end].parse::<Ipv4Addr>().is_err() {
        return None;
    }
    Some(if Context::around(text, start, end).names_a_version() {
        0.2
    } else {
        0.85
    })
}

fn phone(text: &str, start: usize, end: usize) -> Option<f32> {
    let boundary = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | '.');
    let before_ok = text[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !boundary(c));
    // A full stop may end the sentence the number ends; a digit after it continues the number.
    let rest = &text[end..];
    let after_ok = match rest.chars().next() {
        None => true,
        Some('.') => !rest[1..].starts_with(|c: char| c.is_ascii_digit()),
        Some(c) => !boundary(c),
    };
    if !before_ok || !after_ok {
        return None;
    }
    let mut confidence = phone::shape_confidence(&text[start..end])?;
    let context = Context::around(text, start, end);
    if context.names_a_phone() {
        confidence += 0.25;
    }
    if context.names_something_else() {
        confidence -= 0.5;
    }
    Some(confidence)
}

/// How many digits go on from a match, each after at most one space or dash: a card pattern
/// stops at 19 digits on a group's edge, so a longer number (a 22-digit parcel id) has more.
fn run_digits(mut bytes: impl Iterator<Item = u8>) -> usize {
    let mut n = 0;
    while let Some(b) = bytes.next() {
        let digit = if matches!(b, b' ' | b'-') {
            bytes.next()
        } else {
            Some(b)
        };
        match digit {
            Some(d) if d.is_ascii_digit() => n += 1,
            _ => break,
        }
    }
    n
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The kinds found with a confidence that counts by default.
    fn kinds(text: &str) -> Vec<PiiKind> {
        detect(text)
            .into_iter()
            .filter(|f| f.confidence >= 0.5)
            .map(|f| f.kind)
            .collect()
    }

    #[test]
    fn finds_each_kind() {
        assert_eq!(
            kinds("write to jane.doe+x@example.co.uk today"),
            [PiiKind::Email]
        );
        assert_eq!(
            kinds("card 4069 0067 9218 8143 expires"),
            [PiiKind::CreditCard]
        );
        assert_eq!(
            kinds("card 4069-0067-9218-8144 is not valid"),
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
    fn kinds_without_digits_are_still_found() {
        assert_eq!(kinds("mail ana@example.org"), [PiiKind::Email]);
        assert_eq!(kinds("from fe80::abcd:ef01 today"), [PiiKind::Ip]);
        assert_eq!(kinds("plain prose, nothing to find"), []);
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
    fn weighs_the_words_around_a_find() {
        let confidence = |text: &str| {
            detect(text)
                .first()
                .map(|f| (f.kind, (f.confidence * 100.0).round() / 100.0))
        };
        assert_eq!(
            confidence("card 4069 0067 9218 8143"),
            Some((PiiKind::CreditCard, 0.95))
        );
        assert_eq!(
            confidence("order #4357399170438243 is late"),
            Some((PiiKind::CreditCard, 0.3))
        );
        assert_eq!(
            confidence("Stripe's test card 4000 0566 5566 5556"),
            Some((PiiKind::CreditCard, 0.1))
        );
        assert_eq!(
            confidence(r#"[assembly: AssemblyVersion("1.2.3.4")]"#),
            Some((PiiKind::Ip, 0.2))
        );
        assert_eq!(confidence("snmpget host 1.3.6.1.2.1.1.3.0"), None);
        assert_eq!(
            confidence("somewhere between 2026-118842 and"),
            Some((PiiKind::Phone, 0.3))
        );
        assert_eq!(
            kinds("pay DE89 3704 0044 0532 0130 00 EUR today"),
            [PiiKind::Iban],
            "an IBAN ends at its country's length, not at the next capitals"
        );
        assert_eq!(
            kinds("just in case, my card is 4069 0067 9218 8143"),
            [PiiKind::CreditCard]
        );
        assert_eq!(
            kinds("parcel 9400 1118 9922 3397 1234 56"),
            Vec::<PiiKind>::new()
        );
    }
}
