#!/usr/bin/env bash
# The README's first command: prepares what the demo needs, builds the binary, and runs
# `sightline demo` in embedded mode. Arguments are passed on to `sightline demo`.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

eval "$(scripts/setup.sh)"
cargo build --release --locked --bin sightline
exec "$CARGO_TARGET_DIR/release/sightline" demo "$@"
