//! Mann–Whitney U for latency and cost, with the Hodges–Lehmann shift as the difference.
//!
//! The p-value is scipy's `mannwhitneyu(arm, control, method="asymptotic")`: the normal
//! approximation with the tie correction and the continuity correction. The shift is the median of
//! every pairwise difference (arm − control), and its interval the order statistics k and N + 1 − k
//! of those N differences, with k = ⌊N/2 − z₀.₉₇₅·σ_U⌋ (Moses' interval, on the same tie-corrected
//! σ_U). Order statistics are found by bisection on the value, counting pairs in time linear in
//! the distinct values, so no N-sized array is ever built.

use sightline_drift::stats::special::normal_sf;

use super::{
    CONFIDENCE, Difference,
    histogram::{Histogram, from_order_key, order_key},
    normal_quantile,
};

/// `None` when either side is empty.
pub fn compare(control: &Histogram, arm: &Histogram) -> Option<Difference> {
    if control.is_empty() || arm.is_empty() {
        return None;
    }
    let (n1, n2) = (arm.total() as f64, control.total() as f64);
    let (rank_sum, tie_term) = arm_rank_sum(control.values(), arm.values());
    let u1 = rank_sum - n1 * (n1 + 1.0) / 2.0;
    let u = u1.max(n1 * n2 - u1);
    let n = n1 + n2;
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let p_value = if sigma > 0.0 {
        (2.0 * normal_sf((u - n1 * n2 / 2.0 - 0.5) / sigma)).min(1.0)
    } else {
        1.0
    };
    let pairs = control.total() * arm.total();
    let z = normal_quantile(0.5 + CONFIDENCE / 2.0);
    let k = ((pairs as f64 / 2.0 - z * sigma).floor().max(1.0)) as u64;
    let kth = |k| kth_difference(control.values(), arm.values(), k);
    let median = if pairs % 2 == 1 {
        kth(pairs / 2 + 1)
    } else {
        (kth(pairs / 2) + kth(pairs / 2 + 1)) / 2.0
    };
    Some(Difference {
        estimate: median,
        low: kth(k),
        high: kth(pairs + 1 - k),
        statistic: u1,
        p_value,
    })
}

/// The sum of the arm's ranks in the pooled sample (ties get their mean rank), and Σ(t³ − t)
/// over the tied groups.
fn arm_rank_sum(control: &[(f64, u64)], arm: &[(f64, u64)]) -> (f64, f64) {
    let (mut i, mut j, mut below) = (0, 0, 0u64);
    let (mut rank_sum, mut tie_term) = (0.0, 0.0);
    while i < control.len() || j < arm.len() {
        let value = match (control.get(i), arm.get(j)) {
            (Some(c), Some(a)) => c.0.min(a.0),
            (Some(c), None) => c.0,
            (None, Some(a)) => a.0,
            (None, None) => unreachable!("the loop runs while a side has values"),
        };
        let take = |side: &[(f64, u64)], at: &mut usize| match side.get(*at) {
            Some(&(v, count)) if v == value => {
                *at += 1;
                count
            }
            _ => 0,
        };
        let (from_control, from_arm) = (take(control, &mut i), take(arm, &mut j));
        let tied = (from_control + from_arm) as f64;
        rank_sum += from_arm as f64 * (below as f64 + 1.0 + (tied - 1.0) / 2.0);
        tie_term += tied * tied * tied - tied;
        below += from_control + from_arm;
    }
    (rank_sum, tie_term)
}

/// The k-th smallest (from 1) of the differences arm − control over every pair: the smallest
/// double t with at least k differences ≤ t, which is itself one of the differences.
fn kth_difference(control: &[(f64, u64)], arm: &[(f64, u64)], k: u64) -> f64 {
    let lowest = arm[0].0 - control[control.len() - 1].0;
    let highest = arm[arm.len() - 1].0 - control[0].0;
    let total: u64 = control.iter().map(|c| c.1).sum();
    let pairs_at_most = |t| pairs_at_most(control, total, arm, t);
    if pairs_at_most(lowest) >= k {
        return lowest;
    }
    // Invariant: fewer than k differences ≤ lo, at least k ≤ hi.
    let (mut lo, mut hi) = (order_key(lowest), order_key(highest));
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if pairs_at_most(from_order_key(mid)) >= k {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    from_order_key(hi)
}

/// How many pairs have arm − control ≤ t, `total` being the control's count. Rounded subtraction is monotone in each operand, so
/// the control values that leave a difference above t are the smallest ones, and there are more
/// of them the larger the arm's value.
fn pairs_at_most(control: &[(f64, u64)], total: u64, arm: &[(f64, u64)], t: f64) -> u64 {
    let (mut below, mut below_count, mut pairs) = (0, 0, 0);
    for &(a, a_count) in arm {
        while below < control.len() && a - control[below].0 > t {
            below_count += control[below].1;
            below += 1;
        }
        pairs += a_count * (total - below_count);
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statistics_match_sorting_every_difference() {
        let control = [-3.5, -1.0, 0.0, 0.1, 2.0, 2.0, 7.25, 0.1];
        let arm = [-2.0, 0.1, 0.3, 5.0, 11.0, 0.3];
        let mut all: Vec<f64> = arm
            .iter()
            .flat_map(|a| control.iter().map(move |c| a - c))
            .collect();
        all.sort_by(f64::total_cmp);
        let (c, a): (Histogram, Histogram) =
            (control.into_iter().collect(), arm.into_iter().collect());
        for (k, want) in (1..).zip(all) {
            assert_eq!(kth_difference(c.values(), a.values(), k), want, "k = {k}");
        }
    }
}
