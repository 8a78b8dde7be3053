"""Reference values for the drift tests, from scipy and numpy.

Samples come from a xorshift64 generator that the Rust tests reproduce bit for bit (uniform
doubles, then only exact operations), so no data needs to be stored. Run with the models
environment (it has scipy and numpy):
  "$SIGHTLINE_CACHE/models-venv/bin/python" scripts/reference/drift_goldens.py \
      > drift/tests/golden/drift.json
"""

import json
import math

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

MASK = (1 << 64) - 1


def uniform(seed, n):
    """xorshift64 (13, 7, 17); the top 53 bits as a double in [0, 1)."""
    x, out = seed, []
    for _ in range(n):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        out.append((x >> 11) / float(1 << 53))
    return out


def numeric(spec):
    u = np.array(uniform(spec["seed"], spec["n"]))
    values = u * spec["scale"] + spec["shift"]
    return np.floor(values) if spec.get("floor") else values


def categorical(spec):
    u = uniform(spec["seed"], spec["n"])
    return ["c%d" % int(x * spec["k"]) for x in u]


def gen(seed, n, scale=1.0, shift=0.0, floor=False):
    return {"seed": seed, "n": n, "scale": scale, "shift": shift, "floor": floor}


def quantile_counts(ref, cur, bins=10):
    """Inner edges at reference quantiles (numpy's linear), tied edges merged, open outer bins;
    a value on an edge goes to the bin above it."""
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    count = lambda x: np.bincount(np.searchsorted(edges, x, side="right"), minlength=len(edges) + 1)
    return count(ref), count(cur)


def category_counts(ref, cur):
    """Reference categories in first-seen order, then one bucket for unseen categories."""
    order = list(dict.fromkeys(ref))
    r = [ref.count(c) for c in order] + [0]
    c = [cur.count(c) for c in order] + [sum(1 for v in cur if v not in order)]
    return np.array(r), np.array(c)


def psi(r, c, eps=1e-4):
    fr = np.where(r == 0, eps, r / r.sum())
    fc = np.where(c == 0, eps, c / c.sum())
    return float(np.sum((fc - fr) * np.log(fc / fr)))


def mmd2_unbiased(x, y):
    """Unbiased MMD² with an RBF kernel whose width is the median pairwise distance."""
    z = np.vstack([x, y])
    d2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    iu = np.triu_indices(len(z), 1)
    sigma = np.median(np.sqrt(d2[iu]))
    k = np.exp(-d2 / (2 * sigma**2))
    m, n = len(x), len(y)
    kxx, kyy, kxy = k[:m, :m], k[m:, m:], k[:m, m:]
    xx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    yy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(xx + yy - 2 * kxy.mean()), float(sigma)


NUMERIC = [
    ("exact, equal sizes", gen(1, 20), gen(2, 20, shift=0.3)),
    ("exact, unequal sizes", gen(3, 7), gen(4, 13, shift=0.2)),
    ("exact, 100 vs 250", gen(5, 100), gen(6, 250, shift=0.1)),
    ("exact, 3000 vs 10000", gen(7, 3000), gen(8, 10000, shift=0.02)),
    ("exact, ties", gen(9, 500, scale=10, floor=True), gen(10, 500, scale=10, shift=0.5, floor=True)),
    ("exact, same distribution", gen(11, 1000), gen(12, 1000)),
    ("asymptotic, shifted", gen(13, 20000), gen(14, 15000, shift=0.01)),
    ("asymptotic, same distribution", gen(15, 50000, scale=3), gen(16, 40000, scale=3)),
    ("asymptotic, scaled", gen(17, 12000), gen(18, 11000, scale=1.05)),
]

out = {"numeric": [], "categorical": [], "ztest": [], "mmd": []}
for name, ref_spec, cur_spec in NUMERIC:
    ref, cur = numeric(ref_spec), numeric(cur_spec)
    ks = stats.ks_2samp(ref, cur, method="auto")
    raw = stats.wasserstein_distance(ref, cur)
    r, c = quantile_counts(ref, cur)
    out["numeric"].append({
        "name": name, "reference": ref_spec, "current": cur_spec,
        "ks": {"statistic": float(ks.statistic), "p_value": float(ks.pvalue),
               "exact": max(len(ref), len(cur)) <= 10000},
        "wasserstein": {"raw": float(raw), "normed": float(raw / max(np.std(ref), 1e-3))},
        "psi": psi(r, c),
        "jensenshannon": float(jensenshannon(r, c, base=2)),
    })

CATEGORICAL = [
    ("same categories", {"seed": 21, "n": 400, "k": 4}, {"seed": 22, "n": 300, "k": 4}),
    ("new categories", {"seed": 23, "n": 800, "k": 5}, {"seed": 24, "n": 700, "k": 7}),
    ("many values", {"seed": 25, "n": 5000, "k": 12}, {"seed": 26, "n": 6000, "k": 11}),
]
for name, ref_spec, cur_spec in CATEGORICAL:
    ref, cur = categorical(ref_spec), categorical(cur_spec)
    r, c = category_counts(ref, cur)
    keep = (r + c) > 0
    chi = stats.chi2_contingency(np.vstack([r[keep], c[keep]]), correction=False)
    out["categorical"].append({
        "name": name, "reference": ref_spec, "current": cur_spec,
        "chisquare": {"statistic": float(chi.statistic), "p_value": float(chi.pvalue)},
        "psi": psi(r, c),
        "jensenshannon": float(jensenshannon(r, c, base=2)),
    })

for (n1, x1), (n2, x2) in [((200, 30), (1000, 50)), ((5000, 2500), (5000, 2600)), ((40, 1), (45, 0))]:
    p1, p2, pooled = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    out["ztest"].append({"reference": [n1, x1], "current": [n2, x2], "z": z, "p_value": 2 * stats.norm.sf(abs(z))})

for name, ref_spec, cur_spec, dims in [
    ("one dimension", gen(31, 200), gen(32, 150, shift=0.2), 1),
    ("three dimensions", gen(33, 240), gen(34, 180, shift=0.1), 3),
]:
    x = numeric(ref_spec).reshape(-1, dims)
    y = numeric(cur_spec).reshape(-1, dims)
    statistic, sigma = mmd2_unbiased(x, y)
    out["mmd"].append({"name": name, "reference": ref_spec, "current": cur_spec, "dims": dims,
                       "statistic": statistic, "bandwidth": sigma})

print(json.dumps(out, indent=1))
