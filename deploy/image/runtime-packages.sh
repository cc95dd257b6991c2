#!/bin/sh
# Prints, one a line, the Debian packages that hold the shared libraries
# BINARY loads (ldd), leaving out those every Debian base already has
# (libc6, libgcc-s1, libstdc++6: Priority required, or pulled in by apt).
# The image's runtime stage installs exactly these. Fails when a library
# belongs to no package (the image would not run).
set -eu
binary="$1"
[ -f "$binary" ] || { echo "runtime-packages: no file $binary" >&2; exit 1; }
libs=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
pkgs=""
for lib in $libs; do
  # dpkg knows a library under the path its package ships, which on a
  # merged-/usr system may differ from ldd's (/lib vs /usr/lib).
  pkg=""
  for path in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do
    pkg=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1)
    [ -n "$pkg" ] && break
  done
  if [ -z "$pkg" ]; then
    echo "runtime-packages: no Debian package holds $lib" >&2
    exit 1
  fi
  pkgs="$pkgs $pkg"
done
for pkg in $pkgs; do
  case "$pkg" in libc6 | libgcc-s1 | libstdc++6) ;; *) echo "$pkg" ;; esac
done | sort -u
