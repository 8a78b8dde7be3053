"""Exports the default toxicity model (the scikit-learn pickles shipped in alt-profanity-check 1.9.1)
as a sparse linear text model that Sightline scores natively in Rust: the vectorizer's vocabulary
and idf weights, and each calibrated fold's LinearSVC weights, intercept and sigmoid.

The format, `sightline-tfidf-linear/1`, is JSON:
    terms    the vocabulary, in feature order
    idf      one weight per term
    folds    [{weights: one per term, intercept, sigmoid_a, sigmoid_b}]
and it means exactly what scikit-learn computes for this pipeline:
    tokens   maximal runs of two or more word characters ([\\p{L}\\p{N}_]) of the lowercased text
    x        term counts times idf, L2-normalised (all zeros when no term is known)
    score    mean over folds of 1 / (1 + exp(a * (weights . x + intercept) + b))
The script refuses a vectorizer or classifier whose settings would mean something else.

Run by scripts/models.sh inside the pinned models venv (scripts/models/requirements.txt):
    python export_toxicity_linear.py OUT.json
The output is byte-for-byte reproducible with those pins; models.sh checks its sha256.
"""

import json
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the clone
from convert_toxicity import load_sklearn, sklearn_scores  # noqa: E402

FORMAT = "sightline-tfidf-linear/1"


def check(condition, what):
    if not condition:
        raise SystemExit(f"export_toxicity_linear: unsupported model: {what}")


def export():
    from sklearn.svm import LinearSVC

    vectorizer, classifier = load_sklearn()
    p = vectorizer.get_params()
    check(p["analyzer"] == "word" and p["ngram_range"] == (1, 1), "only word unigrams")
    check(p["lowercase"] and p["preprocessor"] is None and p["tokenizer"] is None, "lowercasing only")
    check(p["strip_accents"] is None, "accents kept")
    check(p["token_pattern"] == r"(?u)\b\w\w+\b", "the default token pattern")
    check(p["norm"] == "l2" and p["use_idf"] and not p["sublinear_tf"] and not p["binary"], "l2 tf-idf")
    check(list(classifier.classes_) == [0, 1], "binary classes 0 and 1")
    check(classifier.method == "sigmoid", "sigmoid calibration")

    n = len(vectorizer.vocabulary_)
    terms = [None] * n
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    folds = []
    for fold in classifier.calibrated_classifiers_:
        estimator = fold.estimator
        check(isinstance(estimator, LinearSVC) and estimator.coef_.shape == (1, n), "LinearSVC folds")
        (calibrator,) = fold.calibrators
        folds.append({
            "weights": [float(w) for w in estimator.coef_[0]],
            "intercept": float(estimator.intercept_[0]),
            "sigmoid_a": float(calibrator.a_),
            "sigmoid_b": float(calibrator.b_),
        })
    return {
        "format": FORMAT,
        "source": "alt-profanity-check 1.9.1 (MIT; TfidfVectorizer + CalibratedClassifierCV(LinearSVC), "
                  "scikit-learn 1.9.1), exported by Sightline scripts/models/export_toxicity_linear.py",
        "terms": terms,
        "idf": [float(v) for v in vectorizer.idf_],
        "folds": folds,
    }


def scores(model, texts):
    """The format's meaning, in numpy, as a check of the export against scikit-learn."""
    import re

    index = {t: i for i, t in enumerate(model["terms"])}
    idf = np.array(model["idf"])
    token = re.compile(r"(?u)\b\w\w+\b")
    out = []
    for text in texts:
        x = np.zeros(len(idf))
        for t in token.findall(text.lower()):
            if t in index:
                x[index[t]] += idf[index[t]]
        norm = np.linalg.norm(x)
        if norm > 0:
            x /= norm
        out.append(np.mean([
            1.0 / (1.0 + np.exp(f["sigmoid_a"] * (np.dot(f["weights"], x) + f["intercept"]) + f["sigmoid_b"]))
            for f in model["folds"]
        ]))
    return np.array(out)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} OUT.json")
    out = sys.argv[1]
    model = export()
    texts = ["have a lovely day", "you are a fucking idiot", "Café crème, s'il vous plaît", "", "the and"]
    diff = np.max(np.abs(sklearn_scores(texts) - scores(model, texts)))
    if not diff < 1e-9:
        raise SystemExit(f"the export and scikit-learn disagree by {diff}")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(model, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, out)
    print(f"export_toxicity_linear: wrote {out} ({len(model['terms'])} terms, "
          f"{len(model['folds'])} folds), max |export - sklearn| {diff:.2e}", file=sys.stderr)


if __name__ == "__main__":
    main()
