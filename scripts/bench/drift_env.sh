#!/usr/bin/env bash
# Builds the Python environment of `sightline bench drift`: scipy and Evidently, pinned by hash in
# bench/requirements-drift.txt, cached in $SIGHTLINE_CACHE/drift-bench-venv (default
# /var/cache/sightline). Safe to run again: nothing is done when the environment is in place for
# these requirements. Prints `export SIGHTLINE_DRIFT_PYTHON=...` on stdout; logs go to stderr.
#
#   eval "$(scripts/bench/drift_env.sh)" && sightline bench drift
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${SIGHTLINE_CACHE:-/var/cache/sightline}
venv="$cache/drift-bench-venv"
requirements="$here/requirements-drift.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    # The hashes are those of CPython 3.11 wheels for x86-64 Linux.
    python=${SIGHTLINE_MODELS_PYTHON:-python3}
    if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        echo "drift bench: $python is not CPython 3.11; set SIGHTLINE_MODELS_PYTHON to one that is" >&2
        exit 1
    fi
    echo "drift bench: creating the Python environment in $venv (about a minute)" >&2
    mkdir -p "$cache"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --require-hashes --only-binary :all: \
        -r "$requirements" >&2
    echo "$want" > "$stamp"
fi
echo "export SIGHTLINE_DRIFT_PYTHON=$venv/bin/python"
