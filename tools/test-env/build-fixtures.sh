#!/usr/bin/env bash
# Builds the fixture images as OCI layouts, without Docker, byte-for-byte reproducibly:
#   OUT/debian12   tag 1: linux/amd64, 2 layers — Debian 12 minbase dpkg status + os-release, then /app
#                  (real npm packages installed by `npm ci` from the pinned lockfile)
#   OUT/multiarch  tag 1: an OCI image index of linux/amd64 and linux/arm64 images
# Every layer is a tar written by GNU tar with fixed mtimes, owners, modes and order, added with
# `umoci raw add-layer`; every timestamp in configs and history is SOURCE_DATE_EPOCH.
# (`umoci insert` is not used: umoci 0.4.7 leaves its tar without the end-of-archive blocks, which
# GNU tar and Python reject — opencontainers/umoci#436, fixed after 0.4.7.)
#
# Usage: build-fixtures.sh OUT_DIR      (OUT_DIR must not exist)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OUT="${1:?usage: build-fixtures.sh OUT_DIR}"
[ ! -e "$OUT" ] || die "$OUT already exists"
FIXTURES="${SHIPSHAPE_FIXTURES:-$REPO_ROOT/../shared/fixtures}"
DPKG_STATUS="$FIXTURES/dpkg/bookworm-minbase.status"
[ -f "$DPKG_STATUS" ] || die "shared fixture $DPKG_STATUS not found; set SHIPSHAPE_FIXTURES to the shared fixtures directory"
EPOCH="${SOURCE_DATE_EPOCH:-1700000000}"
CREATED="$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
APP_SRC="$TEST_ENV_TOOLS/fixtures/app"
OS_RELEASE="$TEST_ENV_TOOLS/fixtures/os-release"

mkdir -p "$(dirname "$OUT")"
WORK="$(mktemp -d "$(dirname "$OUT")/.build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Writes an uncompressed, reproducible tar of everything under $1 to $2. Member names are relative
# ("etc/os-release"), as docker and buildkit write them.
make_layer_tar() {
  local root="$1" tarfile="$2" names=()
  mapfile -t names < <(cd "$root" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
  LC_ALL=C tar --create --file="$tarfile" --directory="$root" \
    --format=posix --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
    --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner \
    --mode='u+rwX,go+rX,go-w' -- "${names[@]}"
}

# new_image LAYOUT TAG ARCH [umoci config flags...]: an empty image with a fixed creation time.
new_image() {
  local layout="$1" tag="$2" arch="$3"
  shift 3
  [ -d "$layout" ] || umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci config --image "$layout:$tag" --no-history --created "$CREATED" --os linux --architecture "$arch" \
    --config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$@"
}

# add_layer LAYOUT TAG ROOTDIR DESCRIPTION
add_layer() {
  local layout="$1" tag="$2" root="$3" description="$4" tarfile
  tarfile="$WORK/layer-$RANDOM$RANDOM.tar"
  make_layer_tar "$root" "$tarfile"
  umoci raw add-layer --image "$layout:$tag" --history.created "$CREATED" --history.created_by "$description" "$tarfile"
  rm -f "$tarfile"
}

# The fixture app, installed once per lockfile into the cache and reused from there.
installed_app() {
  local key dir tmp
  key="$(cat "$APP_SRC/package.json" "$APP_SRC/package-lock.json" | sha256sum | cut -c1-16)"
  dir="$CACHE_DIR/app-$key"
  if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$CACHE_DIR"
    tmp="$(mktemp -d "$CACHE_DIR/.app.XXXXXX")"
    cp "$APP_SRC/package.json" "$APP_SRC/package-lock.json" "$APP_SRC/index.js" "$tmp/"
    if ! (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts --no-workspaces --loglevel=error \
      --cache "$CACHE_DIR/npm" --prefer-offline >"$WORK/npm.log" 2>&1); then
      cat "$WORK/npm.log" >&2
      rm -rf "$tmp"
      die "npm ci of the fixture app failed (is the npm registry reachable?)"
    fi
    touch "$tmp/.complete"
    rm -rf "$dir"
    mv "$tmp" "$dir"
  fi
  printf '%s\n' "$dir"
}

build_debian12() {
  local layout="$OUT/debian12" base="$WORK/debian12-base" app="$WORK/debian12-app" appdir
  mkdir -p "$base/etc" "$base/var/lib/dpkg" "$app"
  cp "$OS_RELEASE" "$base/etc/os-release"
  cp "$DPKG_STATUS" "$base/var/lib/dpkg/status"
  appdir="$(installed_app)"
  cp -R "$appdir" "$app/app"
  rm -f "$app/app/.complete"

  new_image "$layout" 1 amd64 --config.workingdir /app --config.cmd node --config.cmd /app/index.js
  add_layer "$layout" 1 "$base" "shipshape test-env: Debian 12 (bookworm) minbase: /etc/os-release, /var/lib/dpkg/status"
  add_layer "$layout" 1 "$app" "shipshape test-env: /app installed by npm ci"
  umoci gc --layout "$layout"
}

build_multiarch() {
  local layout="$OUT/multiarch" arch root index_blob digest size
  for arch in amd64 arm64; do
    root="$WORK/multiarch-$arch"
    mkdir -p "$root/etc"
    cp "$OS_RELEASE" "$root/etc/os-release"
    printf 'hello from linux/%s\n' "$arch" >"$root/hello-$arch"
    new_image "$layout" "$arch" "$arch" --config.cmd "/hello-$arch"
    add_layer "$layout" "$arch" "$root" "shipshape test-env: /etc/os-release and /hello-$arch"
  done
  umoci gc --layout "$layout"

  # The index, composed by hand (umoci does not write indexes), then made the layout's only tag.
  index_blob="$WORK/index.json"
  jq -cj '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [.manifests[]
        | . as $d | ($d.annotations["org.opencontainers.image.ref.name"]) as $arch
        | {mediaType: $d.mediaType, digest: $d.digest, size: $d.size,
           platform: {architecture: $arch, os: "linux"}}]
      | sort_by(.platform.architecture)}' "$layout/index.json" >"$index_blob"
  digest="$(sha256sum "$index_blob" | cut -d' ' -f1)"
  size="$(stat -c %s "$index_blob")"
  mv "$index_blob" "$layout/blobs/sha256/$digest"
  jq -cj --arg digest "sha256:$digest" --argjson size "$size" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $digest,
      size: $size, annotations: {"org.opencontainers.image.ref.name": "1"}}]}' \
    "$layout/index.json" >"$WORK/layout-index.json"
  mv "$WORK/layout-index.json" "$layout/index.json"
}

mkdir -p "$WORK/out"
OUT_FINAL="$OUT"
OUT="$WORK/out"
build_debian12
build_multiarch
mv "$OUT" "$OUT_FINAL"
