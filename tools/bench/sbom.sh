#!/usr/bin/env bash
# SBOM benchmark: the native generator, trivy and the decompress-only floor (layer after layer, and
# all layers at once) on one realistic image, plus a warm-layer-cache run of a second image sharing
# the base layers. Prints wall time, CPU time and peak memory for each and the targets (>= 3x faster
# than trivy, within 2x of the parallel floor, < 200 MiB).
# It is not a test and asserts nothing. Options go to sbom.mjs:
#   bash tools/bench/sbom.sh [--runs 3] [--npm-packages 3000] [--binary-mib 48] [--keep]
# Set SHIPSHAPE_BENCH_NO_BUILD=1 to use packages/core/dist as it is; SHIPSHAPE_TRIVY_PATH for another trivy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
if [ -z "${SHIPSHAPE_BENCH_NO_BUILD:-}" ]; then
  echo "bench: building packages/core" >&2
  if ! npx tsc -p packages/core/tsconfig.lib.json >&2; then
    [ -f packages/core/dist/sbom/image-sbom.js ] || { echo "bench: the build failed and there is no earlier build" >&2; exit 1; }
    echo "bench: WARNING: the build reported errors; measuring what it emitted" >&2
  fi
fi

# The Debian 12 fixture image, built by the test environment's builder (no registry needed).
WORK="$(mktemp -d "${TMPDIR:-/tmp}/shipshape-bench-fixtures.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export SHIPSHAPE_FIXTURES="${SHIPSHAPE_FIXTURES:-$ROOT/../shared/fixtures}"
echo "bench: building the fixture images in $WORK" >&2
if ! bash tools/test-env/build-fixtures.sh "$WORK/layouts" >"$WORK/build.log" 2>&1; then
  cat "$WORK/build.log" >&2
  exit 1
fi
export SHIPSHAPE_TEST_ENV_DIR="$WORK"
node tools/bench/sbom.mjs "$@"
