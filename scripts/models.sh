#!/usr/bin/env bash
# Builds the default toxicity model, alt-profanity-check 1.9.1 (MIT) converted from scikit-learn to
# ONNX, and checks the result against a pinned sha256. Safe to run again: nothing is done when the
# model is already in place with the right hash.
#
# Cached outside the clone, in $SIGHTLINE_CACHE (default /var/cache/sightline):
#   models-venv/               scikit-learn 1.9.1, skl2onnx and ONNX Runtime, from models/requirements.txt
#   models/toxicity/model.onnx input `text` string [N, 1]; output `probabilities` float [N, 2]
#                              (column 1: offensive)
# Prints `export SIGHTLINE_TOXICITY_MODEL=...` and `export SIGHTLINE_SKLEARN_PYTHON=...` (the
# scikit-learn original, for `sightline bench toxicity`) on stdout; logs go to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${SIGHTLINE_CACHE:-/var/cache/sightline}

# The conversion is deterministic with the pinned packages; a change here means the model changed.
TOXICITY_SHA256=855ec55b582b30cfb25e9479804161caaec0de0ab2bf6a20a3f9fdf5210e0fc3

log() { echo "models: $*" >&2; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

model="$cache/models/toxicity/model.onnx"
if [ ! -f "$model" ] || [ "$(sha "$model")" != "$TOXICITY_SHA256" ]; then
    mkdir -p "$cache"
    venv="$cache/models-venv"
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

echo "export SIGHTLINE_TOXICITY_MODEL=$model"
echo "export SIGHTLINE_SKLEARN_PYTHON=$cache/models-venv/bin/python"
