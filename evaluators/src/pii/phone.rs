//! How much a run of digits looks like a phone number by its shape alone. Phone numbers are
//! written in a few shapes (`+` and a country code, the North American `(415) 555-0176`, a
//! national trunk `0` and groups), while order numbers, ranges, postcodes and timestamps are
//! digits with separators too: those fall to the generic shape, which needs a word such as
//! "call" or "mobile" before it to count.

/// A `+` and a country code, as E.164 writes every number.
const INTERNATIONAL: f32 = 0.8;
/// NANP: an optional 1, a three-digit area code and exchange (neither starting 0 or 1), four
/// digits.
const NORTH_AMERICAN: f32 = 0.75;
/// A trunk 0 and groups, 10 or 11 digits in all, as most of Europe and Asia write numbers at home.
const NATIONAL: f32 = 0.65;
/// Any other digits with separators.
const GENERIC: f32 = 0.3;

/// The confidence its shape gives a phone number candidate, or None when it is not one: fewer
/// than 7 or more than 15 digits (E.164), no separator, a decimal number or a date.
pub fn shape_confidence(text: &str) -> Option<f32> {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let separated = text.contains([' ', '-', '.', '(']) || text.starts_with('+');
    if !(7..=15).contains(&digits)
        || !separated
        || is_decimal(text)
        || text.contains("..")
        || is_date_like(text)
    {
        return None;
    }
    let groups: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    Some(if text.starts_with('+') && digits >= 8 {
        INTERNATIONAL
    } else if north_american(&groups) {
        NORTH_AMERICAN
    } else if national(text, digits, &groups) {
        NATIONAL
    } else {
        GENERIC
    })
}

fn north_american(groups: &[&str]) -> bool {
    let local = match groups {
        ["1", rest @ ..] => rest,
        all => all,
    };
    let starts_2_to_9 = |g: &str| g.as_bytes()[0] >= b'2';
    matches!(local, [area, exchange, line]
        if area.len() == 3 && exchange.len() == 3 && line.len() == 4
            && starts_2_to_9(area) && starts_2_to_9(exchange))
}

fn national(text: &str, digits: usize, groups: &[&str]) -> bool {
    text.starts_with('0')
        && !text.starts_with("00")
        && (10..=11).contains(&digits)
        && groups.len() >= 2
        && groups.iter().all(|g| g.len() >= 2)
        && !text.contains(['.', '('])
}

fn is_decimal(text: &str) -> bool {
    text.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

/// A year (1900 to 2099) first or last, and a day and a month of one or two digits.
fn is_date_like(text: &str) -> bool {
    let parts: Vec<&str> = text.split(['-', '.', ' ', '/']).collect();
    let year = |p: &str| p.len() == 4 && p.parse::<u32>().is_ok_and(|y| (1900..2100).contains(&y));
    let short = |p: &&str| (1..=2).contains(&p.len());
    match parts.as_slice() {
        [y, rest @ ..] | [rest @ .., y] if rest.len() == 2 => year(y) && rest.iter().all(short),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for (text, want) in [
            ("+44 20 7946 0958", Some(INTERNATIONAL)),
            ("+14155550199", Some(INTERNATIONAL)),
            ("(415) 555-0176", Some(NORTH_AMERICAN)),
            ("1-800-555-0199", Some(NORTH_AMERICAN)),
            ("713.555.0181", Some(NORTH_AMERICAN)),
            ("0161 496 0753", Some(NATIONAL)),
            ("07700 900123", Some(NATIONAL)),
            ("2026-118842", Some(GENERIC)),
            ("1000000-1999999", Some(GENERIC)),
            ("2026-12-05", None),
            ("4827193650", None),
            ("3.14159265", None),
        ] {
            assert_eq!(shape_confidence(text), want, "{text}");
        }
    }
}
