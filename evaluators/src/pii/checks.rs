//! The checks a format allows beyond its pattern: check digits (Luhn, ISO 13616 mod-97), issuer
//! ranges and lengths for cards, registered lengths for IBANs, never-issued ranges for national
//! ids, and the card numbers payment providers publish for testing.

/// The digits of `text`, in order, ignoring everything else.
pub fn digits(text: &str) -> Vec<u32> {
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

/// Whether the digits start like a card of a network that issues that many digits: Visa,
/// Mastercard (51-55 and 2221-2720), American Express, Discover, JCB, Diners Club and UnionPay.
fn issued_length(d: &[u32]) -> bool {
    let prefix = |n: usize| d.iter().take(n).fold(0, |acc, &x| acc * 10 + x);
    let len = d.len();
    let long = (16..=19).contains(&len);
    match prefix(1) {
        4 => matches!(len, 13 | 16 | 19),
        5 => (51..=55).contains(&prefix(2)) && len == 16,
        2 => (2221..=2720).contains(&prefix(4)) && len == 16,
        3 => match prefix(2) {
            34 | 37 => len == 15,
            35 => (3528..=3589).contains(&prefix(4)) && long,
            36 | 38 | 39 => (14..=19).contains(&len),
            30 => (300..=305).contains(&prefix(3)) && (14..=19).contains(&len),
            _ => false,
        },
        6 => {
            long && (prefix(4) == 6011
                || (644..=649).contains(&prefix(3))
                || matches!(prefix(2), 62 | 65))
        }
        _ => false,
    }
}

/// A card number: an issuer's prefix and length, and a valid Luhn check digit.
pub fn card_valid(d: &[u32]) -> bool {
    issued_length(d) && luhn_valid(d)
}

/// Numbers the card networks and payment providers (Stripe, Braintree, Adyen, Authorize.net,
/// PayPal) publish for testing. They cannot be charged, and fill documentation and fixtures.
const TEST_CARDS: [&str; 36] = [
    "4242424242424242",
    "4000056655665556",
    "4111111111111111",
    "4012888888881881",
    "4222222222222",
    "4005519200000004",
    "4009348888881881",
    "4012000033330026",
    "4012000077777777",
    "4217651111111119",
    "4500600000000061",
    "4000000000000002",
    "4000000000009995",
    "4000002500003155",
    "4000002760003184",
    "4000000000003220",
    "4111111145551142",
    "5555555555554444",
    "2223003122003222",
    "5200828282828210",
    "5105105105105100",
    "5431111111111111",
    "5454545454545454",
    "2221000000000009",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "6011000991300009",
    "3056930009020004",
    "36227206271667",
    "38520000023237",
    "3566002020360505",
    "3530111333300000",
    "6200000000000005",
];

/// A published test number, or one so regular (three distinct digits or fewer, as in
/// 4242 4242 4242 4242) that no issuer would hand it to a person.
pub fn test_card(d: &[u32]) -> bool {
    let mut seen = [false; 10];
    for &x in d {
        seen[x as usize] = true;
    }
    if seen.iter().filter(|s| **s).count() <= 3 {
        return true;
    }
    let number: String = d.iter().filter_map(|&x| char::from_digit(x, 10)).collect();
    TEST_CARDS.contains(&number.as_str())
}

/// IBAN lengths by country, from the SWIFT IBAN registry: the country code, then the length.
const IBAN_LENGTHS: &str = "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 \
    CZ24 DE22 DK18 DO28 EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 \
    IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MR27 \
    MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 \
    ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20";

/// The registered length of IBANs that start with this country code.
pub fn iban_length(country: &str) -> Option<usize> {
    IBAN_LENGTHS
        .split_whitespace()
        .find_map(|entry| entry.strip_prefix(country))
        .filter(|_| country.len() == 2)
        .and_then(|len| len.parse().ok())
}

/// ISO 13616: move the first four characters to the end, letters to numbers, mod 97 is 1.
pub fn iban_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !compact.is_ascii() || iban_length(&compact[..2.min(compact.len())]) != Some(compact.len()) {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let Some(value) = c.to_digit(36) else {
            return false;
        };
        let width = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * width + value) % 97;
    }
    remainder == 1
}

/// Area 000, 666 and 900-999, group 00 and serial 0000 are never issued.
pub fn ssn_valid(text: &str) -> bool {
    let parts: Vec<u32> = text.split('-').filter_map(|p| p.parse().ok()).collect();
    matches!(parts.as_slice(), [area, group, serial]
        if *area != 0 && *area != 666 && *area < 900 && *group != 0 && *serial != 0)
}

/// Prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued.
pub fn nino_valid(text: &str) -> bool {
    let prefix: String = text.chars().take(2).collect();
    !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&prefix.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_and_ranges() {
        assert!(luhn_valid(&digits("79927398713")));
        assert!(!luhn_valid(&digits("79927398710")));
        assert!(iban_valid("DE89370400440532013000"));
        assert!(!iban_valid("DE89370400440532013001"));
        assert!(
            !iban_valid("DE8937040044053201300"),
            "one character short for DE"
        );
        assert!(card_valid(&digits("4069 0067 9218 8143")));
        assert!(
            !card_valid(&digits("3897455819870")),
            "Diners numbers have 14 digits or more"
        );
        assert!(test_card(&digits("4242 4242 4242 4242")));
        assert!(test_card(&digits("3566 0020 2036 0505")));
        assert!(!test_card(&digits("4069 0067 9218 8143")));
    }
}
