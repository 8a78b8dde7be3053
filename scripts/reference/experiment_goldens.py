"""Reference values for the experiment statistics, from scipy and numpy.

The samples are written into the golden file with the answers, so the Rust test reads the very
values scipy saw. Run with the models environment (it has scipy and numpy):
  "$SIGHTLINE_CACHE/models-venv/bin/python" scripts/reference/experiment_goldens.py \
      > experiments/tests/golden/experiments.json
"""

import json
import math

import numpy as np
from scipy import stats

Z975 = stats.norm.ppf(0.975)
Z80 = stats.norm.ppf(0.8)
rng = np.random.default_rng(20261207)


def mann_whitney(control, arm):
    """scipy's asymptotic U test, and the Hodges-Lehmann shift with Moses' interval on the same
    tie-corrected sigma: order statistics k and N + 1 - k of the N pairwise differences."""
    res = stats.mannwhitneyu(arm, control, method="asymptotic", use_continuity=True,
                             alternative="two-sided")
    n1, n2 = len(arm), len(control)
    _, counts = np.unique(np.concatenate([arm, control]), return_counts=True)
    tie_term = float((counts.astype(float) ** 3 - counts).sum())
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    d = np.sort(np.subtract.outer(np.asarray(arm), np.asarray(control)).ravel())
    pairs = len(d)
    k = max(1, math.floor(pairs / 2 - Z975 * sigma))
    return {"estimate": float(np.median(d)), "low": float(d[k - 1]), "high": float(d[pairs - k]),
            "statistic": float(res.statistic), "p_value": float(res.pvalue)}


def welch(control, arm):
    res = stats.ttest_ind(arm, control, equal_var=False)
    ci = res.confidence_interval(0.95)
    return {"estimate": float(np.mean(arm) - np.mean(control)), "low": float(ci.low),
            "high": float(ci.high), "statistic": float(res.statistic),
            "p_value": float(res.pvalue), "dof": float(res.df)}


def samples(name, control, arm):
    control, arm = np.asarray(control, dtype=float), np.asarray(arm, dtype=float)
    return {"name": name, "control": control.tolist(), "arm": arm.tolist(),
            "percentiles": {"control": np.percentile(control, [50, 95]).tolist(),
                            "arm": np.percentile(arm, [50, 95]).tolist()},
            "mann_whitney": mann_whitney(control, arm), "welch": welch(control, arm)}


def proportions(control, arm):
    (nc, xc), (na, xa) = control, arm
    pc, pa = xc / nc, xa / na
    pooled = (xc + xa) / (nc + na)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / na))
    z, p = (0.0, 1.0) if se0 == 0 else ((pa - pc) / se0, 2 * stats.norm.sf(abs((pa - pc) / se0)))
    half = Z975 * math.sqrt(pc * (1 - pc) / nc + pa * (1 - pa) / na)
    return {"control": [nc, xc], "arm": [na, xa], "estimate": pa - pc, "low": pa - pc - half,
            "high": pa - pc + half, "statistic": z, "p_value": p}


def needed_means(mean, variance, change):
    delta = abs(mean * change)
    return math.ceil(2 * (Z975 + Z80) ** 2 * variance / delta ** 2)


def needed_rates(rate, change):
    p1, p2 = rate, min(1.0, rate * (1 + change))
    m = (p1 + p2) / 2
    root = Z975 * math.sqrt(2 * m * (1 - m)) + Z80 * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(root ** 2 / (p1 - p2) ** 2)


latency = lambda n, median: np.round(rng.lognormal(math.log(median), 0.35, n), 1)
cases = [
    samples("latency, rounded to 0.1 ms so that values tie", latency(300, 320), latency(280, 340)),
    samples("small integer samples with ties", [3, 1, 4, 1, 5], [9, 2, 6, 5, 3, 5, 8]),
    samples("normal, shifted by a fifth of a deviation", rng.normal(10, 2, 1000),
            rng.normal(10.4, 2.5, 1200)),
    samples("one distribution", rng.exponential(1.0, 50), rng.exponential(1.0, 50)),
    samples("costs in dollars", np.round(rng.gamma(2.0, 0.0004, 400), 7),
            np.round(rng.gamma(2.0, 0.00045, 350), 7)),
]

out = {
    "samples": cases,
    "proportions": [proportions(c, a) for c, a in [
        ((1000, 50), (1000, 72)), ((200, 30), (180, 9)), ((50, 25), (60, 20)),
        ((20_000, 2_000), (10_000, 1_234)), ((40, 0), (30, 1)), ((1000, 0), (900, 0))]],
    "needed_means": [{"mean": m, "variance": v, "change": c, "n": needed_means(m, v, c)}
                     for m, v, c in [(320.0, 12_000.0, 0.1), (0.0012, 1e-6, 0.05), (4.2, 0.8, 0.2)]],
    "needed_rates": [{"rate": r, "change": c, "n": needed_rates(r, c)}
                     for r, c in [(0.05, 0.1), (0.2, 0.25), (0.01, 1.0)]],
    "quantiles": {"norm_975": Z975, "norm_80": Z80, "t_975_10": float(stats.t.ppf(0.975, 10)),
                  "t_975_3_7": float(stats.t.ppf(0.975, 3.7)),
                  "t_sf_2_10": float(stats.t.sf(2.0, 10)), "t_sf_0_5_2_5": float(stats.t.sf(0.5, 2.5)),
                  "t_sf_6_1000": float(stats.t.sf(6.0, 1000))},
}
print(json.dumps(out, indent=1))
