"""Runs the drift tests of `sightline bench drift` in Python, with scipy and numpy and, with --evidently,
with Evidently's own stattests, on the same two samples as the Rust side, timing each; prints the
results as one JSON object on stdout (logs go to stderr).

Input: two files of little-endian float64 values, raw bytes with no header (numpy's `tofile`).

    python drift_reference.py --reference REF.f64 --current CUR.f64 [--repeat 3] [--evidently]

scipy-only runs need numpy and scipy (the models venv that scripts/models.sh builds has them);
--evidently needs the venv of scripts/bench/requirements-drift.txt (Evidently 0.7.23), and exits with
status 2 when Evidently cannot be imported. Each time is the best of --repeat runs, each run on fresh
copies of the arrays (made, and for Evidently wrapped in pandas Series, outside the timed part).

The tests, scipy and numpy side ("scipy" in the output):
  ks           scipy.stats.ks_2samp(ref, cur), two-sided, method "auto" (asymptotic p-value when a
               sample has more than 10,000 values): statistic D and p_value.
  wasserstein  statistic = scipy.stats.wasserstein_distance(ref, cur), the first Wasserstein distance
               of the two empirical distributions; normed = statistic / max(std(ref), 1e-3), std with
               ddof 0 (Evidently's normalisation); both are computed in the timed part.
  psi          10 bins from the reference deciles: edges q = np.quantile(ref, linspace(0, 1, 11))
               (numpy's default "linear" method), q[0] replaced by -inf and q[10] by +inf, tied edges
               merged (np.unique), so that there are at most 10 bins, [q_i, q_{i+1}) (closed on the left,
               open on the right; the first is (-inf, q_1), the last [q_9, +inf)). r_i and c_i are the
               shares of the reference and current values in bin i; a share of 0 is replaced by 1e-4
               (on each side independently, without renormalising). statistic = sum_i (c_i - r_i) *
               ln(c_i / r_i); "bins" is the number of bins after merging.

Evidently ("evidently" in the output): the registered StatTest objects of
evidently.legacy.calculations.stattests (the ones its DataDriftPreset / ValueDrift metrics run), called
as test(pd.Series(ref), pd.Series(cur), ColumnType("num"), None), None meaning the test's default
threshold. Each returns (drift_score, drifted, threshold):
  ks           ks_stat_test: drift_score is ks_2samp's p-value (Evidently keeps no statistic), drifted
               when p_value <= 0.05. Reported as p_value.
  wasserstein  wasserstein_stat_test: drift_score is wasserstein_distance(ref, cur) / max(std(ref)
               (ddof 0), 0.001), the same "normed" value as above; drifted when >= 0.1.
  psi          psi_stat_test: drifted when PSI >= 0.1. Its binning is not ours, so its PSI differs
               (evidently/legacy/calculations/stattests/utils.py, get_binned_data):
               - a numerical reference with more than 20 distinct values is cut into equal-width bins,
                 np.histogram_bin_edges(concat(ref, cur), bins="sturges"): ceil(log2(n)) + 1 bins over
                 [min, max] of both samples together, n = len(ref) + len(cur) (22 bins for 1e6 + 1e6),
                 not reference quantiles; its psi_stat_test's n_bins=30 is not used on this path. Such
                 bins are sparse in the tails, so the PSI is noisier there, and an outlier in either
                 sample stretches every bin;
               - a reference with 20 distinct values or fewer is binned by value (one bin per distinct
                 value of either sample), like a categorical column;
               - an empty bin gets min(nonzero shares) / 1e6 if the smallest nonzero share is <= 1e-4,
                 else 1e-4, on each side independently;
               - PSI = sum (r_i - c_i) * ln(r_i / c_i), the same sum as ours.
Evidently's Report path (ValueDrift, DataDriftPreset) also drops NaN and +-inf before the test; this
direct call does not, so the inputs should hold finite values only. Evidently's default test for a
numerical column of more than 1,000 reference rows and more than 5 distinct values is wasserstein;
ks and psi are run here because they are asked for by name. Nothing here samples the data.
"""

import os

# One thread everywhere, set before numpy and scipy load their BLAS (the tests here hardly use it).
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import sys
import time

import numpy as np
import scipy
from scipy import stats

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the clone

PSI_BINS = 10
PSI_EPS = 1e-4
STD_FLOOR = 1e-3


def log(msg):
    print(f"drift_reference: {msg}", file=sys.stderr)


def read_f64(path):
    size = os.path.getsize(path)
    if size == 0 or size % 8:
        raise SystemExit(f"{path}: {size} bytes, not a non-empty array of float64")
    return np.fromfile(path, dtype="<f8")


def scipy_ks(ref, cur):
    res = stats.ks_2samp(ref, cur)
    return {"statistic": float(res.statistic), "p_value": float(res.pvalue)}


def scipy_wasserstein(ref, cur):
    raw = stats.wasserstein_distance(ref, cur)
    return {"statistic": float(raw), "normed": float(raw / max(np.std(ref), STD_FLOOR))}


def numpy_psi(ref, cur):
    edges = np.quantile(ref, np.linspace(0.0, 1.0, PSI_BINS + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    edges = np.unique(edges)
    inner = edges[1:-1]  # bin i is [edges[i], edges[i+1]): searchsorted side="right" puts x in it
    nbins = len(edges) - 1
    r = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=nbins) / len(ref)
    c = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=nbins) / len(cur)
    r[r == 0] = PSI_EPS
    c[c == 0] = PSI_EPS
    return {"statistic": float(np.sum((c - r) * np.log(c / r))), "bins": nbins}


def best_of(repeat, make_args, fn):
    """(best seconds, result of the last run) over `repeat` runs of fn(*make_args()), the arguments
    made afresh before each run, outside the timing."""
    best, out = float("inf"), None
    for _ in range(repeat):
        args = make_args()
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def run_scipy(ref, cur, repeat):
    copies = lambda: (ref.copy(), cur.copy())  # noqa: E731
    results = {"version": scipy.__version__}
    for name, fn in (("ks", scipy_ks), ("wasserstein", scipy_wasserstein), ("psi", numpy_psi)):
        seconds, out = best_of(repeat, copies, fn)
        results[name] = {"seconds": seconds, **out}
        log(f"scipy {name}: {seconds:.4f} s {out}")
    return results


def load_evidently():
    """(version, ColumnType, {name: StatTest}), or exit 2 when Evidently cannot be imported."""
    try:
        import evidently
        from evidently.legacy.calculations.stattests import ks_stat_test, psi_stat_test, wasserstein_stat_test
        from evidently.legacy.core import ColumnType
    except Exception as e:  # ImportError, or a broken install (Evidently 0.7.23 with pandas 3)
        print(f"drift_reference: --evidently needs Evidently (scripts/bench/requirements-drift.txt): {e!r}",
              file=sys.stderr)
        sys.exit(2)
    tests = {"ks": ks_stat_test, "wasserstein": wasserstein_stat_test, "psi": psi_stat_test}
    return evidently.__version__, ColumnType, tests


def run_evidently(ref, cur, repeat, evidently):
    import pandas as pd

    version, ColumnType, tests = evidently
    num = ColumnType("num")
    series = lambda: (pd.Series(ref.copy()), pd.Series(cur.copy()))  # noqa: E731
    results = {"version": version}
    for name, key in (("ks", "p_value"), ("wasserstein", "normed"), ("psi", "statistic")):
        test = tests[name]
        seconds, res = best_of(repeat, series, lambda r, c, test=test: test(r, c, num, None))
        results[name] = {"seconds": seconds, key: float(res.drift_score), "drift": bool(res.drifted),
                         "threshold": float(res.actual_threshold)}
        log(f"evidently {name}: {seconds:.4f} s {res}")
    if len(np.unique(ref)) > 20:  # the path psi_stat_test took (see the module docstring)
        results["psi"]["bins"] = len(np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")) - 1
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="little-endian float64 values, no header")
    ap.add_argument("--current", required=True, help="little-endian float64 values, no header")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each test; the best is kept")
    ap.add_argument("--evidently", action="store_true", help="also run Evidently's stattests")
    args = ap.parse_args()
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    evidently = load_evidently() if args.evidently else None

    ref, cur = read_f64(args.reference), read_f64(args.current)
    log(f"{len(ref)} reference and {len(cur)} current values")
    out = {"n_reference": len(ref), "n_current": len(cur), "repeat": args.repeat,
           "numpy_version": np.__version__, "scipy": run_scipy(ref, cur, args.repeat)}
    if args.evidently:
        out["evidently"] = run_evidently(ref, cur, args.repeat, evidently)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
