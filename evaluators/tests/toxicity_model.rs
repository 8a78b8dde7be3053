//! The default toxicity model on the real ONNX Runtime: the same scores as the scikit-learn
//! original, and its ranking quality on labelled data. Needs `ORT_DYLIB_PATH` and
//! `SIGHTLINE_TOXICITY_MODEL`, which `scripts/setup.sh` provides; without them the test fails.

use std::path::PathBuf;

use rand::{SeedableRng, rngs::StdRng, seq::index::sample};
use sightline_evaluators::toxicity::{InputKind, ModelConfig, OutputKind, TextClassifier};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn classifier() -> TextClassifier {
    TextClassifier::load(&ModelConfig::default())
        .expect("load the toxicity model (run scripts/setup.sh for ORT_DYLIB_PATH and SIGHTLINE_TOXICITY_MODEL)")
}

#[test]
fn onnx_scores_equal_the_scikit_learn_original() {
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/toxicity/reference_scores.json"))
            .expect("reference scores");
    let reference: serde_json::Value = serde_json::from_str(&text).expect("json");
    let sentences = reference["sentences"].as_array().expect("sentences");
    assert!(sentences.len() >= 20);
    let texts: Vec<&str> = sentences
        .iter()
        .map(|s| s["text"].as_str().expect("text"))
        .collect();
    let scores = classifier().score(&texts).expect("score");
    for (sentence, score) in sentences.iter().zip(scores) {
        let expected = sentence["sklearn"].as_f64().expect("sklearn score");
        assert!(
            (f64::from(score) - expected).abs() < 1e-5,
            "{:?}: onnx {score}, scikit-learn {expected}",
            sentence["text"]
        );
    }
}

/// A balanced 1,000-row subset of Davidson et al.: 500 offensive or hateful tweets against 500 of
/// neither, drawn with a seeded generator (seed 0). The model saw this data in training, so this
/// guards against regressions; it is not a claim about unseen text.
#[test]
fn ranks_offensive_above_neither_on_davidson() {
    let path = repo().join("../shared/data/davidson/labeled_data.csv");
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (class, tweet) = (column("class"), column("tweet"));
    let (mut positive, mut negative) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.expect("row");
        let text = record[tweet].to_owned();
        match &record[class] {
            "0" | "1" => positive.push(text),
            "2" => negative.push(text),
            other => panic!("unknown class {other}"),
        }
    }
    let mut rng = StdRng::seed_from_u64(0);
    let mut pick = |all: &Vec<String>| -> Vec<String> {
        sample(&mut rng, all.len(), 500)
            .into_iter()
            .map(|i| all[i].clone())
            .collect()
    };
    let (positive, negative) = (pick(&positive), pick(&negative));
    let model = classifier();
    let pos = model.score(&refs(&positive)).expect("score");
    let neg = model.score(&refs(&negative)).expect("score");
    // AUC: the chance that a random offensive tweet outscores a random other one, ties half.
    let mut wins = 0.0;
    for p in &pos {
        for n in &neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    let auc = wins / (pos.len() * neg.len()) as f64;
    println!("davidson balanced 1,000 (seed 0): AUC {auc:.4}");
    assert!(auc >= 0.97, "AUC {auc}");
}

fn refs(texts: &[String]) -> Vec<&str> {
    texts.iter().map(String::as_str).collect()
}

/// A classifier that takes token ids made with a `tokenizer.json` (a bag-of-tokens logistic
/// regression that `scripts/models.sh` trains and exports): the Rust side tokenizes, pads and
/// truncates as the Python reference did, and gets the same scores.
#[test]
fn a_token_id_classifier_plugs_in_through_config() {
    let dir = PathBuf::from(
        std::env::var_os("SIGHTLINE_TOKEN_MODEL_DIR")
            .expect("SIGHTLINE_TOKEN_MODEL_DIR (run scripts/setup.sh)"),
    );
    let text = std::fs::read_to_string(
        repo().join("tests/fixtures/toxicity/token_classifier_scores.json"),
    )
    .expect("reference scores");
    let reference: serde_json::Value = serde_json::from_str(&text).expect("json");
    let sentences = reference["sentences"].as_array().expect("sentences");
    let texts: Vec<&str> = sentences
        .iter()
        .map(|s| s["text"].as_str().expect("text"))
        .collect();
    let config = |max_tokens: usize| ModelConfig {
        path: Some(dir.join("model.onnx")),
        input: InputKind::Tokens,
        tokenizer: Some(dir.join("tokenizer.json")),
        max_tokens,
        output: "logits".into(),
        output_kind: OutputKind::Logits,
        positive_class: 1,
        ..ModelConfig::default()
    };
    let model = TextClassifier::load(&config(256)).expect("load the token classifier");
    for (sentence, score) in sentences.iter().zip(model.score(&texts).expect("score")) {
        let expected = sentence["score"].as_f64().expect("score");
        assert!(
            (f64::from(score) - expected).abs() < 1e-5,
            "{:?}: {score} vs {expected}",
            sentence["text"]
        );
    }
    let truncated = &reference["truncated"];
    let short = TextClassifier::load(&config(
        truncated["max_tokens"].as_u64().expect("max") as usize
    ))
    .expect("load");
    let scores = short.score(&texts).expect("score");
    for (score, expected) in scores
        .iter()
        .zip(truncated["scores"].as_array().expect("scores"))
    {
        let expected = expected.as_f64().expect("score");
        assert!(
            (f64::from(*score) - expected).abs() < 1e-5,
            "truncated: {score} vs {expected}"
        );
    }
}
