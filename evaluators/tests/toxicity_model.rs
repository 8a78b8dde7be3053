//! The default toxicity model, natively and on the real ONNX Runtime: the same scores as the
//! scikit-learn original, on every Davidson tweet for the native scorer, and its ranking quality on
//! labelled data. Needs `SIGHTLINE_TOXICITY_MODEL`, `SIGHTLINE_TOXICITY_ONNX`, `ORT_DYLIB_PATH`
//! and `SIGHTLINE_SKLEARN_PYTHON`, which `scripts/setup.sh` provides; without them the tests fail.

use std::{path::PathBuf, process::Command};

use rand::{SeedableRng, rngs::StdRng, seq::index::sample};
use sightline_evaluators::toxicity::{InputKind, ModelConfig, OutputKind, TextClassifier};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn davidson_csv() -> PathBuf {
    repo().join("../shared/data/davidson/labeled_data.csv")
}

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).unwrap_or_else(|| panic!("{name} (run scripts/setup.sh)")))
}

/// The default model: the sparse linear export.
fn linear() -> TextClassifier {
    TextClassifier::load(&ModelConfig::default())
        .expect("load the toxicity model (run scripts/setup.sh for SIGHTLINE_TOXICITY_MODEL)")
}

/// The same model as an ONNX graph, on ONNX Runtime.
fn onnx() -> TextClassifier {
    TextClassifier::load(&ModelConfig {
        path: Some(env_path("SIGHTLINE_TOXICITY_ONNX")),
        ..ModelConfig::default()
    })
    .expect("load the ONNX toxicity model (run scripts/setup.sh for ORT_DYLIB_PATH)")
}

#[test]
fn the_default_model_is_the_native_linear_one() {
    let model = linear();
    assert_eq!(
        model.path().extension().and_then(|e| e.to_str()),
        Some("json")
    );
}

#[test]
fn both_backends_equal_the_scikit_learn_original_on_the_reference_sentences() {
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
    for (name, model, tolerance) in [("linear", linear(), 1e-9), ("onnx", onnx(), 1e-5)] {
        let scores = model.score(&texts).expect("score");
        for (sentence, score) in sentences.iter().zip(scores) {
            let expected = sentence["sklearn"].as_f64().expect("sklearn score");
            assert!(
                (score - expected).abs() < tolerance,
                "{:?}: {name} {score}, scikit-learn {expected}",
                sentence["text"]
            );
        }
    }
}

/// Every one of Davidson et al.'s 24,783 tweets, scored by scikit-learn itself in this run.
#[test]
fn linear_scores_equal_the_scikit_learn_original_on_all_of_davidson() {
    let out = Command::new(env_path("SIGHTLINE_SKLEARN_PYTHON"))
        .arg(repo().join("scripts/models/sklearn_scores.py"))
        .arg(davidson_csv())
        .output()
        .expect("run the scikit-learn original");
    assert!(
        out.status.success(),
        "scikit-learn: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<f64> = serde_json::from_slice(&out.stdout).expect("its scores");
    let (tweets, _) = davidson();
    assert_eq!(tweets.len(), expected.len(), "both read the same rows");
    assert!(tweets.len() > 24_000);
    let scores = linear().score(&refs(&tweets)).expect("score");
    let (worst, diff) = scores
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("tweets");
    println!(
        "davidson: {} tweets, max |linear - sklearn| {diff:.3e}",
        tweets.len()
    );
    assert!(
        diff < 1e-6,
        "tweet {worst}: linear {}, scikit-learn {}",
        scores[worst],
        expected[worst]
    );
}

/// Each tweet and whether it is offensive or hateful (class 0 or 1) rather than neither (2).
fn davidson() -> (Vec<String>, Vec<bool>) {
    let path = davidson_csv();
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (class, tweet) = (column("class"), column("tweet"));
    let (mut tweets, mut offensive) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.expect("row");
        tweets.push(record[tweet].to_owned());
        offensive.push(match &record[class] {
            "0" | "1" => true,
            "2" => false,
            other => panic!("unknown class {other}"),
        });
    }
    (tweets, offensive)
}

/// A balanced 1,000-row subset of Davidson et al.: 500 offensive or hateful tweets against 500 of
/// neither, drawn with a seeded generator (seed 0). The model saw this data in training, so this
/// guards against regressions; it is not a claim about unseen text. Both backends rank alike.
#[test]
fn ranks_offensive_above_neither_on_davidson() {
    let (tweets, offensive) = davidson();
    let group = |want: bool| -> Vec<String> {
        tweets
            .iter()
            .zip(&offensive)
            .filter(|(_, o)| **o == want)
            .map(|(t, _)| t.clone())
            .collect()
    };
    let (positive, negative) = (group(true), group(false));
    let mut rng = StdRng::seed_from_u64(0);
    let mut pick = |all: &Vec<String>| -> Vec<String> {
        sample(&mut rng, all.len(), 500)
            .into_iter()
            .map(|i| all[i].clone())
            .collect()
    };
    let (positive, negative) = (pick(&positive), pick(&negative));
    let auc = |model: &TextClassifier| {
        let pos = model.score(&refs(&positive)).expect("score");
        let neg = model.score(&refs(&negative)).expect("score");
        // The chance that a random offensive tweet outscores a random other one, ties half.
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
        wins / (pos.len() * neg.len()) as f64
    };
    let (native, runtime) = (auc(&linear()), auc(&onnx()));
    println!("davidson balanced 1,000 (seed 0): AUC linear {native:.6}, onnx {runtime:.6}");
    assert!(native >= 0.97, "AUC {native}");
    assert!(
        (native - runtime).abs() < 1e-4,
        "linear {native}, onnx {runtime}"
    );
}

fn refs(texts: &[String]) -> Vec<&str> {
    texts.iter().map(String::as_str).collect()
}

/// A classifier that takes token ids made with a `tokenizer.json` (a bag-of-tokens logistic
/// regression that `scripts/models.sh` trains and exports): the Rust side tokenizes, pads and
/// truncates as the Python reference did, and gets the same scores.
#[test]
fn a_token_id_classifier_plugs_in_through_config() {
    let dir = env_path("SIGHTLINE_TOKEN_MODEL_DIR");
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
            (score - expected).abs() < 1e-5,
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
            (*score - expected).abs() < 1e-5,
            "truncated: {score} vs {expected}"
        );
    }
}
