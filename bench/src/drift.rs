//! `sightline bench drift`: KS, PSI and Wasserstein on a million against a million numbers, in
//! Sightline and, in the same run on the same data, in scipy and Evidently; times, ratios and
//! how far the numbers agree.

use std::{path::Path, process::Command, time::Instant};

use anyhow::{Context, bail};
use rand::{SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Normal};
use serde_json::Value;
use sightline_drift::stats::{
    binned::{Pair, Side},
    psi, wasserstein,
};

use crate::BenchDriftArgs;

/// The best of `repeat` runs, each on a fresh copy of the data, as the Python side does.
fn best<T>(
    repeat: usize,
    reference: &[f64],
    current: &[f64],
    f: impl Fn(Vec<f64>, Vec<f64>) -> T,
) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut result = None;
    for _ in 0..repeat.max(1) {
        let (r, c) = (reference.to_vec(), current.to_vec());
        let started = Instant::now();
        let value = f(r, c);
        best = best.min(started.elapsed().as_secs_f64());
        result = Some(value);
    }
    (best, result.expect("at least one run"))
}

struct Measured {
    test: &'static str,
    seconds: f64,
    value: f64,
}

pub fn run(args: &BenchDriftArgs) -> anyhow::Result<std::process::ExitCode> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let reference: Vec<f64> = Normal::new(0.0, 1.0)?
        .sample_iter(&mut rng)
        .take(args.samples)
        .collect();
    let current: Vec<f64> = Normal::new(args.shift, 1.0)?
        .sample_iter(&mut rng)
        .take(args.samples)
        .collect();
    let dir = std::env::temp_dir().join(format!("sightline-bench-drift-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, values: &[f64]| -> anyhow::Result<std::path::PathBuf> {
        let path = dir.join(name);
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    let (ref_file, cur_file) = (
        write("reference.f64", &reference)?,
        write("current.f64", &current)?,
    );

    eprintln!(
        "bench drift: {} against {} samples, best of {}",
        args.samples, args.samples, args.repeat
    );
    let (ks_s, ks_result) = best(args.repeat, &reference, &current, |r, c| {
        Pair::new(r, c).ks()
    });
    let (w_s, w) = best(args.repeat, &reference, &current, |r, c| {
        wasserstein::test(&Pair::new(r, c), 0.1)
    });
    let psi_of = |pair: &Pair| {
        let bins = pair.quantile_bins(10);
        psi::psi(
            &pair.counts(&bins, Side::Reference),
            &pair.counts(&bins, Side::Current),
        )
    };
    let (psi_s, psi_value) = best(args.repeat, &reference, &current, |r, c| {
        psi_of(&Pair::new(r, c))
    });
    let (shared_s, _) = best(args.repeat, &reference, &current, |r, c| {
        let pair = Pair::new(r, c);
        (pair.ks(), wasserstein::test(&pair, 0.1), psi_of(&pair))
    });
    let ours = [
        Measured {
            test: "ks",
            seconds: ks_s,
            value: ks_result.p_value,
        },
        Measured {
            test: "wasserstein",
            seconds: w_s,
            value: w.statistic,
        },
        Measured {
            test: "psi",
            seconds: psi_s,
            value: psi_value,
        },
    ];

    let competitors = python(
        &args.python,
        &args.script,
        &ref_file,
        &cur_file,
        args.repeat,
    )?;
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "bench drift: {} vs {} normal samples (shift {}), best of {}, one core each",
        args.samples, args.samples, args.shift, args.repeat
    );
    println!(
        "{:<12} {:>12} {:>12} {:>9} {:>12} {:>9}  agreement with scipy",
        "test", "sightline", "scipy", "ratio", "evidently", "ratio"
    );
    let mut scipy_total = 0.0;
    for m in &ours {
        let scipy = &competitors["scipy"][m.test];
        let evidently = &competitors["evidently"][m.test];
        let scipy_s = scipy["seconds"].as_f64().context("scipy time")?;
        let evidently_s = evidently["seconds"].as_f64().context("Evidently time")?;
        scipy_total += scipy_s;
        let reference_value = match m.test {
            "ks" => scipy["p_value"].as_f64(),
            _ => scipy["statistic"].as_f64(),
        }
        .context("scipy value")?;
        println!(
            "{:<12} {:>10.1}ms {:>10.1}ms {:>8.1}× {:>10.1}ms {:>8.1}×  {} {:.6e} vs {:.6e} (|Δ| {:.1e})",
            m.test,
            m.seconds * 1e3,
            scipy_s * 1e3,
            scipy_s / m.seconds,
            evidently_s * 1e3,
            evidently_s / m.seconds,
            if m.test == "ks" { "p" } else { "value" },
            m.value,
            reference_value,
            (m.value - reference_value).abs()
        );
    }
    let ks_d = competitors["scipy"]["ks"]["statistic"]
        .as_f64()
        .unwrap_or(f64::NAN);
    println!("KS D: {:.9} vs scipy {:.9}", ks_result.statistic, ks_d);
    println!(
        "normed Wasserstein: {:.9} vs Evidently {:.9}",
        w.normed.unwrap_or(f64::NAN),
        competitors["evidently"]["wasserstein"]["normed"]
            .as_f64()
            .unwrap_or(f64::NAN)
    );
    println!(
        "all three on one set of buckets: {:.1}ms, {:.1}× scipy's {:.1}ms (Evidently {}; its PSI bins differ, so its PSI is timed, not compared)",
        shared_s * 1e3,
        scipy_total / shared_s,
        scipy_total * 1e3,
        competitors["evidently"]["version"].as_str().unwrap_or("?")
    );
    let memory = super::worker::memory_of(std::process::id());
    println!(
        "sightline's peak resident memory: {:.0} MiB, {:.0} MiB of it the two samples and a copy of each",
        memory.peak as f64 / (1 << 20) as f64,
        (4 * args.samples * 8) as f64 / (1 << 20) as f64
    );
    println!(
        "target: under 300 ms on one core, at least 20× faster than scipy, the same numbers to 1e-6"
    );
    Ok(std::process::ExitCode::SUCCESS)
}

fn python(
    python: &Path,
    script: &Path,
    reference: &Path,
    current: &Path,
    repeat: usize,
) -> anyhow::Result<Value> {
    let out = Command::new(python)
        .arg(script)
        .arg("--reference")
        .arg(reference)
        .arg("--current")
        .arg(current)
        .args(["--repeat", &repeat.to_string(), "--evidently"])
        .output()
        .with_context(|| format!("running {} {}", python.display(), script.display()))?;
    if !out.status.success() {
        bail!(
            "the scipy and Evidently run failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    serde_json::from_slice(&out.stdout).context("reading the scipy and Evidently results")
}
