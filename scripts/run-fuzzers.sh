#!/usr/bin/env bash
# Runs every fuzz target built in BUILD_DIR for SECONDS each, starting from the
# checked-in seed corpus in fuzz/corpus/NAME (copied to a scratch folder so
# the repository is never written). Fails on any crash, sanitizer report or
# timeout.
set -euo pipefail
build_dir=${1:-build-san}
seconds=${2:-60}
cd "$(dirname "$0")/.."
shopt -s nullglob
targets=("$build_dir"/fuzz/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-fuzzers: no fuzz targets in $build_dir/fuzz" >&2
  exit 1
fi
for target in "${targets[@]}"; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  work=$(mktemp -d)
  mkdir -p "$work/corpus"
  if [ -d "fuzz/corpus/${name#fuzz_}" ]; then cp -r "fuzz/corpus/${name#fuzz_}/." "$work/corpus/"; fi
  if [ -d "$build_dir/fuzz/corpus/${name#fuzz_}" ]; then cp -r "$build_dir/fuzz/corpus/${name#fuzz_}/." "$work/corpus/"; fi
  echo "run-fuzzers: $name for ${seconds}s ($(ls "$work/corpus" | wc -l) seeds)"
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1 "$OLDPWD/$target" -max_total_time="$seconds" -timeout=10 \
     -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus 2>"$work/log") || {
    tail -50 "$work/log" >&2
    echo "run-fuzzers: $name FAILED (crash input kept in $work)" >&2
    exit 1
  }
  grep -E "stat::number_of_executed_units|Done" "$work/log" | head -2 || true
  rm -rf "$work"
done
echo "run-fuzzers: all targets clean"
