"""Records reference scores of the token-id test classifier (scripts/models/convert_token_classifier.py)
for a fixed set of sentences, as the fixture tests/fixtures/toxicity/token_classifier_scores.json.

The inputs are made the way the toxicity evaluator makes them for `input = "tokens"`
(evaluators/src/toxicity/model.rs): the tokenizer.json with its own padding disabled (its truncation,
128 tokens for this one, stays), encode_batch with special tokens, each row cut to max_tokens, zeros
to the longest row, attention_mask 1 for real tokens. All sentences go in one batch, so that most
rows are padded; a score is the softmax of the `logits` row, column 1, computed by ONNX Runtime.
Each sentence also has its token ids (as fed, before padding), and `truncated` has the scores of the
same single batch with max_tokens 8, which cuts most rows (and their [SEP]) in the evaluator rather
than in the tokenizer.

Run in the models venv that scripts/models.sh builds:
    eval "$(scripts/models.sh)"
    "${SIGHTLINE_CACHE:-/var/cache/sightline}/models-venv/bin/python" scripts/models/token_reference_scores.py \
        --out tests/fixtures/toxicity/token_classifier_scores.json
With --davidson PATH/labeled_data.csv it also reports, on stderr, the ROC AUC on the balanced
1,000-tweet Davidson subset (seed 0) that training held out, scored in batches of 64.
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the clone
from convert_token_classifier import (  # noqa: E402
    MAX_TOKENS,
    encode,
    load_tokenizer,
    onnx_scores,
    read_davidson,
    roc_auc,
    split,
)

TOLERANCE = 1e-5
SHORT_MAX_TOKENS = 8

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
    # accents, case, unknown characters, subwords
    "Café crème, s'il vous plaît.",
    "POKÉMON and Beyoncé",
    "I ❤️ this 🔥🔥",
    "unbelievably antidisestablishmentarian",
    # empty: [CLS] [SEP] only
    "",
    # longer than the tokenizer's own truncation (128 tokens), so the batch is 128 wide
    " ".join(["the weather is lovely today and the garden is full of flowers"] * 12),
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    model_dir = os.environ.get("SIGHTLINE_TOKEN_MODEL_DIR")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=model_dir and os.path.join(model_dir, "model.onnx"),
                    help="the model (default: $SIGHTLINE_TOKEN_MODEL_DIR/model.onnx)")
    ap.add_argument("--tokenizer", default=model_dir and os.path.join(model_dir, "tokenizer.json"),
                    help="its tokenizer (default: $SIGHTLINE_TOKEN_MODEL_DIR/tokenizer.json)")
    ap.add_argument("--out", help="where to write the JSON (default: stdout)")
    ap.add_argument("--davidson", help="Davidson labeled_data.csv, for the extra report on stderr")
    args = ap.parse_args()
    if not args.model or not args.tokenizer:
        ap.error("no model: pass --model and --tokenizer or set SIGHTLINE_TOKEN_MODEL_DIR")

    tokenizer = load_tokenizer(args.tokenizer)
    ids, mask = encode(tokenizer, SENTENCES, MAX_TOKENS)
    scores = onnx_scores(args.model, tokenizer, SENTENCES, MAX_TOKENS)
    short = onnx_scores(args.model, tokenizer, SENTENCES, SHORT_MAX_TOKENS)
    print(f"reference: {len(SENTENCES)} sentences in one batch {ids.shape[1]} wide", file=sys.stderr)

    # Each score alone, unpadded, must equal its score in the padded batch.
    alone = np.array([onnx_scores(args.model, tokenizer, [t], MAX_TOKENS)[0] for t in SENTENCES])
    diff = np.max(np.abs(alone - scores))
    if not diff < TOLERANCE:
        raise SystemExit(f"padding changes a score by {diff}")

    doc = {
        "model_sha256": sha256(args.model),
        "tokenizer_sha256": sha256(args.tokenizer),
        "max_tokens": MAX_TOKENS,
        "output": "logits",
        "positive_class": 1,
        "tolerance": TOLERANCE,
        "sentences": [
            {"text": t, "ids": [int(i) for i in row[m == 1]], "score": float(s)}
            for t, row, m, s in zip(SENTENCES, ids, mask, scores)
        ],
        "truncated": {"max_tokens": SHORT_MAX_TOKENS, "scores": [float(s) for s in short]},
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)

    if args.davidson:
        texts, classes = read_davidson(args.davidson)
        _, _, heldout, labels = split(classes)
        ho = [texts[i] for i in heldout]
        got = np.concatenate([onnx_scores(args.model, tokenizer, ho[s : s + 64]) for s in range(0, len(ho), 64)])
        print(f"davidson: held-out balanced 1,000 (seed 0): ROC AUC {roc_auc(labels, got):.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
