#!/usr/bin/env bash
# Runs the whole test suite against real services: installs what is missing (scripts/setup.sh),
# starts a Tansu broker and a ClickHouse server on free loopback ports (scripts/services.sh), runs
# every test in the workspace, and stops the services. Exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

eval "$(scripts/setup.sh)"

# The dashboard's test drives Debian's headless Chromium.
if ! command -v chromium-headless-shell >/dev/null && ! command -v chromium >/dev/null; then
    echo "test: installing chromium-headless-shell from Debian" >&2
    sudo_if() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    sudo_if apt-get update -qq
    DEBIAN_FRONTEND=noninteractive sudo_if apt-get install -y -qq chromium-headless-shell >&2
fi
SIGHTLINE_CHROMIUM=$(command -v chromium-headless-shell || command -v chromium)
export SIGHTLINE_CHROMIUM
# Screenshots and other things the tests leave for people to look at.
export SIGHTLINE_ARTIFACTS="$CARGO_TARGET_DIR/test-artifacts"

scripts/check-compose.sh

# Free ports, so a second run or a developer's own services never collide with this one.
read -r kafka_port ch_http_port ch_tcp_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
export SIGHTLINE_KAFKA_PORT=$kafka_port SIGHTLINE_CLICKHOUSE_HTTP_PORT=$ch_http_port SIGHTLINE_CLICKHOUSE_TCP_PORT=$ch_tcp_port
SIGHTLINE_RUN_DIR=$(mktemp -d -t sightline-test.XXXXXX)
export SIGHTLINE_RUN_DIR
trap 'scripts/services.sh stop' EXIT

# One build of every target: the binary gets the same unified features as the tests, so the
# heavy dependencies compile once, not once for the binary and again for the tests.
cargo build --workspace --all-targets --locked
export SIGHTLINE_BIN="$CARGO_TARGET_DIR/debug/sightline"

# Assigned first, so that services that fail to start stop the run here (`eval "$(...)"` would not).
services=$(scripts/services.sh start)
eval "$services"

cargo fmt --all --check
cargo test --workspace --locked --no-fail-fast
echo "test: artifacts (the dashboard's screenshot) are in $SIGHTLINE_ARTIFACTS" >&2
