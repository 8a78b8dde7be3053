"""Records reference toxicity scores from the scikit-learn original (alt-profanity-check 1.9.1) for a
fixed set of sentences, next to the ONNX Runtime score of the converted model, as the fixture
tests/fixtures/toxicity/reference_scores.json. Fails if the two disagree by 1e-5 or more.

Run in the models venv that scripts/models.sh builds:
    eval "$(scripts/models.sh)"
    "${SIGHTLINE_CACHE:-/var/cache/sightline}/models-venv/bin/python" scripts/models/reference_scores.py \
        --out tests/fixtures/toxicity/reference_scores.json
With --davidson PATH/labeled_data.csv it also reports, on stderr, the agreement over the whole
Davidson set and the ROC AUC of both models on a balanced 1,000-tweet subset (no tweet is printed).
"""

import argparse
import csv
import hashlib
import json
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the clone
from convert_toxicity import onnx_scores, sklearn_scores  # noqa: E402

TOLERANCE = 1e-5

# Chosen so that each branch of the tokenizer is exercised: non-ASCII words and upper case that are
# in the vocabulary (pokémon, beyoncé, josé, 連絡), underscores and digits (user_talk, 2nd), and
# inputs with no known word at all (they all score the intercept-only value).
#
# Known disagreements, left out on purpose: Python's str.lower applies Unicode's special casing and
# ONNX Runtime's StringNormalizer (towlower) does not, so "İDİOT" (sklearn lowers İ to i + U+0307,
# which then splits the word) and Greek words ending in capital sigma (sklearn writes a final ς)
# score differently. No converter option changes that.
SENTENCES = [
    # benign
    "Have a wonderful day!",
    "The meeting has moved to 3pm on Thursday.",
    "Thank you so much for your help with the report.",
    # offensive or profane
    "You are a fucking idiot.",
    "shut up you stupid bitch",
    "WHAT THE FUCK IS THIS SHIT",
    "go to hell, asshole",
    # borderline
    "I hate Mondays.",
    "That movie was damn good.",
    "Kill the process and restart the server.",
    "You're an idiot sometimes, but I love you.",
    # unicode, accents and case
    "Café crème, s'il vous plaît.",
    "ÇA VA TRÈS BIEN, MERCI",
    "POKÉMON and Beyoncé",
    "José, you absolute moron",
    "連絡 見学",
    "I ❤️ this 🔥🔥",
    # empty-ish and short
    "",
    "   ",
    "a",
    "ok",
    # numbers, underscores and punctuation
    "Back in 2014 we came 2nd, 3.14159",
    "see user_talk __toc__",
    "!!! ??? ... ;-) @user #tag http://example.com/a_b",
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def roc_auc(labels, scores):
    """ROC AUC by the rank-sum formula, ties counted as one half."""
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    ranks = rankdata(scores)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return (ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def davidson(model, path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [r["tweet"] for r in rows]
    classes = np.array([int(r["class"]) for r in rows])
    sk, ox = sklearn_scores(texts), onnx_scores(model, texts)
    diff = np.abs(sk - ox)
    print(
        f"davidson: {len(texts)} tweets, max |onnx - sklearn| {diff.max():.3e}, "
        f"{int((diff >= TOLERANCE).sum())} at or above {TOLERANCE}",
        file=sys.stderr,
    )
    # The balanced subset: positives are class 0 (hate) or 1 (offensive), negatives class 2
    # (neither). Both groups are lists of row positions in file order; one
    # numpy.random.default_rng(0) draws 500 positives first, then 500 negatives, each with
    # rng.choice(group, 500, replace=False).
    rng = np.random.default_rng(0)
    pos = rng.choice(np.flatnonzero(classes <= 1), 500, replace=False)
    neg = rng.choice(np.flatnonzero(classes == 2), 500, replace=False)
    idx = np.concatenate([pos, neg])
    labels = np.concatenate([np.ones(500), np.zeros(500)])
    print(
        f"davidson: balanced 1,000 (seed 0): ROC AUC sklearn {roc_auc(labels, sk[idx]):.6f}, "
        f"onnx {roc_auc(labels, ox[idx]):.6f}",
        file=sys.stderr,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.environ.get("SIGHTLINE_TOXICITY_ONNX"),
                    help="the converted model (default: $SIGHTLINE_TOXICITY_ONNX)")
    ap.add_argument("--out", help="where to write the JSON (default: stdout)")
    ap.add_argument("--davidson", help="Davidson labeled_data.csv, for the extra report on stderr")
    args = ap.parse_args()
    if not args.model:
        ap.error("no model: pass --model or set SIGHTLINE_TOXICITY_ONNX")

    sk = sklearn_scores(SENTENCES)
    ox = onnx_scores(args.model, SENTENCES)
    diff = np.abs(sk - ox)
    worst = int(np.argmax(diff))
    print(f"reference: max |onnx - sklearn| {diff[worst]:.3e} (sentence {worst})", file=sys.stderr)
    bad = [i for i in range(len(SENTENCES)) if not diff[i] < TOLERANCE]
    if bad:
        for i in bad:
            print(f"reference: sentence {i} {SENTENCES[i]!r}: sklearn {sk[i]}, onnx {ox[i]}", file=sys.stderr)
        raise SystemExit(f"{len(bad)} sentences differ by {TOLERANCE} or more")

    doc = {
        "model_sha256": sha256(args.model),
        "tolerance": TOLERANCE,
        "sentences": [
            {"text": t, "sklearn": float(s), "onnx": float(o)} for t, s, o in zip(SENTENCES, sk, ox)
        ],
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)

    if args.davidson:
        davidson(args.model, args.davidson)


if __name__ == "__main__":
    main()
