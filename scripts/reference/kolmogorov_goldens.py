"""Reference values from scipy for the Kolmogorov-Smirnov port (drift/src/stats/kolmogorov.rs):
two-sample tests (`ks2`), `kstwo.sf` over every branch of scipy's `_kolmogn` (`kstwo`), the
one-sided `smirnov` tail, and the two exact lattice-path building blocks (`square`, `inside`).

One whitespace-separated record per line:
  ks2 name n1 kind1 seed1 scale1 shift1 n2 kind2 seed2 scale2 shift2 D p exact
  kstwo n x sf
  smirnov n x sf
  square n h p
  inside m n h p
Samples come from a splitmix64 stream that the Rust tests replicate:
  u = (z >> 11) * 2**-53; kind c: u*scale+shift, i: floor(u*scale)+shift,
  l: i*scale+shift (i = index, seed ignored).

Run with the models environment (scipy 1.17.1):
  "$SIGHTLINE_CACHE/models-venv/bin/python" scripts/reference/kolmogorov_goldens.py \
      > drift/tests/golden/kolmogorov.txt
"""
import math, random, warnings
import numpy as np
import scipy
from scipy import stats, special
from scipy.stats._stats_py import _compute_prob_outside_square
from scipy.stats._stats_pythran import _compute_outer_prob_inside_method

assert scipy.__version__ == "1.17.1", scipy.__version__
M64 = (1 << 64) - 1


def splitmix(seed, n):
    z = seed & M64
    out = []
    for _ in range(n):
        z = (z + 0x9E3779B97F4A7C15) & M64
        x = z
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
        x ^= x >> 31
        out.append(float(x >> 11) * 2.0 ** -53)
    return out


def sample(n, kind, seed, scale, shift):
    if kind == "l":
        return np.array([float(i) * scale + shift for i in range(n)])
    u = splitmix(seed, n)
    if kind == "c":
        return np.array([v * scale + shift for v in u])
    return np.array([float(math.floor(v * scale)) + shift for v in u])


lines = []
r = repr


def emit(kind, *fields):
    lines.append(" ".join([kind] + [r(v) if isinstance(v, float) else str(v) for v in fields]))


def ks2(name, s1, s2):
    a, b = sample(*s1), sample(*s2)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = stats.ks_2samp(a, b)
    fell_back = any("Exact calculation unsuccessful" in str(x.message) for x in w)
    exact = max(len(a), len(b)) <= 10000 and not fell_back
    f = lambda s: f"{s[0]} {s[1]} {s[2]} {r(float(s[3]))} {r(float(s[4]))}"
    d, p = float(res.statistic), float(res.pvalue)
    lines.append(f"ks2 {name} {f(s1)} {f(s2)} {r(d)} {r(p)} {int(exact)}")


C = lambda n, seed, scale=1.0, shift=0.0: (n, "c", seed, scale, shift)
I = lambda n, seed, scale, shift=0.0: (n, "i", seed, scale, shift)
L = lambda n, scale=2.0, shift=0.0: (n, "l", 0, scale, shift)

# exact, equal sizes
for n in (1, 2, 3, 4, 5, 8, 10, 20, 50, 100, 333, 1000, 2500, 10000):
    ks2(f"eq{n}_null", C(n, 11 + n), C(n, 1000 + n))
    ks2(f"eq{n}_shift", C(n, 12 + n), C(n, 2000 + n, 1.0, 0.15))
ks2("eq100_far", C(100, 3), C(100, 4, 1.0, 0.7))
ks2("eq10000_far", C(10000, 5), C(10000, 6, 1.0, 0.3))
# exact, unequal sizes
for (n1, n2) in ((1, 2), (2, 1), (7, 13), (13, 7), (100, 250), (37, 1000),
                 (3000, 10000), (1, 10000), (10000, 1), (9999, 10000),
                 (6000, 9000), (150, 151), (64, 96)):
    ks2(f"ne{n1}_{n2}_null", C(n1, 31 + n1), C(n2, 77 + n2))
    ks2(f"ne{n1}_{n2}_shift", C(n1, 32 + n1), C(n2, 78 + n2, 1.2, 0.1))
ks2("ne100_110_far", C(100, 7), C(110, 8, 1.0, 0.6))
ks2("ne500_700_far", C(500, 9), C(700, 10, 1.0, 0.5))
# ties (integer-valued data), also ties across samples
for (n1, n2, k) in ((10, 10, 3), (50, 60, 5), (200, 200, 10), (1000, 1500, 20),
                    (7, 13, 2), (5000, 5000, 50), (10000, 8000, 7)):
    ks2(f"tie{n1}_{n2}_{k}_null", I(n1, 100 + k, k), I(n2, 200 + k, k))
    ks2(f"tie{n1}_{n2}_{k}_shift", I(n1, 101 + k, k), I(n2, 201 + k, k, 1.0))
# D == 0
ks2("same50", C(50, 42), C(50, 42))
ks2("same_ties", I(300, 43, 4), I(300, 43, 4))
ks2("same_asymp", C(20000, 44), C(20000, 44))
ks2("const", I(30, 1, 1.0, 5.0), I(40, 2, 1.0, 5.0))
# interleaved samples: D = 1/n, exact may overshoot 1 and fall back to asymp
for n in (1, 2, 3, 5, 7, 13, 14, 30, 100, 1000, 4567):
    ks2(f"inter{n}", L(n), L(n, 2.0, 1.0))
ks2("inter_ne", L(6, 3.0), L(9, 2.0, 0.5))
ks2("disjoint", C(40, 1), C(60, 2, 1.0, 5.0))
ks2("disjoint_eq", C(40, 1), C(40, 2, 1.0, 5.0))
# random sweep of small exact cases, mixing continuous, tied and lattice data
sweep = random.Random(2024)
for case in range(300):
    n1, n2 = sweep.randint(1, 400), sweep.randint(1, 400)
    if case % 3 == 0:
        n2 = n1
    kind = sweep.choice("ccil")
    scale = {"c": 1.0, "i": float(sweep.randint(1, 30)), "l": float(sweep.randint(1, 4))}[kind]
    shift = sweep.choice([0.0, 0.05, 0.2, 0.5, 1.0, -0.3])
    ks2(f"rand{case}", (n1, kind, 5000 + case, scale, 0.0),
        (n2, kind, 9000 + case, scale, shift))
# asymptotic
ks2("as20000_15000_null", C(20000, 501), C(15000, 502))
ks2("as20000_15000_shift", C(20000, 503), C(15000, 504, 1.0, 0.02))
ks2("as20000_15000_far", C(20000, 505), C(15000, 506, 1.0, 0.06))
ks2("as10001_1", C(10001, 507), C(1, 508))
ks2("as10001_10000", C(10001, 509), C(10000, 510, 1.0, 0.01))
ks2("as50000_3", C(50000, 511), C(3, 512, 1.0, 0.5))
ks2("as12000_40", C(12000, 513), C(40, 514, 1.0, 0.2))
ks2("as_ties", I(30000, 515, 100), I(25000, 516, 100, 1.0))
ks2("as_disjoint", C(20000, 517), C(10, 518, 1.0, 3.0))
ks2("as1e6_null", C(1000000, 601), C(1000000, 602))
ks2("as1e6_shift", C(1000000, 603), C(1000000, 604, 1.0, 0.002))
ks2("as1e6_far", C(1000000, 605), C(1000000, 606, 1.0, 0.01))


# kstwo.sf grid
def xs_for(n):
    xs = {0.0, -0.1, 1.0, 1.5, 0.5 / n, 0.3 / n, 0.5 / n * (1 + 1e-12),
          0.75 / n, 1.0 / n, 1.0 / n * (1 + 1e-12), 1.5 / n, 2.0 / n, 3.0 / n,
          0.5, 0.5 * (1 - 1e-12), 0.6, 0.9, 0.99, (n - 1.0) / n,
          (n - 1.0) / n * (1 - 1e-12), 1 - 0.5 / n}
    for q in (0.1, 0.3, 0.5, 0.754693, 0.8, 1.0, 1.5, 2.0, 2.2, 3.0, 4.0, 5.0,
              10.0, 17.9, 18.0, 18.1, 50.0, 200.0, 369.0, 370.0, 371.0, 800.0):
        x = math.sqrt(q / n)
        xs.update((x, x * (1 - 1e-9), x * (1 + 1e-9)))
    x = (1.4 / n) ** (2.0 / 3.0)
    xs.update((x, x * (1 - 1e-9), x * (1 + 1e-9)))
    return sorted(xs)


rng = random.Random(7)
ns = list(range(1, 141, 7)) + [139, 140, 141, 150, 199, 200, 250, 500, 1000, 5000, 10000, 99999, 100000, 100001,
                            500000, 1000000, 1000001, 2000000]
for n in ns:
    xs = xs_for(n) + [rng.random() * min(1.0, 8.0 / math.sqrt(n)) for _ in range(4)]
    for x in xs:
        emit("kstwo", n, float(x), float(stats.kstwo.sf(x, n)))

for _ in range(600):
    n = rng.choice([rng.randint(1, 300), rng.randint(1, 5000), rng.randint(1, 200000)])
    x = rng.random() * min(1.0, 6.0 / math.sqrt(n))
    emit("kstwo", n, x, float(stats.kstwo.sf(x, n)))

# smirnov (one-sided) directly, covering its own branches
for n in (1, 2, 3, 5, 10, 36, 50, 140, 141, 1000, 12345, 100000, 1000000, 1000001, 3000000):
    xs = {0.0, 1.0, 0.5 / n, 1.0 / n, 2.0 / n, 2.5 / n, 1 - 1.0 / n, 1 - 0.3 / n,
          0.5, 0.7, 0.5 / math.sqrt(n), 1.0 / math.sqrt(n), 2.0 / math.sqrt(n),
          5.0 / math.sqrt(n), 20.0 / math.sqrt(n), 0.999}
    xs.update(rng.random() for _ in range(3))
    for x in sorted(v for v in xs if 0.0 <= v <= 1.0):
        emit("smirnov", n, float(x), float(special.smirnov(n, x)))

# building blocks of the exact two-sample computation
for n in (1, 2, 5, 30, 100, 1000, 10000):
    for h in sorted({1, 2, 3, max(1, n // 10), max(1, n // 3), max(1, n // 2), n}):
        emit("square", n, h, float(_compute_prob_outside_square(n, h)))
for (m, n) in ((1, 1), (1, 2), (2, 3), (7, 13), (13, 7), (100, 250), (250, 100),
               (64, 96), (999, 1000), (3000, 10000), (10000, 1)):
    g = math.gcd(m, n)
    lcm = m // g * n
    hs = {1, 2, lcm // 100 + 1, lcm // 20 + 1, lcm // 7 + 1, lcm // 2, lcm}
    for h in sorted(v for v in hs if 1 <= v <= lcm):
        p = float(_compute_outer_prob_inside_method(m, n, g, h))
        emit("inside", m, n, h, p)

print("\n".join(lines))
