#!/usr/bin/env bash
# Installs what the tests and the demo need, with pinned versions and checked downloads. Safe to run
# again: each step is skipped when its result is already in place.
#
# Slow installs are cached outside the clone, in $SIGHTLINE_CACHE (default /var/cache/sightline):
#   tansu/bin/tansu   the Kafka-protocol broker the tests use (about 20 minutes to build once)
#   venv/             Python with ONNX Runtime (its shared library is what ort loads) and confluent-kafka
#   models/           the toxicity and embedding models and the inference node's repository,
#                     built by scripts/models.sh (models-venv/ builds them)
#   target/           the shared cargo target directory
# Prints `export NAME=value` lines for the variables later steps need.
#
# `--embedded` installs only what the embedded demo uses (the Python environment with ONNX Runtime,
# and the models), not the broker or ClickHouse, which only the tests and the distributed mode use.
set -euo pipefail

embedded=false
case "${1:-}" in
    --embedded) embedded=true ;;
    "") ;;
    *) echo "usage: scripts/setup.sh [--embedded]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
cache=${SIGHTLINE_CACHE:-/var/cache/sightline}
mkdir -p "$cache"

TANSU_VERSION=0.6.0
CLICKHOUSE_VERSION=18.16.1+ds-7.3+b2
ORT_LIB=libonnxruntime.so.1.32.0
ORT_LIB_SHA256=6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f

log() { echo "setup: $*" >&2; }
# Debian installs clickhouse-server in /usr/sbin, which a non-root PATH often lacks.
export PATH="$PATH:/usr/sbin:/sbin"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! $embedded && { ! command -v clickhouse-server >/dev/null || ! command -v clickhouse-client >/dev/null; }; then
    log "installing clickhouse-server $CLICKHOUSE_VERSION from Debian"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
        "clickhouse-server=$CLICKHOUSE_VERSION" "clickhouse-client=$CLICKHOUSE_VERSION" >&2
fi

tansu="$cache/tansu/bin/tansu"
if ! $embedded && [ ! -x "$tansu" ]; then
    log "building tansu $TANSU_VERSION (about 20 minutes, once per machine)"
    cargo install tansu --version "$TANSU_VERSION" --locked --features libsql,dynostore \
        --root "$cache/tansu" >&2
fi

venv="$cache/venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "creating the Python environment in $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --require-hashes --only-binary :all: \
        -r "$here/requirements.txt" >&2
    echo "$want" > "$stamp"
fi

ort_dylib="$venv/lib/python$("$venv/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')/site-packages/onnxruntime/capi/$ORT_LIB"
echo "$ORT_LIB_SHA256  $ort_dylib" | sha256sum --check --quiet - >&2 || {
    log "checksum mismatch for $ort_dylib"
    exit 1
}

SIGHTLINE_CACHE=$cache "$here/models.sh"

echo "export SIGHTLINE_CACHE=$cache"
$embedded || echo "export SIGHTLINE_TANSU=$tansu"
echo "export SIGHTLINE_PYTHON=$venv/bin/python"
echo "export ORT_DYLIB_PATH=$ort_dylib"
echo "export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}"
