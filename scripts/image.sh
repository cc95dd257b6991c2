#!/usr/bin/env bash
# Builds the servir container image with podman, offline from any container
# registry: the base images are made here from Debian packages.
#
#   scripts/image.sh base       make the base images only
#   scripts/image.sh build      make the base images if absent, then build servir:IMAGE_TAG
#   scripts/image.sh test       build, then check the image (deploy/image/test-image.sh)
#
# Base images: `debootstrap --variant=minbase bookworm` into a folder, then
# `podman import` as debian:bookworm (the build stage: it installs its
# compilers itself) and, with documentation, locales and apt lists removed,
# as debian:bookworm-slim (the runtime stage). Where a registry is reachable
# the official images of the same names serve just as well.
#
# `podman build --isolation chroot --cgroup-manager cgroupfs` because these
# machines (containers themselves) have no usable cgroups for runc; the
# same Dockerfile builds unchanged with `docker build`.
#
# Environment: IMAGE (servir), IMAGE_TAG (dev), IMAGE_CCACHE (the host's
# ccache folder, shared with the build stage; empty: none), DEBIAN_MIRROR
# (http://deb.debian.org/debian), PODMAN_FLAGS (extra flags for podman).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-servir}"
IMAGE_TAG="${IMAGE_TAG:-dev}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
read -r -a PODMAN <<<"podman --cgroup-manager cgroupfs ${PODMAN_FLAGS:-}"

need_tools() {
  local missing=() pkg
  for pkg in podman debootstrap; do
    command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "image: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# debian:bookworm and debian:bookworm-slim from one minbase debootstrap.
make_base_images() {
  if "${PODMAN[@]}" image exists debian:bookworm && "${PODMAN[@]}" image exists debian:bookworm-slim; then
    echo "image: base images debian:bookworm and debian:bookworm-slim present"
    return 0
  fi
  local root
  root="$(mktemp -d /var/tmp/servir-rootfs.XXXXXX)"
  trap 'rm -rf "$root"' RETURN
  echo "image: debootstrap --variant=minbase bookworm (a few minutes)"
  debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  # The sources the build stage's apt-get uses (debootstrap's own list has
  # only the main suite): updates and security too.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  # As the official images: no recommends, no cached .debs.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90servir-norecommends"
  printf 'Binary::apt::APT::Keep-Downloaded-Packages "false";\n' >"$root/etc/apt/apt.conf.d/90servir-nocache"
  tar -C "$root" -c . | "${PODMAN[@]}" import --change 'CMD ["bash"]' - debian:bookworm >/dev/null
  # The slim variant: what the official bookworm-slim drops, and dpkg
  # told to keep dropping it for packages installed later.
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/usr/share/lintian "$root"/var/cache/debconf/*-old "$root"/var/log/*.log
  cat >"$root/etc/dpkg/dpkg.cfg.d/90servir-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  tar -C "$root" -c . | "${PODMAN[@]}" import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  echo "image: made debian:bookworm and debian:bookworm-slim"
}

build_image() {
  need_tools
  make_base_images
  echo "image: podman build -t $IMAGE:$IMAGE_TAG (compiles servir: slow on few cores)"
  local start=$SECONDS ccache_args=()
  # Share the host's ccache (IMAGE_CCACHE= to build without it).
  local host_cache="${IMAGE_CCACHE-$(ccache -k cache_dir 2>/dev/null || true)}"
  if [ -n "$host_cache" ]; then
    mkdir -p "$host_cache"
    ccache_args=(--volume "$host_cache:/host-ccache" --build-arg CCACHE_DIR=/host-ccache)
  fi
  "${PODMAN[@]}" build --isolation chroot --pull=never --format docker "${ccache_args[@]}" \
    --build-arg "JOBS=$(nproc)" -t "$IMAGE:$IMAGE_TAG" -f Dockerfile .
  echo "image: built $IMAGE:$IMAGE_TAG in $((SECONDS - start)) s"
  "${PODMAN[@]}" image inspect "$IMAGE:$IMAGE_TAG" --format 'image: size {{.Size}} bytes'
}

case "${1:-build}" in
  base)
    need_tools
    make_base_images
    ;;
  build) build_image ;;
  test)
    build_image
    IMAGE="$IMAGE" IMAGE_TAG="$IMAGE_TAG" PODMAN_FLAGS="${PODMAN_FLAGS:-}" deploy/image/test-image.sh
    ;;
  *)
    echo "usage: $0 base|build|test" >&2
    exit 2
    ;;
esac
