#!/usr/bin/env bash
# Installs everything servir needs to build, test and fuzz: Debian packages, and
# the npm packages of the end-to-end suite as tests/e2e/package-lock.json pins them.
# Idempotent: packages already present are not touched, and apt is not even
# consulted when nothing is missing. Works as root or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  clang libclang-rt-dev clang-format clang-tidy
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libboost-dev libre2-dev libicu-dev
  python3 python3-numpy
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# The end-to-end suite (tests/e2e) runs on node with the official OpenAI SDK.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  for pkg in nodejs npm; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi

# npm packages of the e2e suite, exactly as package-lock.json pins them.
install_e2e_packages() {
  local e2e
  e2e="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
  if [ ! -d "$e2e/node_modules" ]; then
    echo "install-deps: npm ci --prefix tests/e2e"
    npm ci --prefix "$e2e" --no-audit --no-fund
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  install_e2e_packages
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_e2e_packages
