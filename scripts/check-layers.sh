#!/usr/bin/env bash
# Fails when a layer includes a header of a layer above it. The order is the
# one in docs/ARCHITECTURE.md; a layer may include itself and anything below.
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=(util formats hub kernels model tokenizer engine guard server app)
rank() { local i; for i in "${!LAYERS[@]}"; do [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
bad=0
for dir in src/*/; do
  layer=$(basename "$dir")
  r=$(rank "$layer")
  [ "$r" -ge 0 ] || { echo "check-layers: src/$layer is not a layer listed in scripts/check-layers.sh" >&2; bad=1; continue; }
  while IFS=: read -r file _ inc; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$inc")
    tr=$(rank "$target")
    if [ "$tr" -gt "$r" ]; then
      echo "check-layers: $file ($layer) includes $target, a higher layer" >&2
      bad=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "$dir" || true)
done
exit $bad
