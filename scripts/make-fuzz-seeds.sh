#!/usr/bin/env bash
# Regenerates the checked-in seed corpora of the format fuzzers from tiny
# models made by `servir testmodel` (each a few KB, under libFuzzer's
# -max_len). Usage: scripts/make-fuzz-seeds.sh [build/servir]
set -euo pipefail
cd "$(dirname "$0")/.."
servir=${1:-build/servir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p fuzz/corpus/gguf fuzz/corpus/safetensors
common="--hidden 16 --layers 1 --heads 2 --kv-heads 1 --ffn 16 --vocab 8 --seed 1"
for arch in llama qwen2 qwen3; do
  for type in f32 f16 bf16; do
    "$servir" testmodel --arch $arch $common --type $type --out "fuzz/corpus/gguf/${arch}-${type}.gguf"
    "$servir" testmodel --arch $arch $common --type $type --out "$tmp/${arch}-${type}"
    cp "$tmp/${arch}-${type}/model.safetensors" "fuzz/corpus/safetensors/${arch}-${type}.safetensors"
  done
done
"$servir" testmodel --arch llama $common --tie-embeddings --out "fuzz/corpus/gguf/llama-tied.gguf"
ls -la fuzz/corpus/gguf fuzz/corpus/safetensors
