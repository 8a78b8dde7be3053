//! `sightline bench toxicity`: the ONNX toxicity model on one core against its scikit-learn
//! original on one core, on the same texts, in the same run.

use std::{path::Path, process::Command, time::Instant};

use anyhow::{Context, bail};
use sightline_evaluators::toxicity::{ModelConfig, TextClassifier};

use crate::{cli::BenchToxicityArgs, config::Config};

pub fn run(args: &BenchToxicityArgs, config: &Config) -> anyhow::Result<std::process::ExitCode> {
    let texts = load_texts(&args.corpus, args.texts)?;
    let file =
        std::env::temp_dir().join(format!("sightline-bench-texts-{}.txt", std::process::id()));
    std::fs::write(&file, texts.join("\n")).context("writing the texts file")?;

    let batch_size = args.batch_size.map_or(
        config.evaluators.toxicity.model.batch_size.max(1),
        std::num::NonZeroUsize::get,
    );
    let model = ModelConfig {
        sessions: 1,
        batch_size,
        ..config.evaluators.toxicity.model.clone()
    };
    let classifier = TextClassifier::load(&model)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    classifier.score(&refs[..refs.len().min(batch_size)])?; // warm-up, untimed
    let started = Instant::now();
    for _ in 0..args.repeat {
        classifier.score(&refs)?;
    }
    let onnx = (texts.len() * args.repeat) as f64 / started.elapsed().as_secs_f64();

    let out = Command::new(&args.python)
        .arg(&args.sklearn_script)
        .arg(&file)
        .args([
            "--batch-size",
            &batch_size.to_string(),
            "--repeat",
            &args.repeat.to_string(),
        ])
        .output()
        .with_context(|| {
            format!(
                "running {} {}",
                args.python.display(),
                args.sklearn_script.display()
            )
        })?;
    let _ = std::fs::remove_file(&file);
    if !out.status.success() {
        bail!(
            "the scikit-learn run failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let reported: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading its result")?;
    let sklearn = reported["texts_per_s"]
        .as_f64()
        .context("no texts_per_s in its result")?;

    println!(
        "bench toxicity: {} texts, batches of {}, {} passes, one core each",
        texts.len(),
        batch_size,
        args.repeat
    );
    println!(
        "{:<40} {:>12.0} texts/s",
        "ONNX Runtime (sightline, ort)", onnx
    );
    println!("{:<40} {:>12.0} texts/s", "scikit-learn original", sklearn);
    println!("ONNX to scikit-learn: {:.2}×", onnx / sklearn);
    println!("target for the ONNX model: at least 5,000 texts/s per core");
    Ok(std::process::ExitCode::SUCCESS)
}

/// Tweets from the Davidson et al. CSV, one per line, the first `limit` of them.
fn load_texts(corpus: &Path, limit: usize) -> anyhow::Result<Vec<String>> {
    let mut reader =
        csv::Reader::from_path(corpus).with_context(|| format!("reading {}", corpus.display()))?;
    let column = reader
        .headers()?
        .iter()
        .position(|h| h == "tweet")
        .context("the corpus has no tweet column")?;
    let mut texts = Vec::new();
    for record in reader.records().take(limit) {
        texts.push(record?[column].replace(['\n', '\r'], " "));
    }
    Ok(texts)
}
