"""Converts the default toxicity model (the scikit-learn pickles shipped in alt-profanity-check 1.9.1)
into an ONNX graph: input `text`, string [N, 1]; output `probabilities`, float [N, 2], column 1 being
the probability that the text is offensive (skl2onnx also emits `label`, int64 [N]).

Run by scripts/models.sh inside the pinned models venv (scripts/models/requirements.txt):
    python convert_toxicity.py OUT.onnx
The output is byte-for-byte reproducible with those pins; models.sh checks its sha256.
"""

import importlib.util
import os
import sys

import joblib
import numpy as np


def pickle_dir():
    """The folder holding alt-profanity-check's pickles, found without importing the package (its
    __init__ loads both pickles as a side effect)."""
    spec = importlib.util.find_spec("profanity_check")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("alt-profanity-check is not installed in this environment")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


def load_sklearn():
    """(vectorizer, classifier) as alt-profanity-check uses them: a TfidfVectorizer and a
    CalibratedClassifierCV(LinearSVC), applied one after the other."""
    import sklearn

    if sklearn.__version__ != "1.9.1":
        raise SystemExit(f"scikit-learn 1.9.1 is required to load the pickles, found {sklearn.__version__}")
    d = pickle_dir()
    return joblib.load(os.path.join(d, "vectorizer.joblib")), joblib.load(os.path.join(d, "model.joblib"))


def sklearn_scores(texts):
    """predict_proba[:, 1] of the scikit-learn original, in float64."""
    vectorizer, classifier = load_sklearn()
    return classifier.predict_proba(vectorizer.transform(list(texts)))[:, 1]


def convert():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import StringTensorType

    vectorizer, classifier = load_sklearn()
    pipeline = Pipeline([("tfidf", vectorizer), ("classifier", classifier)])
    options = {
        # sklearn's token_pattern is (?u)\b\w\w+\b: runs of two or more word characters. ONNX
        # Runtime's Tokenizer uses RE2, which has no \b; this class matches the same runs. (The
        # converter's own default, [a-zA-Z0-9_]+, would split words at accented letters and keep
        # one-letter tokens.)
        TfidfVectorizer: {"tokenexp": r"[\p{L}\p{N}_][\p{L}\p{N}_]+", "locale": "C.UTF-8"},
        CalibratedClassifierCV: {"zipmap": False},
    }
    onx = convert_sklearn(
        pipeline,
        name="sightline_toxicity",  # the default is a random uuid, which would change the bytes
        initial_types=[("text", StringTensorType([None, 1]))],
        options=options,
        # Pinned so that a newer onnx in the pins cannot silently raise it.
        target_opset={"": 22, "ai.onnx.ml": 3},
    )
    # Fixed metadata: nothing about the build machine or the time ends up in the file.
    onx.producer_name = "skl2onnx"
    onx.doc_string = (
        "alt-profanity-check 1.9.1 (MIT; TfidfVectorizer + CalibratedClassifierCV(LinearSVC), "
        "scikit-learn 1.9.1), converted by Sightline scripts/models/convert_toxicity.py"
    )
    onx.graph.doc_string = ""
    # skl2onnx fills opset_import from a set, so its order follows the string hash seed.
    opsets = sorted(((o.domain, o.version) for o in onx.opset_import))
    del onx.opset_import[:]
    for domain, version in opsets:
        onx.opset_import.add(domain=domain, version=version)
    return onx


def onnx_scores(model_path_or_bytes, texts):
    """Column 1 of `probabilities` from ONNX Runtime, one thread, in float32."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model_path_or_bytes, so, providers=["CPUExecutionProvider"])
    x = np.array(list(texts), dtype=object).reshape(-1, 1)
    return sess.run(["probabilities"], {"text": x})[0][:, 1]


def main():
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} OUT.onnx")
    out = sys.argv[1]
    onx = convert()
    data = onx.SerializeToString()

    import onnx

    onnx.checker.check_model(onx)
    # A quick agreement check; scripts/models/reference_scores.py does the full one.
    texts = ["have a lovely day", "you are a fucking idiot", "Café crème, s'il vous plaît", ""]
    diff = np.max(np.abs(sklearn_scores(texts) - onnx_scores(data, texts)))
    if not diff < 1e-5:
        raise SystemExit(f"ONNX and scikit-learn disagree by {diff}")

    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)
    print(f"convert_toxicity: wrote {out} ({len(data)} bytes), max |onnx - sklearn| {diff:.2e}", file=sys.stderr)


if __name__ == "__main__":
    main()
