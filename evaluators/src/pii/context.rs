//! The words around a candidate, which say what a number is when its digits cannot: "call" before
//! a phone number, "order" or "ISBN" before a number that only looks like one, "test" next to a
//! card number from a provider's documentation.

/// How far around a candidate its context reaches, in bytes.
const BEFORE: usize = 40;
const AFTER: usize = 40;

/// Words that name a number for what it is not: order and shipment references, catalogue and
/// document numbers, versions and builds, page and row ranges.
const NOT_PII: &str = "\
    order orders invoice inv tracking waybill shipment parcel ref reference ticket sku item po \
    rma booking confirmation isbn issn ismn ean upc gtin barcode doi serial build version \
    release firmware page pages pp row rows port ports zip seats";

const PHONE: &str = "\
    phone telephone tel ph call calls mobile cell fax whatsapp sms text texts reach contact dial \
    ring caller telefon telefono teléfono téléphone portable appelez handy rufen anrufen numéro";

const CARD: &str = "\
    card cards visa mastercard amex discover jcb diners pan cc credit debit charge billing \
    kreditkarte kreditkartennummer karte tarjeta carte carta cartão";

/// Words that mark a card number as documentation or test data.
const TEST: &str = "test tests testing sandbox fixture fixtures dummy fake mock e2e sample demo";

/// Words that mark a dotted quad as a version, not an address.
const VERSION: &str = "v ver version build firmware release oid";

pub struct Context {
    before: Vec<String>,
    after: Vec<String>,
}

impl Context {
    /// The lower-cased words within reach of `text[start..end]`.
    pub fn around(text: &str, start: usize, end: usize) -> Self {
        let from = floor_char_boundary(text, start.saturating_sub(BEFORE));
        let to = ceil_char_boundary(text, (end + AFTER).min(text.len()));
        let mut before = words(&text[from..start]);
        let mut after = words(&text[end..to]);
        // A word cut by the reach is not the word it was ("reorder" is not "order").
        let cut = |at: usize| {
            text[..at].ends_with(char::is_alphanumeric)
                && text[at..].starts_with(char::is_alphanumeric)
        };
        if cut(from) && !before.is_empty() {
            before.remove(0);
        }
        if cut(to) {
            after.pop();
        }
        Self { before, after }
    }

    fn before_any(&self, list: &str) -> bool {
        self.before.iter().any(|w| listed(list, w))
    }

    fn near_any(&self, list: &str) -> bool {
        self.before_any(list) || self.after.iter().any(|w| listed(list, w))
    }

    pub fn names_something_else(&self) -> bool {
        self.before_any(NOT_PII)
    }

    pub fn names_a_phone(&self) -> bool {
        self.before_any(PHONE)
    }

    pub fn names_a_card(&self) -> bool {
        self.before_any(CARD)
    }

    pub fn marks_test_data(&self) -> bool {
        self.near_any(TEST)
    }

    /// The word just before is a version marker, or a word that holds one (`AssemblyVersion`).
    pub fn names_a_version(&self) -> bool {
        self.before
            .last()
            .is_some_and(|w| listed(VERSION, w) || w.contains("version"))
    }
}

/// Whether `word` is one of the words of `list`, a space-separated list.
fn listed(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}
