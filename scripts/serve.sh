#!/usr/bin/env bash
# `make serve`: start the server on MODEL, or, without one, on a default
# small chat model, the way `ollama run` starts with one.
#
#   scripts/serve.sh BUILD/servir [MODEL] [-- extra serve flags]
#
# Without MODEL: `servir pull` brings the pinned default (revision and
# SHA-256 below) into the Hugging Face cache on first use, with a progress
# bar, then serves it from there (no network after that). Where the Hub
# cannot be reached (exit status 6) and ../shared/models/stories260K.gguf
# exists (the developers' tiny test model), serve that instead and say so.
# Otherwise say exactly what to pass.
set -uo pipefail
servir=${1:?usage: scripts/serve.sh path/to/servir [MODEL] [-- serve flags]}
model=${2:-}
shift $(( $# >= 2 ? 2 : 1 ))
[ "${1:-}" = "--" ] && shift

# SmolLM2-135M-Instruct (Apache-2.0, Llama architecture), Q4_K_M GGUF,
# 105,454,432 bytes; the revision and the file's LFS SHA-256 pinned.
DEFAULT_MODEL="hf:bartowski/SmolLM2-135M-Instruct-GGUF@09816acd5d99df7be770d85ea30822623dab342c:SmolLM2-135M-Instruct-Q4_K_M.gguf"
DEFAULT_SHA256="2e8040ceae7815abe0dcb3540b9995eaa1fa0d2ca9e797d0a635ae4433c68c2d"
FALLBACK="../shared/models/stories260K.gguf"

if [ -n "$model" ]; then
  exec "$servir" serve --model "$model" "$@"
fi

"$servir" pull --sha256 "$DEFAULT_SHA256" "$DEFAULT_MODEL" >/dev/null
rc=$?
if [ $rc -eq 0 ]; then
  exec "$servir" serve --model "$DEFAULT_MODEL" --served-model-name SmolLM2-135M-Instruct "$@"
fi
if [ $rc -eq 6 ] && [ -f "$FALLBACK" ]; then
  echo "servir: the Hugging Face Hub is unreachable; serving the test model $FALLBACK instead (pass MODEL=... for another)" >&2
  exec "$servir" serve --model "$FALLBACK" "$@"
fi
cat >&2 <<MSG
servir: could not get the default model $DEFAULT_MODEL (servir pull exit status $rc; see above).
Pass one explicitly:
  make serve MODEL=path/to/model.gguf               # a GGUF file
  make serve MODEL=path/to/hf-folder                # config.json + *.safetensors + tokenizer.json
  make serve MODEL=hf:ORG/REPO[@REVISION][:FILE]    # pulled from the Hub (HF_TOKEN for gated repos)
MSG
exit $rc
