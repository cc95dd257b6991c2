#!/usr/bin/env bash
# Installs everything servir needs to build, test and fuzz: Debian packages, and
# the npm packages of the end-to-end suite as tests/e2e/package-lock.json pins them.
# Idempotent: packages already present are not touched, and apt is not even
# consulted when nothing is missing. Works as root or through sudo.
#
# --build-only: just what a Release build of the servir binary needs (the
# container image's build stage, see Dockerfile): no test, fuzz or
# deployment-test tools, no node.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libssl-dev libboost-dev libre2-dev libicu-dev libcurl4-openssl-dev
)
BUILD_ONLY=0
[ "${1:-}" = "--build-only" ] && BUILD_ONLY=1

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  clang libclang-rt-dev clang-format clang-tidy
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libboost-dev libre2-dev libicu-dev libcurl4-openssl-dev
  python3 python3-numpy
  # The deployment kit's tests (deploy/, tests/deploy): YAML lint and
  # parsing, promtool and a real Prometheus, a real load balancer.
  yamllint python3-yaml prometheus haproxy
)
[ "$BUILD_ONLY" -eq 1 ] && PACKAGES=("${BUILD_PACKAGES[@]}")

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

# Kustomize renders the manifests (`kubectl kustomize`): any kubectl will
# do; Debian's is kubernetes-client.
if [ "$BUILD_ONLY" -eq 0 ] && ! command -v kubectl >/dev/null 2>&1; then
  missing+=(kubernetes-client)
fi

# The end-to-end suite (tests/e2e) runs on node with the official OpenAI SDK.
if [ "$BUILD_ONLY" -eq 0 ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  for pkg in nodejs npm; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi

# npm packages of the e2e suite, exactly as package-lock.json pins them.
install_e2e_packages() {
  [ "$BUILD_ONLY" -eq 0 ] || return 0
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
