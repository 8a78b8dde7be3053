//! The PII detector's precision and recall on held-out corpora (`tests/pii/`, written without
//! reading the detector): real PII of every kind, which must all be found, and look-alikes (order
//! numbers, versions, timestamps, ISBNs, hashes, ranges, prices, coordinates, test cards), which
//! must not be flagged. Prints the per-kind table; the bounds hold the figures so that neither can
//! regress.

use std::collections::BTreeMap;

use sightline_evaluators::pii::{PiiConfig, PiiEvaluator};

fn rows(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/pii/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[derive(Default)]
struct Tally {
    items: usize,
    found: usize,
    /// Finds of this kind that are not the item: another part of the text, or a look-alike.
    false_finds: usize,
}

#[test]
fn precision_and_recall_per_kind() {
    let pii = PiiEvaluator::new(&PiiConfig::default()).expect("the default config is valid");
    let mut tally: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut missed = Vec::new();

    for row in rows("recall.tsv") {
        let [kind, value, text] = row.as_slice() else {
            panic!("recall.tsv: a row without kind, value and text: {row:?}");
        };
        let at = text
            .find(value.as_str())
            .expect("the value occurs in the text");
        let entry = tally.entry(kind_name(kind)).or_default();
        entry.items += 1;
        let mut hit = false;
        for f in pii.detect(text) {
            if f.kind.as_str() == kind && f.start == at && f.end == at + value.len() {
                hit = true;
            } else {
                tally.entry(f.kind.as_str()).or_default().false_finds += 1;
                missed.push(format!(
                    "extra {} {:?} in {text:?}",
                    f.kind.as_str(),
                    &text[f.start..f.end]
                ));
            }
        }
        if hit {
            tally.get_mut(kind_name(kind)).expect("counted above").found += 1;
        } else {
            missed.push(format!("missed {kind} {value:?} in {text:?}"));
        }
    }

    let mut flagged: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for row in rows("lookalikes.tsv") {
        let [class, text] = row.as_slice() else {
            panic!("lookalikes.tsv: a row without class and text: {row:?}");
        };
        let finds = pii.detect(text);
        let entry = flagged.entry(class.clone()).or_default();
        entry.0 += 1;
        if !finds.is_empty() {
            entry.1 += 1;
        }
        for f in finds {
            tally.entry(f.kind.as_str()).or_default().false_finds += 1;
            missed.push(format!(
                "flagged {} {:?} in {class} {text:?}",
                f.kind.as_str(),
                &text[f.start..f.end]
            ));
        }
    }

    println!(
        "{:<12} {:>6} {:>6} {:>6} {:>10} {:>7}",
        "kind", "items", "found", "false", "precision", "recall"
    );
    for (kind, t) in &tally {
        let precision = t.found as f64 / (t.found + t.false_finds).max(1) as f64;
        let recall = t.found as f64 / t.items.max(1) as f64;
        println!(
            "{kind:<12} {:>6} {:>6} {:>6} {precision:>10.3} {recall:>7.3}",
            t.items, t.found, t.false_finds
        );
    }
    println!(
        "\n{:<20} {:>6} {:>8}",
        "look-alike class", "rows", "flagged"
    );
    for (class, (n, f)) in &flagged {
        println!("{class:<20} {n:>6} {f:>8}");
    }
    for line in &missed {
        println!("{line}");
    }

    let lookalikes: usize = flagged.values().map(|(n, _)| n).sum();
    assert!(
        lookalikes >= 200,
        "the precision corpus holds {lookalikes} look-alikes, not 200"
    );
    assert_eq!(tally.len(), 6, "every kind is in the recall corpus");
    assert!(
        missed.is_empty(),
        "{} misses, extra finds or flagged look-alikes:\n{}",
        missed.len(),
        missed.join("\n")
    );
}

/// The kind's name as the detector spells it, for a kind named in the corpus.
fn kind_name(kind: &str) -> &'static str {
    sightline_evaluators::pii::PiiKind::ALL
        .iter()
        .map(|k| k.as_str())
        .find(|k| *k == kind)
        .unwrap_or_else(|| panic!("recall.tsv names an unknown kind {kind:?}"))
}
