#!/usr/bin/env bash
# Checks docker-compose.yml without Docker: the file is valid (`docker-compose config -q`), every
# `sightline` subcommand it runs exists in src/cli.rs and takes every flag passed to it (its Args
# struct may live in any crate of the workspace), and
# every port a Sightline service publishes is the port of the --listen it passes.
# Exits 1 with one line per problem.
#
#   scripts/check-compose.sh [COMPOSE_FILE]
#
# docker-compose 1.29.2 (the last Python release; `config` needs no Docker daemon) is installed
# once into $SIGHTLINE_CACHE/compose-venv with `python3 -m venv`. Its PyYAML<6 requirement would
# pick PyYAML 5.4.1, an sdist that no longer builds (its setup.py calls build_ext.cython_sources,
# which Cython 3 removed), so PyYAML 5.3.1, which builds without Cython, is pinned beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
compose=${1:-docker-compose.yml}
venv=${SIGHTLINE_CACHE:-/var/cache/sightline}/compose-venv

if [ ! -x "$venv/bin/docker-compose" ]; then
    echo "check-compose: installing docker-compose 1.29.2 into $venv" >&2
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" || { echo "check-compose: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
    "$venv/bin/pip" install -q --disable-pip-version-check "PyYAML==5.3.1" "docker-compose==1.29.2" >&2
fi

# The file requires these secrets; placeholders are enough to check it.
export SIGHTLINE_READER_PASSWORD=${SIGHTLINE_READER_PASSWORD:-check-compose}
export SIGHTLINE_WEBHOOK_SECRET=${SIGHTLINE_WEBHOOK_SECRET:-check-compose}
"$venv/bin/docker-compose" -f "$compose" config -q
resolved=$(mktemp)
trap 'rm -f "$resolved"' EXIT
"$venv/bin/docker-compose" -f "$compose" config > "$resolved"

"$venv/bin/python" - "$resolved" src/cli.rs <<'PY'
import glob, re, sys, yaml

resolved, cli_path = sys.argv[1:]
cli = open(cli_path).read()
# Each component keeps its flags beside it, so the Args structs come from every crate's sources.
sources = "".join(open(p).read() for p in sorted(glob.glob("src/**/*.rs", recursive=True) + glob.glob("*/src/**/*.rs", recursive=True)))
# Subcommand names, from `impl Command { fn name() }`; each one's flags, from the fields of its
# Args struct (and the structs it flattens) that clap derives them from, plus the global ones.
subcommands = {n: v for v, n in re.findall(r'Self::(\w+)(?:\(_\))? => "([\w-]+)"', cli)}
variant_args = dict(re.findall(r'^\s*(\w+)\((\w+)\),', re.search(r'pub enum Command \{(.*?)\n\}', cli, re.S).group(1), re.M))
structs = dict(re.findall(r'pub struct (\w+) \{(.*?)\n\}', sources, re.S))

def fields(struct):
    body = structs.get(struct, "")
    inner = re.findall(r'#\[command\(flatten\)\]\s*pub \w+: (\w+)', body)
    return set(re.findall(r'pub (\w+):', body)).union(*map(fields, inner))

problems, checked = [], 0
for name, svc in sorted(yaml.safe_load(open(resolved))["services"].items()):
    if str(svc.get("image", "")).split(":")[0] != "sightline" and "build" not in svc:
        continue
    checked += 1
    cmd = svc.get("command") or []
    cmd = cmd.split() if isinstance(cmd, str) else [str(a) for a in cmd]
    sub = cmd[0] if cmd else ""
    if sub not in subcommands:
        problems.append(f"{name}: `sightline {sub}` is no subcommand of src/cli.rs "
                        f"(it has {', '.join(sorted(subcommands))})")
    known = fields("Cli") | fields(variant_args.get(subcommands.get(sub), ""))
    listen = None
    for i, arg in enumerate(cmd):
        flag, _, value = arg.partition("=")
        if sub in subcommands and flag.startswith("--") and flag[2:].replace("-", "_") not in known:
            problems.append(f"{name}: `sightline {sub}` has no flag {flag}")
        if flag == "--listen":
            listen = value or (cmd[i + 1] if i + 1 < len(cmd) else "")
    for port in svc.get("ports", []):
        target = str(port["target"] if isinstance(port, dict) else str(port).split(":")[-1]).split("/")[0]
        if listen is None:
            problems.append(f"{name}: publishes port {target} but passes no --listen")
        elif listen.rpartition(":")[2] != target:
            problems.append(f"{name}: publishes container port {target} but listens on {listen}")
        elif listen.rpartition(":")[0] in ("127.0.0.1", "localhost", "[::1]"):
            problems.append(f"{name}: publishes port {target} but listens on loopback ({listen})")
for p in problems:
    print(f"check-compose: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-compose: ok ({checked} sightline services)")
PY
