//! Properties every drift test must have: a sample never drifts from itself, and a real shift is
//! found once there is enough data. Plus the learned tests (domain classifier, PCA
//! reconstruction) on data where the answer is known.

use ndarray::Array2;
use proptest::prelude::*;
use rand::{SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Normal};
use sightline_drift::{
    Choice, CompareConfig, Sorted, Test, Values,
    baseline::FeatureBaseline,
    compare, compare_to_baseline,
    stats::{
        ClassifierConfig, MmdConfig, PcaConfig,
        binned::{Pair, Side},
        bins::QuantileBins,
        domain_classifier, ks, mmd,
        pca::Reconstruction,
        wasserstein,
    },
};

fn normal(n: usize, mean: f64, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    Normal::new(mean, 1.0)
        .expect("valid")
        .sample_iter(&mut rng)
        .take(n)
        .collect()
}

fn all_tests(values: &Values) -> Vec<sightline_drift::Outcome> {
    compare(
        values,
        &values.clone(),
        &Choice::All,
        &CompareConfig::default(),
    )
    .expect("comparable")
    .tests
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn numbers_never_drift_from_themselves(values in proptest::collection::vec(-1e6f64..1e6, 30..400)) {
        for outcome in all_tests(&Values::Numeric(values)) {
            prop_assert!(!outcome.drifted, "{outcome:?}");
        }
    }

    #[test]
    fn categories_never_drift_from_themselves(values in proptest::collection::vec("[a-e]", 30..400)) {
        for outcome in all_tests(&Values::Categorical(values)) {
            prop_assert!(!outcome.drifted, "{outcome:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The binned path (buckets, sorting only where order inside a bucket matters) gives what
    /// merging the sorted samples gives, with ties, signed zeros and far outliers.
    #[test]
    fn binned_equals_merged(
        a in proptest::collection::vec(prop_oneof![-50i32..50, Just(0)], 1..300),
        b in proptest::collection::vec(prop_oneof![-50i32..50, Just(0)], 1..300),
        scale in prop_oneof![Just(1.0), Just(0.001), Just(1e6)],
        outlier in prop_oneof![Just(None), Just(Some(1e12)), Just(Some(-1e9)), Just(Some(1e308))],
    ) {
        let to_f = |v: &[i32]| -> Vec<f64> { v.iter().map(|&x| if x == 0 { -0.0 } else { x as f64 * scale }).collect() };
        let (mut ra, rb) = (to_f(&a), to_f(&b));
        ra.extend(outlier);
        let pair = Pair::new(ra.clone(), rb.clone());
        let (sa, sb) = (Sorted::new(ra.clone()), Sorted::new(rb.clone()));
        let merged = ks::ks_2samp(&sa, &sb);
        let binned = pair.ks();
        prop_assert_eq!(binned.statistic, merged.statistic);
        prop_assert_eq!(binned.p_value, merged.p_value);
        let (w1, w2) = (pair.wasserstein(), wasserstein::distance(&sa, &sb));
        prop_assert!((w1 - w2).abs() <= 1e-9 * w2.abs().max(1e-300) + 1e-9 * scale, "{} vs {}", w1, w2);
        let bins = QuantileBins::of(&sa, 10);
        prop_assert_eq!(&pair.quantile_bins(10), &bins);
        prop_assert_eq!(pair.counts(&bins, Side::Reference), bins.counts(&sa));
        prop_assert_eq!(pair.counts(&bins, Side::Current), bins.counts(&sb));
    }
}

#[test]
fn a_shift_is_found_with_enough_data_and_false_alarms_stay_rare() {
    let config = CompareConfig::default();
    for (n, expected_test) in [(800, Test::Ks), (20_000, Test::Wasserstein)] {
        let mut false_alarms = 0;
        for seed in 0..20 {
            let reference = Values::Numeric(normal(n, 0.0, 3 * seed));
            let shifted = Values::Numeric(normal(n, 0.3, 3 * seed + 1));
            let same = Values::Numeric(normal(n, 0.0, 3 * seed + 2));
            let found = compare(&reference, &shifted, &Choice::Auto, &config).expect("numeric");
            assert_eq!(found.tests[0].test, expected_test);
            assert_eq!(
                found.drifted(),
                Some(true),
                "n = {n}, seed {seed}: {found:?}"
            );
            let quiet = compare(&reference, &same, &Choice::Auto, &config).expect("numeric");
            false_alarms += usize::from(quiet.drifted() == Some(true));
        }
        // KS at p < 0.05 alarms on about 1 in 20 by design; normed Wasserstein at 0.1 hardly ever.
        assert!(
            false_alarms <= 3,
            "n = {n}: {false_alarms} false alarms in 20"
        );
    }
    // Ten values are below the minimum sample size: no verdict at all.
    let few = compare(
        &Values::Numeric(normal(10, 0.0, 4)),
        &Values::Numeric(normal(10, 5.0, 5)),
        &Choice::Auto,
        &config,
    )
    .expect("numeric");
    assert!(few.tests.is_empty() && few.no_verdict.is_some(), "{few:?}");
}

fn cloud(rows: usize, shift: f64, seed: u64) -> Array2<f64> {
    let values = normal(rows * 4, 0.0, seed);
    Array2::from_shape_vec((rows, 4), values)
        .expect("shape")
        .mapv(|v| v + shift)
}

#[test]
fn domain_classifier_separates_shifted_embeddings_only() {
    let config = ClassifierConfig::default();
    let reference = cloud(400, 0.0, 10);
    let shifted =
        domain_classifier::test(reference.view(), cloud(400, 0.5, 11).view(), &config, 0.55)
            .expect("fits");
    assert!(shifted.drifted && shifted.statistic > 0.6, "{shifted:?}");
    let same = domain_classifier::test(reference.view(), cloud(400, 0.0, 12).view(), &config, 0.55)
        .expect("fits");
    assert!(!same.drifted, "{same:?}");
    assert!(
        same.threshold >= 0.55,
        "small samples raise the threshold: {same:?}"
    );
}

#[test]
fn domain_classifier_tells_texts_apart_by_their_words() {
    let topics = |words: &[&str], n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    "{} {} request {i}",
                    words[i % words.len()],
                    words[(i * 7) % words.len()]
                )
            })
            .collect()
    };
    let reference = Values::Text(topics(&["billing", "invoice", "refund", "payment"], 300));
    let current = Values::Text(topics(&["password", "login", "account", "locked"], 300));
    let report = compare(
        &reference,
        &current,
        &Choice::Auto,
        &CompareConfig::default(),
    )
    .expect("text");
    assert_eq!(report.tests[0].test, Test::DomainClassifier);
    assert_eq!(report.drifted(), Some(true), "{report:?}");
}

#[test]
fn mmd_p_value_is_small_for_a_shift_and_large_without() {
    let config = MmdConfig {
        permutations: 100,
        ..MmdConfig::default()
    };
    let reference = cloud(150, 0.0, 20);
    let shifted = mmd::mmd(reference.view(), cloud(150, 0.6, 21).view(), &config);
    assert!(shifted.p_value <= 0.02, "{shifted:?}");
    let same = mmd::mmd(reference.view(), cloud(150, 0.0, 22).view(), &config);
    assert!(same.p_value > 0.05, "{same:?}");
}

#[test]
fn pca_reconstruction_flags_broken_correlations() {
    // Two strongly correlated pairs: one component per pair explains most of the variance.
    let correlated = |rows: usize, seed: u64, broken: bool| {
        let base = cloud(rows, 0.0, seed);
        let noise = cloud(rows, 0.0, seed + 100).mapv(|v| v * 0.1);
        let mut m = base.clone();
        for r in 0..rows {
            let (a, b) = (base[[r, 0]], base[[r, 2]]);
            m[[r, 1]] = if broken { -a } else { a } + noise[[r, 1]];
            m[[r, 3]] = b + noise[[r, 3]];
        }
        m
    };
    let reference = correlated(5_000, 30, false);
    let model = Reconstruction::fit(reference.view(), &PcaConfig::default()).expect("fits");
    let normal = model.test(correlated(500, 31, false).view(), 3.0);
    assert!(!normal.drifted, "{normal:?}");
    let broken = model.test(correlated(500, 32, true).view(), 3.0);
    // The marginals did not move, so no univariate test could see this.
    assert!(broken.drifted, "{broken:?}");
}

#[test]
fn domain_classifier_auc_faces_the_right_way_whatever_the_sizes() {
    let config = ClassifierConfig::default();
    // More reference rows than current ones: the class linfa scores is the reference's.
    let shifted = domain_classifier::test(
        cloud(1_000, 0.0, 40).view(),
        cloud(200, 0.6, 41).view(),
        &config,
        0.55,
    )
    .expect("fits");
    assert!(shifted.drifted && shifted.statistic > 0.6, "{shifted:?}");
    let reversed = domain_classifier::test(
        cloud(200, 0.0, 42).view(),
        cloud(1_000, 0.6, 43).view(),
        &config,
        0.55,
    )
    .expect("fits");
    assert!(reversed.drifted && reversed.statistic > 0.6, "{reversed:?}");
}

#[test]
fn a_baseline_keeps_few_valued_numbers_as_categories() {
    let flags = |n: usize, share: f64, seed: u64| -> Values {
        let u = normal(n, 0.0, seed);
        // Normal quantile 0.52 is about the 70th percentile: ~30% ones.
        Values::Numeric(
            u.iter()
                .map(|x| if *x > share { 1.0 } else { 0.0 })
                .collect(),
        )
    };
    let baseline = FeatureBaseline::of("flag", &flags(5_000, 0.52, 50), 10, 0).expect("values");
    let config = CompareConfig::default();
    let same = compare_to_baseline(&baseline, &flags(2_000, 0.52, 51), &Choice::Auto, &config)
        .expect("compares");
    assert_eq!(same.tests[0].test, Test::ZTest);
    assert_eq!(same.drifted(), Some(false), "{same:?}");
    // About 40% ones now.
    let moved = compare_to_baseline(&baseline, &flags(2_000, 0.25, 52), &Choice::Auto, &config)
        .expect("compares");
    assert_eq!(moved.drifted(), Some(true), "{moved:?}");
}

#[test]
fn binned_copes_with_a_span_beyond_the_largest_double() {
    let (a, b) = (vec![-1e308, 0.0, 1.0, 1e308], vec![-1e308, 2.0, 3.0, 1e308]);
    let pair = Pair::new(a.clone(), b.clone());
    let (sa, sb) = (Sorted::new(a), Sorted::new(b));
    assert_eq!(pair.ks().statistic, ks::ks_2samp(&sa, &sb).statistic);
    let (w1, w2) = (pair.wasserstein(), wasserstein::distance(&sa, &sb));
    assert!(
        w1.is_finite() && (w1 - w2).abs() <= 1e-9 * w2.abs(),
        "{w1} vs {w2}"
    );
}
