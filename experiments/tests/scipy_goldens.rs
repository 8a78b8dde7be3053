//! The experiment statistics against scipy and numpy: the values and answers in
//! `golden/experiments.json`, written by scripts/reference/experiment_goldens.py.

use serde_json::Value;
use sightline_drift::stats::special::student_t_sf;
use sightline_experiments::stats::{
    Difference,
    histogram::Histogram,
    mann_whitney, normal_quantile,
    proportions::{self, Count},
    sample_size, t_quantile,
    welch::{self, Moments},
};

fn golden() -> Value {
    serde_json::from_str(include_str!("golden/experiments.json")).expect("golden file")
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(num).collect()
}

fn histogram(v: &Value) -> Histogram {
    floats(v).into_iter().collect()
}

#[track_caller]
fn close(what: &str, got: f64, want: f64, relative: f64) {
    let scale = want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= relative * scale || got == want,
        "{what}: got {got:e}, scipy {want:e}"
    );
}

#[track_caller]
fn same_difference(case: &str, got: Difference, want: &Value, relative: f64) {
    for (field, value) in [
        ("estimate", got.estimate),
        ("low", got.low),
        ("high", got.high),
        ("statistic", got.statistic),
        ("p_value", got.p_value),
    ] {
        close(
            &format!("{case}: {field}"),
            value,
            num(&want[field]),
            relative,
        );
    }
}

#[test]
fn mann_whitney_and_hodges_lehmann_match_scipy() {
    for case in golden()["samples"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (control, arm) = (histogram(&case["control"]), histogram(&case["arm"]));
        let got = mann_whitney::compare(&control, &arm).expect("both sides have values");
        same_difference(name, got, &case["mann_whitney"], 1e-9);
    }
}

#[test]
fn welch_matches_scipy() {
    for case in golden()["samples"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let control: Moments = floats(&case["control"]).into_iter().collect();
        let arm: Moments = floats(&case["arm"]).into_iter().collect();
        let got = welch::compare(&control, &arm).expect("both sides vary");
        same_difference(name, got, &case["welch"], 1e-9);
    }
}

#[test]
fn percentiles_match_numpy() {
    for case in golden()["samples"].as_array().unwrap() {
        for side in ["control", "arm"] {
            let values = histogram(&case[side]);
            let want = floats(&case["percentiles"][side]);
            for (q, want) in [0.5, 0.95].into_iter().zip(want) {
                let got = values.quantile(q).unwrap();
                close(&format!("{} {side} q{q}", case["name"]), got, want, 1e-12);
            }
        }
    }
}

#[test]
fn two_proportions_match_scipy() {
    for case in golden()["proportions"].as_array().unwrap() {
        let count = |v: &Value| Count {
            n: v[0].as_u64().unwrap(),
            hits: v[1].as_u64().unwrap(),
        };
        let got = proportions::compare(count(&case["control"]), count(&case["arm"])).unwrap();
        same_difference(&case.to_string(), got, case, 1e-9);
    }
}

#[test]
fn sample_sizes_match_the_formulas_with_scipy_quantiles() {
    let g = golden();
    for case in g["needed_means"].as_array().unwrap() {
        let got = sample_size::means(
            num(&case["mean"]),
            num(&case["variance"]),
            num(&case["change"]),
        );
        assert_eq!(got, case["n"].as_u64(), "{case}");
    }
    for case in g["needed_rates"].as_array().unwrap() {
        let got = sample_size::rates(num(&case["rate"]), num(&case["change"]));
        assert_eq!(got, case["n"].as_u64(), "{case}");
    }
}

#[test]
fn quantiles_and_tails_match_scipy() {
    let q = &golden()["quantiles"];
    close(
        "norm.ppf(0.975)",
        normal_quantile(0.975),
        num(&q["norm_975"]),
        1e-14,
    );
    close(
        "norm.ppf(0.8)",
        normal_quantile(0.8),
        num(&q["norm_80"]),
        1e-14,
    );
    close(
        "t.ppf(0.975, 10)",
        t_quantile(0.975, 10.0),
        num(&q["t_975_10"]),
        1e-12,
    );
    close(
        "t.ppf(0.975, 3.7)",
        t_quantile(0.975, 3.7),
        num(&q["t_975_3_7"]),
        1e-12,
    );
    close(
        "t.sf(2, 10)",
        student_t_sf(2.0, 10.0),
        num(&q["t_sf_2_10"]),
        1e-12,
    );
    close(
        "t.sf(0.5, 2.5)",
        student_t_sf(0.5, 2.5),
        num(&q["t_sf_0_5_2_5"]),
        1e-12,
    );
    close(
        "t.sf(6, 1000)",
        student_t_sf(6.0, 1000.0),
        num(&q["t_sf_6_1000"]),
        1e-9,
    );
}
