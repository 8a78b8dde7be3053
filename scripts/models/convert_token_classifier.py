"""Trains and exports a tiny token-id text classifier: a test model for the `tokens` input of the
toxicity evaluator (evaluators/src/toxicity/model.rs), not one to use in earnest.

The model is a logistic regression on bag-of-token-ids features: for a text tokenized with a BERT
WordPiece tokenizer.json (special tokens included), feature v is the share of its tokens that are v.
Its decision function is therefore the mean, over the text's tokens, of one weight per token id,
plus a bias, which is what the ONNX graph computes:

    inputs   input_ids       int64 [N, L]  (padded with 0 to the longest text in the batch)
             attention_mask  int64 [N, L]  (1 for real tokens, 0 for padding)
    z        = sum(W[input_ids] * mask, axis 1) / max(sum(mask, axis 1), 1) + b      [N, 1]
    output   logits          float [N, 2] = [0, z]

so that softmax(logits)[:, 1] = sigmoid(z) is the probability that the text is offensive (column 1),
as scikit-learn's predict_proba gives it.

Training data: Davidson et al. (2017), labeled_data.csv; positive = class 0 (hate) or 1 (offensive),
negative = class 2 (neither). The balanced 1,000-tweet subset that scripts/models/reference_scores.py
and evaluators/tests/toxicity_model.rs use (numpy.random.default_rng(0): 500 positives, then 500
negatives) is held out; from the other rows numpy.random.default_rng(1) draws 3,000 positives, then
3,000 negatives, for training.

Run by scripts/models.sh inside the pinned models venv (scripts/models/requirements.txt):
    python convert_token_classifier.py --tokenizer tokenizer.json --davidson labeled_data.csv OUT.onnx
The output is byte-for-byte reproducible with those pins and inputs; models.sh checks its sha256.
"""

import argparse
import csv
import os
import sys

import numpy as np

# The toxicity evaluator's default (evaluators.toxicity.model.max_tokens).
MAX_TOKENS = 256
TRAIN_PER_CLASS = 3000
C = 30.0
# Weights are rounded to multiples of 2**-10 (exact in float32), so that the last bits of the
# solver's result, which may vary with the BLAS kernels a CPU gets, do not reach the file.
QUANTUM = 2.0**-10
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17


def load_tokenizer(path):
    """The tokenizer as the Rust side loads it: from the file, with the file's padding disabled
    (its truncation, if any, stays)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(path)
    tokenizer.no_padding()
    return tokenizer


def encode(tokenizer, texts, max_tokens=MAX_TOKENS):
    """(input_ids, attention_mask), int64 [N, L], exactly as the Rust side builds them:
    encode_batch with special tokens, each row's ids cut to max_tokens, padded with 0 to the longest
    row in the batch (at least 1 wide), mask 1 for real tokens."""
    encodings = tokenizer.encode_batch(list(texts), add_special_tokens=True)
    rows = [e.ids[:max_tokens] for e in encodings]
    width = max([len(r) for r in rows] + [1]) if rows else 1
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def features(tokenizer, texts, vocab_size):
    """Sparse [N, V]: the share of each text's tokens (special tokens included) that are each id."""
    import scipy.sparse as sp

    ids, mask = encode(tokenizer, texts)
    lengths = mask.sum(axis=1)
    rows, cols = np.nonzero(mask)
    data = 1.0 / lengths[rows]
    return sp.csr_matrix((data, (rows, ids[rows, cols])), shape=(len(texts), vocab_size))


def read_davidson(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["tweet"] for r in rows], np.array([int(r["class"]) for r in rows])


def split(classes):
    """(train, train_labels, heldout, heldout_labels): row positions and 0/1 labels."""
    rng = np.random.default_rng(0)
    pos = rng.choice(np.flatnonzero(classes <= 1), 500, replace=False)
    neg = rng.choice(np.flatnonzero(classes == 2), 500, replace=False)
    heldout = np.concatenate([pos, neg])
    rest = np.setdiff1d(np.arange(len(classes)), heldout)
    rng = np.random.default_rng(1)
    pos = rng.choice(rest[classes[rest] <= 1], TRAIN_PER_CLASS, replace=False)
    neg = rng.choice(rest[classes[rest] == 2], TRAIN_PER_CLASS, replace=False)
    train = np.concatenate([pos, neg])
    return (
        train,
        np.r_[np.ones(TRAIN_PER_CLASS), np.zeros(TRAIN_PER_CLASS)],
        heldout,
        np.r_[np.ones(500), np.zeros(500)],
    )


def train(tokenizer, texts, labels):
    """(weights float32 [V], bias float32): the quantized coefficients and intercept."""
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    if sklearn.__version__ != "1.9.1":
        raise SystemExit(f"scikit-learn 1.9.1 is required, found {sklearn.__version__}")
    x = features(tokenizer, texts, tokenizer.get_vocab_size(with_added_tokens=True))
    with threadpool_limits(1):
        # Newton-CG converges tightly (to roughly 1e-13 here, rows in any order), unlike lbfgs, whose
        # stopping point moves with rounding; the quantization below then absorbs what is left.
        lr = LogisticRegression(C=C, solver="newton-cg", tol=1e-14, max_iter=1000).fit(x, labels)
    if lr.n_iter_[0] >= 1000:
        raise SystemExit("the logistic regression did not converge")
    quantize = lambda a: (np.round(np.asarray(a, dtype=np.float64) / QUANTUM) * QUANTUM).astype(np.float32)
    return quantize(lr.coef_[0]), quantize(lr.intercept_[0])


def build(weights, bias):
    """The ONNX model, built node by node with onnx.helper."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        # [N, L]: each token's weight; padding positions read W[0] and are masked out below.
        helper.make_node("Gather", ["weights", "input_ids"], ["token_weights"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["token_weights", "mask"], ["masked_weights"]),
        helper.make_node("ReduceSum", ["masked_weights", "axis_1"], ["weight_sum"], keepdims=1),
        helper.make_node("ReduceSum", ["mask", "axis_1"], ["token_count"], keepdims=1),
        helper.make_node("Max", ["token_count", "one"], ["divisor"]),
        helper.make_node("Div", ["weight_sum", "divisor"], ["mean_weight"]),
        helper.make_node("Add", ["mean_weight", "bias"], ["decision"]),
        # [N, 1] * [1, 2] -> [N, 2] = [0, z].
        helper.make_node("Mul", ["decision", "classes"], ["logits"]),
    ]
    initializers = [
        numpy_helper.from_array(weights.astype(np.float32), "weights"),
        numpy_helper.from_array(np.array([bias], dtype=np.float32), "bias"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_1"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
        numpy_helper.from_array(np.array([[0.0, 1.0]], dtype=np.float32), "classes"),
    ]
    graph = helper.make_graph(
        nodes,
        "sightline_token_classifier",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["N", "L"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["N", "L"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="sightline",
        producer_version="",
        doc_string=(
            "Test model: logistic regression on bag-of-token-ids (mean of per-token weights) over "
            "the all-MiniLM-L6-v2 WordPiece vocabulary, trained on 6,000 Davidson et al. tweets "
            "with scikit-learn 1.9.1 by Sightline scripts/models/convert_token_classifier.py. "
            "Output logits [N, 2]; column 1: offensive."
        ),
    )
    # Fixed, rather than whatever the installed onnx package would write.
    model.ir_version = IR_VERSION
    return model


def onnx_logits(model_path_or_bytes, ids, mask):
    """`logits` from ONNX Runtime, one thread."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model_path_or_bytes, so, providers=["CPUExecutionProvider"])
    return sess.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]


def onnx_scores(model_path_or_bytes, tokenizer, texts, max_tokens=MAX_TOKENS):
    """The positive-class probability of each text, all texts in one batch, as the Rust side computes
    it: the softmax of the logits, column 1 (here in float64 from the float32 logits)."""
    ids, mask = encode(tokenizer, texts, max_tokens)
    logits = onnx_logits(model_path_or_bytes, ids, mask).astype(np.float64)
    return 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))


def roc_auc(labels, scores):
    """ROC AUC by the rank-sum formula, ties counted as one half."""
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    ranks = rankdata(scores)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return (ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", required=True, help="the BERT WordPiece tokenizer.json")
    ap.add_argument("--davidson", required=True, help="Davidson et al. labeled_data.csv")
    ap.add_argument("out", help="where to write the ONNX model")
    args = ap.parse_args()

    import onnx

    tokenizer = load_tokenizer(args.tokenizer)
    texts, classes = read_davidson(args.davidson)
    tr, tr_labels, ho, ho_labels = split(classes)
    weights, bias = train(tokenizer, [texts[i] for i in tr], tr_labels)
    model = build(weights, bias)
    onnx.checker.check_model(model, full_check=True)
    data = model.SerializeToString()

    # The graph against the same arithmetic in numpy, on the held-out tweets in batches of 64 (so
    # that rows are padded), and its ranking quality there.
    ho_texts = [texts[i] for i in ho]
    got, want = [], []
    for start in range(0, len(ho_texts), 64):
        ids, mask = encode(tokenizer, ho_texts[start : start + 64])
        got.append(onnx_logits(data, ids, mask)[:, 1].astype(np.float64))
        m = mask.astype(np.float64)
        want.append((weights.astype(np.float64)[ids] * m).sum(1) / np.maximum(m.sum(1), 1) + float(bias))
    got, want = np.concatenate(got), np.concatenate(want)
    diff = np.max(np.abs(got - want))
    if not diff < 1e-4:
        raise SystemExit(f"ONNX and numpy disagree by {diff}")
    auc = roc_auc(ho_labels, got)

    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.out)
    print(
        f"convert_token_classifier: wrote {args.out} ({len(data)} bytes); {len(tr)} training tweets; "
        f"held-out balanced 1,000 (seed 0): ROC AUC {auc:.6f}; max |onnx - numpy| {diff:.2e}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
