//! The int8 MiniLM model through the node's own path (tokenizer, padding to the batch's longest
//! text, masked mean pooling, L2 normalisation) agrees with reference vectors that
//! scripts/reference/embedding_goldens.py computed with ONNX Runtime in Python, one sentence at a
//! time; and its vectors mean what they should: paraphrases close, unrelated sentences apart.

use std::path::PathBuf;

use sightline_inference::{
    repo::Repository,
    runtime::{Answer, Provider},
};

fn repository() -> Repository {
    let root: PathBuf = std::env::var_os("SIGHTLINE_MODEL_REPO")
        .expect("SIGHTLINE_MODEL_REPO is not set; run the tests through scripts/test.sh")
        .into();
    Repository::load(&root, Provider::Cpu, 1).expect("the model repository loads")
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

fn embed(repo: &Repository, texts: &[String]) -> Vec<Vec<f32>> {
    let version = repo.model("minilm").expect("minilm").active();
    match version.run_texts(texts).expect("inference") {
        Answer::Embeddings(v) => v,
        Answer::Classes(_) => panic!("minilm is an embedding model"),
    }
}

#[test]
fn agrees_with_the_reference_vectors_in_one_padded_batch() {
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("golden/minilm.json")).expect("golden JSON");
    let sentences: Vec<String> =
        serde_json::from_value(golden["sentences"].clone()).expect("sentences");
    let reference: Vec<Vec<f32>> =
        serde_json::from_value(golden["vectors"].clone()).expect("vectors");
    let vectors = embed(&repository(), &sentences);
    assert_eq!(vectors.len(), reference.len());
    for ((got, want), sentence) in vectors.iter().zip(&reference).zip(&sentences) {
        assert_eq!(got.len(), 384);
        let c = cosine(got, want);
        assert!(c >= 0.999, "{sentence:?}: cosine {c}");
    }
}

#[test]
fn paraphrases_are_close_and_unrelated_sentences_are_not() {
    let texts: Vec<String> = [
        "A man is playing a guitar.",
        "Someone is playing an acoustic guitar.",
        "How do I reset my password?",
        "I forgot my password and need to change it.",
        "Penguins live in the southern hemisphere.",
    ]
    .map(String::from)
    .to_vec();
    let v = embed(&repository(), &texts);
    for (a, b) in [(0, 1), (2, 3)] {
        let c = cosine(&v[a], &v[b]);
        assert!(c >= 0.75, "{:?} ~ {:?}: {c}", texts[a], texts[b]);
    }
    for (a, b) in [(0, 2), (1, 4), (3, 4), (0, 3)] {
        let c = cosine(&v[a], &v[b]);
        assert!(c <= 0.2, "{:?} ~ {:?}: {c}", texts[a], texts[b]);
    }
    for vector in &v {
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "normalised: {norm}");
    }
}
