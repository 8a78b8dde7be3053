//! Every drift test against scipy and numpy on the golden values of
//! scripts/reference/drift_goldens.py, regenerating the same samples from the same xorshift64.

use ndarray::Array2;
use serde_json::Value;
use sightline_drift::{
    Sorted,
    stats::{
        MmdConfig,
        binned::{Pair, Side},
        bins::{CategoryCounts, QuantileBins},
        chi_square, jensen_shannon, ks, mmd, psi, wasserstein, z_test,
    },
};

fn goldens() -> Value {
    serde_json::from_str(include_str!("golden/drift.json")).expect("golden file is JSON")
}

fn uniform(seed: u64, n: usize) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn numeric(spec: &Value) -> Vec<f64> {
    let (scale, shift) = (
        spec["scale"].as_f64().unwrap_or(1.0),
        spec["shift"].as_f64().unwrap_or(0.0),
    );
    let floor = spec["floor"].as_bool().unwrap_or(false);
    uniform(
        spec["seed"].as_u64().unwrap_or(0),
        spec["n"].as_u64().unwrap_or(0) as usize,
    )
    .into_iter()
    .map(|u| u * scale + shift)
    .map(|v| if floor { v.floor() } else { v })
    .collect()
}

fn categorical(spec: &Value) -> Vec<String> {
    let k = spec["k"].as_f64().unwrap_or(1.0);
    uniform(
        spec["seed"].as_u64().unwrap_or(0),
        spec["n"].as_u64().unwrap_or(0) as usize,
    )
    .into_iter()
    .map(|u| format!("c{}", (u * k) as u64))
    .collect()
}

fn close(name: &str, what: &str, got: f64, want: &Value, tolerance: f64) {
    let want = want.as_f64().unwrap_or(f64::NAN);
    let error = (got - want).abs();
    assert!(
        error <= tolerance * want.abs().max(1.0),
        "{name}: {what} = {got:e}, scipy says {want:e} (error {error:e})"
    );
}

fn numeric_cases() -> Vec<(String, Value, Sorted, Sorted, Pair)> {
    goldens()["numeric"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| {
            let name = case["name"].as_str().unwrap_or_default().to_owned();
            let (r, c) = (numeric(&case["reference"]), numeric(&case["current"]));
            let pair = Pair::new(r.clone(), c.clone());
            (name, case.clone(), Sorted::new(r), Sorted::new(c), pair)
        })
        .collect()
}

/// D within 1e-9, p within 1e-9 where scipy computes it exactly and 1e-6 where asymptotically;
/// both the merge of sorted samples and the binned path the monitor runs.
#[test]
fn ks_matches_scipy() {
    for (name, case, reference, current, pair) in numeric_cases() {
        let exact = case["ks"]["exact"].as_bool().unwrap_or(false);
        let tolerance = if exact { 1e-9 } else { 1e-6 };
        for (path, result) in [
            ("merged", ks::ks_2samp(&reference, &current)),
            ("binned", pair.ks()),
        ] {
            assert_eq!(result.exact, exact, "{name}, {path}: exact mode");
            let (d, p) = (format!("{path} KS D"), format!("{path} KS p"));
            close(&name, &d, result.statistic, &case["ks"]["statistic"], 1e-9);
            close(&name, &p, result.p_value, &case["ks"]["p_value"], tolerance);
        }
    }
}

#[test]
fn distances_match_scipy() {
    for (name, case, reference, current, pair) in numeric_cases() {
        let name = name.as_str();
        let raw = &case["wasserstein"]["raw"];
        close(
            name,
            "merged Wasserstein",
            wasserstein::distance(&reference, &current),
            raw,
            1e-9,
        );
        let outcome = wasserstein::test(&pair, 0.1);
        close(name, "binned Wasserstein", outcome.statistic, raw, 1e-9);
        let normed = outcome.normed.unwrap_or(f64::NAN);
        close(
            name,
            "normed Wasserstein",
            normed,
            &case["wasserstein"]["normed"],
            1e-9,
        );

        let bins = QuantileBins::of(&reference, 10);
        let (r, c) = (bins.counts(&reference), bins.counts(&current));
        close(name, "PSI", psi::psi(&r, &c), &case["psi"], 1e-9);
        close(
            name,
            "Jensen-Shannon",
            jensen_shannon::distance(&r, &c),
            &case["jensenshannon"],
            1e-9,
        );
        let binned = pair.quantile_bins(10);
        assert_eq!(binned, bins, "{name}: binned quantile edges");
        assert_eq!(
            pair.counts(&binned, Side::Reference),
            r,
            "{name}: binned reference counts"
        );
        assert_eq!(
            pair.counts(&binned, Side::Current),
            c,
            "{name}: binned current counts"
        );
    }
}

#[test]
fn categorical_tests_match_scipy() {
    for case in goldens()["categorical"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or_default();
        let counts = CategoryCounts::of(
            &categorical(&case["reference"]),
            &categorical(&case["current"]),
        );
        let (r, c) = counts.with_unseen();
        let (statistic, p) = chi_square::chi_square(&r, &c);
        close(
            name,
            "chi-square",
            statistic,
            &case["chisquare"]["statistic"],
            1e-9,
        );
        close(name, "chi-square p", p, &case["chisquare"]["p_value"], 1e-9);
        close(name, "PSI", psi::psi(&r, &c), &case["psi"], 1e-9);
        close(
            name,
            "Jensen-Shannon",
            jensen_shannon::distance(&r, &c),
            &case["jensenshannon"],
            1e-9,
        );
    }
}

#[test]
fn z_test_matches_scipy() {
    for case in goldens()["ztest"].as_array().into_iter().flatten() {
        let side = |v: &Value| (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0));
        let (z, p) = z_test::two_proportion(side(&case["reference"]), side(&case["current"]));
        close("z-test", "z", z, &case["z"], 1e-12);
        close("z-test", "p", p, &case["p_value"], 1e-12);
    }
}

#[test]
fn mmd_statistic_matches_numpy() {
    for case in goldens()["mmd"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or_default();
        let dims = case["dims"].as_u64().unwrap_or(1) as usize;
        let matrix = |spec: &Value| {
            let values = numeric(spec);
            Array2::from_shape_vec((values.len() / dims, dims), values).expect("whole rows")
        };
        let config = MmdConfig {
            permutations: 0,
            ..MmdConfig::default()
        };
        let result = mmd::mmd(
            matrix(&case["reference"]).view(),
            matrix(&case["current"]).view(),
            &config,
        );
        close(name, "MMD²", result.statistic, &case["statistic"], 1e-9);
        close(
            name,
            "bandwidth",
            result.bandwidth,
            &case["bandwidth"],
            1e-12,
        );
        assert_eq!(result.p_value, 1.0, "no permutations: p is 1 / 1");
    }
}
