# servir's container image: `make image` (podman, offline) or `docker build .`
#
# Two stages. The build stage compiles servir with the repository's own
# dependency script; the runtime stage is debian:bookworm-slim plus the
# Debian packages of the shared libraries the binary links (found by ldd in
# the build stage, so the list cannot drift from the code), the binary and
# a non-root user. No compiler, no package cache, no weights: the model is
# mounted at /models (or fetched there by an init container, see
# docs/DEPLOYMENT.md). The root filesystem may be read-only; servir writes
# nothing but its logs (stderr) unless --access-log names a file, which then
# belongs on a volume (/tmp is the one writable place it expects).
#
# Configure with flags after the image name, `--config FILE` (a mounted
# ConfigMap) or SERVIR_* variables; the defaults below listen on 0.0.0.0:8000
# and load /models/model.gguf.

FROM debian:bookworm AS build
ARG JOBS=2
# Where ccache keeps its objects: a cache mount by default; `make image`
# points it at the host's own cache (bind-mounted), which a host build with
# CCACHE_BASEDIR has usually filled already. BASEDIR and the build folder at
# src/build make the compiler lines match the host's.
ARG CCACHE_DIR=/root/.cache/ccache
ENV CCACHE_DIR=${CCACHE_DIR} CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN ./scripts/install-deps.sh --build-only && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY cmake cmake
COPY src src
COPY deploy/image/runtime-packages.sh deploy/image/runtime-packages.sh
# The ccache folder is a build cache mount: a rebuild after a small change
# recompiles only what changed (docker/podman/buildah keep it between builds).
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSERVIR_TESTS=OFF -DSERVIR_BENCH=OFF \
 && ninja -C build -j"${JOBS}" servir \
 && mkdir -p /out \
 # Symbols stay (function names in crash backtraces); line tables go.
 && strip --strip-debug -o /out/servir build/servir \
 && deploy/image/runtime-packages.sh /out/servir > /out/runtime-packages \
 && cat /out/runtime-packages

FROM debian:bookworm-slim AS runtime
ARG SERVIR_UID=10001
LABEL org.opencontainers.image.title="servir" \
      org.opencontainers.image.description="LLM inference server with an OpenAI-compatible API" \
      org.opencontainers.image.source="https://github.com/servir/servir"
COPY --from=build /out/runtime-packages /tmp/runtime-packages
# One layer: install, then remove what a runtime needs no copy of (apt's
# lists and caches, dpkg's and apt's logs), so none of it ships.
RUN apt-get update -qq \
 && xargs -a /tmp/runtime-packages apt-get install -y -qq --no-install-recommends \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
           /tmp/runtime-packages \
 && groupadd --system --gid "${SERVIR_UID}" servir \
 && useradd --system --uid "${SERVIR_UID}" --gid "${SERVIR_UID}" --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin servir \
 && mkdir -p /models
COPY --from=build /out/servir /usr/local/bin/servir
USER 10001:10001
ENV SERVIR_HOST=0.0.0.0 \
    SERVIR_PORT=8000 \
    SERVIR_MODEL=/models/model.gguf
EXPOSE 8000
# No curl in the image: the binary probes itself (exit 0 on 200). The start
# period covers loading a large model; /health answers 503 until loaded.
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 CMD ["servir", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["servir", "serve"]
