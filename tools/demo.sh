#!/usr/bin/env bash
# The demo: a small Nx workspace of three services (images as OCI layouts on disk, a generated demo
# key) released with `nx run-many -t release` — signatures, SBOMs, scan status, provenance — then
# released again to show the cache. No registry, no Docker, no cosign/syft/grype/trivy needed.
#   npm ci && bash tools/demo.sh
# Builds the packages if needed (Nx caches the build), packs them, and installs them with nx into
# the demo workspace (npm; cached after the first run). The workspace is tmp/demo
# (SHIPSHAPE_DEMO_DIR to change it); it stays there to look at.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ ! -x node_modules/.bin/nx ]; then
  echo "error: the repository's dependencies are not installed; run \`npm ci\` first" >&2
  exit 2
fi

echo "building @shipshape/core and @shipshape/nx (cached when nothing changed)..."
build_log="$(mktemp)"
if ! NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true node_modules/.bin/nx run-many -t build \
  --projects=@shipshape/core,@shipshape/nx --outputStyle=static >"$build_log" 2>&1; then
  cat "$build_log" >&2
  rm -f "$build_log"
  echo "error: the build failed (above)" >&2
  exit 1
fi
rm -f "$build_log"

exec node tools/demo/demo.mjs "$@"
