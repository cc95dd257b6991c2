#!/usr/bin/env bash
# Checks a built servir image (`make image-test` runs it after `make image`):
#   - its user is not root, it declares EXPOSE 8000, a HEALTHCHECK and the
#     `servir serve` entrypoint;
#   - its filesystem holds no compiler and no package cache;
#   - its size (printed; must stay under IMAGE_MAX_MB, 150);
#   - the binary, run as the image's user inside the image's filesystem
#     mounted read-only (chroot --userspec; `podman run` needs cgroups these
#     machines lack), with the model bind-mounted read-only at /models and a
#     tmpfs at /tmp: serves /health, /ready and a completion, its HEALTHCHECK
#     command passes, and it drains on SIGTERM (a stream in flight ends with
#     [DONE], /ready turns 503, exit status 0);
#   - the cold start to /ready with a TinyLlama-1.1B-shape model (f16, made
#     once by the image's `servir testmodel`; TINYLLAMA=0 skips it).
# Everything listens on 127.0.0.1. Needs root (chroot, mounts), podman,
# curl-free: probes use python3's urllib.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE="${IMAGE:-servir}"
IMAGE_TAG="${IMAGE_TAG:-dev}"
IMAGE_MAX_MB="${IMAGE_MAX_MB:-150}"
SHARED="${SERVIR_SHARED_DIR:-$(pwd)/../shared}"
MODEL="${MODEL:-$SHARED/models/stories260K.gguf}"
TINYLLAMA="${TINYLLAMA:-1}"
TINYLLAMA_PATH="${TINYLLAMA_PATH:-/var/tmp/servir-tinyllama-shape-f16.gguf}"
read -r -a PODMAN <<<"podman --cgroup-manager cgroupfs ${PODMAN_FLAGS:-}"
ref="$IMAGE:$IMAGE_TAG"

fail() {
  echo "image-test: FAIL: $*" >&2
  exit 1
}
pass() { echo "image-test: ok: $*"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (chroot and mounts)"
[ -f "$MODEL" ] || fail "no model at $MODEL (set MODEL=)"
"${PODMAN[@]}" image exists "$ref" || fail "no image $ref: run make image"

# --- Metadata -----------------------------------------------------------
inspect() { "${PODMAN[@]}" image inspect "$ref" --format "$1"; }
user="$(inspect '{{.Config.User}}')"
case "$user" in "" | root | 0 | 0:* | root:*) fail "image user is '$user' (root)" ;; esac
uid="${user%%:*}"
pass "user $user (not root)"
[ -n "$(inspect '{{json .Config.Healthcheck}}' | grep -v null)" ] || fail "no HEALTHCHECK"
pass "HEALTHCHECK $(inspect '{{json .Config.Healthcheck.Test}}')"
inspect '{{json .Config.ExposedPorts}}' | grep -q '"8000/tcp"' || fail "8000 not exposed"
entrypoint="$(inspect '{{json .Config.Entrypoint}}')"
[ "$entrypoint" = '["servir","serve"]' ] || fail "entrypoint is $entrypoint"
pass "EXPOSE 8000, ENTRYPOINT $entrypoint"
size_bytes="$(inspect '{{.Size}}')"
size_mb=$((size_bytes / 1000000))
echo "image-test: image size: $size_mb MB ($size_bytes bytes)"
[ "$size_mb" -lt "$IMAGE_MAX_MB" ] || fail "image is $size_mb MB, over $IMAGE_MAX_MB MB"

# --- Filesystem -----------------------------------------------------------
work="$(mktemp -d /var/tmp/servir-image-test.XXXXXX)"
root="$work/rootfs"
mounts=()
pids=()
cleanup() {
  local i
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" || true; done
  "${PODMAN[@]}" rm -f "servir-image-test-$$" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$root"
# (--no-healthcheck: the container only lends its filesystem; no timers.)
"${PODMAN[@]}" create --no-healthcheck --name "servir-image-test-$$" "$ref" >/dev/null
"${PODMAN[@]}" export "servir-image-test-$$" | tar -x -C "$root"
"${PODMAN[@]}" rm "servir-image-test-$$" >/dev/null

for tool in gcc cc c++ g++ clang clang++ ld as make cmake ninja; do
  for dir in usr/bin bin usr/local/bin; do
    [ ! -e "$root/$dir/$tool" ] || fail "the runtime image holds a build tool: /$dir/$tool"
  done
done
compgen -G "$root/usr/bin/*-linux-gnu-gcc*" >/dev/null && fail "the runtime image holds a cross gcc"
[ -z "$(find "$root/var/cache/apt" -name '*.deb' -o -name '*.bin' 2>/dev/null)" ] || fail "apt cache in the image"
[ -z "$(find "$root/var/lib/apt/lists" -type f ! -name lock 2>/dev/null)" ] || fail "apt lists in the image"
[ ! -d "$root/usr/include/boost" ] || fail "development headers in the image"
pass "no compiler, no package cache, no headers"
grep -q "^[^:]*:x:$uid:" "$root/etc/passwd" || fail "uid $uid has no passwd entry"
pass "uid $uid is $(grep "^[^:]*:x:$uid:" "$root/etc/passwd" | cut -d: -f1) in /etc/passwd"

# The TinyLlama-shape model of the cold-start check, made once by the
# image's own binary (`servir testmodel`) in the unpacked filesystem.
if [ "$TINYLLAMA" = 1 ] && [ ! -f "$TINYLLAMA_PATH" ]; then
  echo "image-test: making $TINYLLAMA_PATH (TinyLlama-1.1B shape, f16, 2.2 GB)"
  mkdir -p "$root/mk"
  cp "$SHARED/testdata/vocab/ggml-vocab-llama-spm.gguf" "$root/mk/vocab.gguf"
  chroot "$root" /usr/local/bin/servir testmodel --arch llama --hidden 2048 --layers 22 --heads 32 --kv-heads 4 \
    --ffn 5632 --vocab 32000 --vocab-from /mk/vocab.gguf --type f16 --seed 1 --out /mk/model.gguf >/dev/null
  mv "$root/mk/model.gguf" "$TINYLLAMA_PATH"
  rm -rf "$root/mk"
fi

# The image's filesystem, read-only, as a runtime would give it.
ro="$work/ro"
mkdir -p "$ro"
mount --bind "$root" "$ro" && mounts+=("$ro")
mount -o remount,bind,ro "$ro"
mount -t proc proc "$ro/proc" && mounts+=("$ro/proc")
mount --bind /sys "$ro/sys" && mounts+=("$ro/sys")
mount --bind /dev "$ro/dev" && mounts+=("$ro/dev")
mount -t tmpfs -o size=64m,mode=1777 tmpfs "$ro/tmp" && mounts+=("$ro/tmp")
models="$work/models"
mkdir -p "$models"
mount -t tmpfs tmpfs "$ro/models" && mounts+=("$ro/models")
touch "$ro/models/model.gguf"
mount --bind -o ro "$MODEL" "$ro/models/model.gguf" && mounts+=("$ro/models/model.gguf")
touch "$root/.probe" 2>/dev/null && rm -f "$root/.probe"
if touch "$ro/.probe" 2>/dev/null; then fail "the root filesystem is writable"; fi
pass "root filesystem read-only, model bind-mounted at /models/model.gguf"

# The image's environment, with loopback and a free port.
mapfile -t image_env < <("${PODMAN[@]}" image inspect "$ref" --format '{{range .Config.Env}}{{println .}}{{end}}' | grep .)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
get_status() {
  python3 - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print(0)
EOF
}
in_image() { # in_image PORT CMD...: run CMD as the image's user inside the image
  local port="$1"
  shift
  env -i "${image_env[@]}" SERVIR_HOST=127.0.0.1 SERVIR_PORT="$port" chroot --userspec="$user" "$ro" "$@"
}
# The same in the background: `serve_in_image PORT ARGS... &` runs in a
# subshell that exec replaces, so $! is servir's own pid.
serve_in_image() {
  local port="$1"
  shift
  exec env -i "${image_env[@]}" SERVIR_HOST=127.0.0.1 SERVIR_PORT="$port" chroot --userspec="$user" "$ro" "$@"
}
wait_ready() { # wait_ready PORT PID SECONDS
  local deadline=$((SECONDS + $3))
  while [ "$(get_status "http://127.0.0.1:$1/ready")" != 200 ]; do
    kill -0 "$2" 2>/dev/null || fail "servir exited before /ready"
    [ $SECONDS -lt $deadline ] || fail "no /ready within $3 s"
    sleep 0.05
  done
}

port="$(free_port)"
serve_in_image "$port" servir serve --served-model-name stories --shutdown-timeout 20 >"$work/serve.log" 2>&1 &
pid=$!
pids+=("$pid")
wait_ready "$port" "$pid" 60
running_uid="$(ps -o uid= -p "$pid" | tr -d ' ')"
[ "$(ps -o comm= -p "$pid")" = servir ] || fail "pid $pid is $(ps -o comm= -p "$pid"), not servir"
[ "$running_uid" = "$uid" ] || fail "servir runs as uid $running_uid, not $uid"
pass "servir runs as uid $running_uid and is ready on 127.0.0.1:$port"
[ "$(get_status "http://127.0.0.1:$port/health")" = 200 ] || fail "/health"
in_image "$port" servir health >/dev/null || fail "the HEALTHCHECK command (servir health) fails"
in_image "$port" servir health --url "http://127.0.0.1:$port/ready" >/dev/null || fail "servir health --url /ready"
if in_image "$port" servir health --url "http://127.0.0.1:1/health" >/dev/null 2>&1; then
  fail "servir health passes against a closed port"
fi
pass "/health, /ready 200; servir health exits 0 (and 1 on a closed port)"
python3 - "$port" <<'EOF' || fail "completion"
import json, sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/v1/completions", method="POST",
    data=json.dumps({"model": "stories", "prompt": "Once upon a time", "max_tokens": 16, "temperature": 0}).encode(),
    headers={"Content-Type": "application/json"})
body = json.load(urllib.request.urlopen(req, timeout=30))
assert body["usage"]["completion_tokens"] > 0, body
print("image-test: completion:", json.dumps(body["choices"][0]["text"]))
EOF
pass "a completion"

# Drain: a long stream in flight (its first token seen), then SIGTERM.
python3 - "$port" >"$work/stream.out" 2>&1 <<'EOF' &
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=120)
c.request("POST", "/v1/completions", json.dumps({"model": "stories", "prompt": "Once", "max_tokens": 1500,
          "ignore_eos": True, "stream": True}), {"Content-Type": "application/json"})
r = c.getresponse()
started = done = False
for line in iter(r.readline, b""):
    if line.startswith(b"data: {") and not started:
        print("STARTED", flush=True)
        started = True
    if line.startswith(b"data: [DONE]"):
        done = True
print("DONE" if done else "NO-DONE")
EOF
stream=$!
deadline=$((SECONDS + 60))
until grep -q STARTED "$work/stream.out"; do
  [ $SECONDS -lt $deadline ] || fail "the stream did not start: $(cat "$work/stream.out")"
  sleep 0.02
done
kill -TERM "$pid"
sleep 0.1
ready_during_drain="$(get_status "http://127.0.0.1:$port/ready")"
wait "$stream" || true
set +e
wait "$pid"
rc=$?
set -e
grep -q '^DONE$' "$work/stream.out" || fail "the stream in flight did not finish: $(cat "$work/stream.out")"
[ "$rc" -eq 0 ] || fail "servir exited $rc after SIGTERM: $(tail -5 "$work/serve.log")"
case "$ready_during_drain" in 503 | 0) ;; *) fail "/ready answered $ready_during_drain while draining" ;; esac
in_flight="$(grep -o 'shutting down: [0-9]* request' "$work/serve.log" | grep -o '[0-9][0-9]*' | head -n1)"
[ "${in_flight:-0}" -ge 1 ] || fail "no request was in flight at SIGTERM (log: $(tail -3 "$work/serve.log"))"
pass "SIGTERM with $in_flight stream(s) in flight: /ready $ready_during_drain, the stream ended with [DONE], exit 0"

# Cold start with a TinyLlama-1.1B-shape model.
if [ "$TINYLLAMA" = 1 ]; then
  umount "$ro/models/model.gguf"
  mount --bind -o ro "$TINYLLAMA_PATH" "$ro/models/model.gguf"
  cat "$TINYLLAMA_PATH" >/dev/null # page cache warm: measures servir, not the disk
  port="$(free_port)"
  start_ns=$(date +%s%N)
  serve_in_image "$port" servir serve --ctx 2048 --max-num-seqs 4 >"$work/tinyllama.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_ready "$port" "$pid" 600
  ms=$((($(date +%s%N) - start_ns) / 1000000))
  echo "image-test: cold start to /ready, TinyLlama-1.1B shape (f16, 2.2 GB, page cache warm): $ms ms"
  kill -TERM "$pid"
  wait "$pid" || fail "servir exited non-zero after SIGTERM"
fi
echo "image-test: all checks passed; image $ref is $size_mb MB"
