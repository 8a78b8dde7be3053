"""Measures the throughput of the scikit-learn original of the toxicity model (alt-profanity-check
1.9.1: vectorizer.transform then predict_proba), single-threaded, so that a Rust benchmark can run it
beside the ONNX model. Reads texts from a file, one per line; prints {"texts_per_s": ...} as JSON.

Run in the models venv that scripts/models.sh builds:
    "${SIGHTLINE_CACHE:-/var/cache/sightline}/models-venv/bin/python" scripts/bench/toxicity_sklearn.py TEXTS.txt
"""

import os

# One thread everywhere, set before numpy and scipy load their BLAS.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the clone
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
from convert_toxicity import load_sklearn  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("texts", help="a UTF-8 file with one text per line")
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the whole file")
    args = ap.parse_args()

    with open(args.texts, encoding="utf-8") as f:
        texts = f.read().splitlines()
    if not texts:
        raise SystemExit("no texts")
    batches = [texts[i : i + args.batch_size] for i in range(0, len(texts), args.batch_size)]

    from threadpoolctl import threadpool_limits

    vectorizer, classifier = load_sklearn()
    with threadpool_limits(limits=1):
        classifier.predict_proba(vectorizer.transform(batches[0]))  # warm-up, not timed
        start = time.perf_counter()
        for _ in range(args.repeat):
            for batch in batches:
                classifier.predict_proba(vectorizer.transform(batch))[:, 1]
        elapsed = time.perf_counter() - start

    print(json.dumps({
        "texts_per_s": len(texts) * args.repeat / elapsed,
        "texts": len(texts),
        "batch_size": args.batch_size,
        "repeat": args.repeat,
    }))


if __name__ == "__main__":
    main()
