//! `sightline bench toxicity`: the configured toxicity model (by default the native linear one)
//! and, when given, its ONNX graph on ONNX Runtime, each on one core, against the scikit-learn
//! original on one core, on the same texts in the same batches, in the same run.

use std::{path::Path, process::Command, time::Instant};

use anyhow::{Context, bail};
use sightline_evaluators::toxicity::{ModelConfig, TextClassifier};

use crate::{BenchToxicityArgs, Settings};

pub fn run(
    args: &BenchToxicityArgs,
    config: Settings<'_>,
) -> anyhow::Result<std::process::ExitCode> {
    let texts = load_texts(&args.corpus, args.texts)?;
    let file =
        std::env::temp_dir().join(format!("sightline-bench-texts-{}.txt", std::process::id()));
    std::fs::write(&file, texts.join("\n")).context("writing the texts file")?;

    let batch_size = args.batch_size.map_or(
        config.toxicity.model.batch_size.max(1),
        std::num::NonZeroUsize::get,
    );
    let model = ModelConfig {
        sessions: 1,
        batch_size,
        ..config.toxicity.model.clone()
    };
    let configured = TextClassifier::load(&model)?;
    let mut rows = vec![(
        format!("sightline, {}", file_name(configured.path())),
        texts_per_s(&configured, &texts, batch_size, args.repeat)?,
    )];
    if let Some(onnx) = &args.onnx {
        let runtime = TextClassifier::load(&ModelConfig {
            path: Some(onnx.clone()),
            ..model.clone()
        })?;
        rows.push((
            format!("ONNX Runtime (ort), {}", file_name(onnx)),
            texts_per_s(&runtime, &texts, batch_size, args.repeat)?,
        ));
    }

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
    println!("{:<44} {:>12} {:>14}", "", "texts/s", "× scikit-learn");
    for (name, rate) in &rows {
        println!("{name:<44} {rate:>12.0} {:>13.2}×", rate / sklearn);
    }
    println!(
        "{:<44} {sklearn:>12.0} {:>13.2}×",
        "scikit-learn original", 1.0
    );
    println!("target: at least 1× scikit-learn per core (3× the moonshot), and 5,000 texts/s");
    Ok(std::process::ExitCode::SUCCESS)
}

/// Texts per second over `repeat` timed passes, after one untimed batch.
fn texts_per_s(
    classifier: &TextClassifier,
    texts: &[String],
    batch_size: usize,
    repeat: usize,
) -> anyhow::Result<f64> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    classifier.score(&refs[..refs.len().min(batch_size)])?;
    let started = Instant::now();
    for _ in 0..repeat {
        for batch in refs.chunks(batch_size) {
            classifier.score(batch)?;
        }
    }
    Ok((texts.len() * repeat) as f64 / started.elapsed().as_secs_f64())
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
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
