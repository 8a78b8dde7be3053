#!/usr/bin/env bash
# The README's first command: prepares what the embedded demo needs (ONNX Runtime and the models,
# not the broker or ClickHouse), builds the binary, and runs `sightline demo` in embedded mode.
# Arguments are passed on to `sightline demo`.
#
# The binary is built in the dev profile, whose dependencies are optimised (Cargo.toml): the demo's
# heavy work runs in ONNX Runtime and the dependencies, so the release profile's longer build would
# buy it nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

eval "$(scripts/setup.sh --embedded)"
cargo build --locked --bin sightline
exec "$CARGO_TARGET_DIR/debug/sightline" demo "$@"
