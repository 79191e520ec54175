#!/usr/bin/env bash
# Registry client benchmark: resolve and pull throughput of our client next to skopeo, against a
# loopback registry of its own (a private test environment, stopped and removed on exit).
# Prints figures; it is not a test and asserts nothing. Options go to registry.mjs:
#   bash tools/bench/registry.sh [--resolves 200] [--layers 3] [--layer-mib 50] [--runs 3]
# Set SHIPSHAPE_BENCH_NO_BUILD=1 to use packages/core/dist as it is.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

if [ -z "${SHIPSHAPE_BENCH_NO_BUILD:-}" ]; then
  echo "bench: building packages/core" >&2
  if ! npx tsc -p packages/core/tsconfig.lib.json >&2; then
    [ -f packages/core/dist/oci/registry/client.js ] || { echo "bench: the build failed and there is no earlier build" >&2; exit 1; }
    echo "bench: WARNING: the build reported errors; measuring what it emitted" >&2
  fi
fi

STATE="$(mktemp -d "${TMPDIR:-/tmp}/shipshape-bench-env.XXXXXX")"
export SHIPSHAPE_TEST_ENV_DIR="$STATE"
cleanup() { bash "$ROOT/tools/test-env/down.sh" --clean >/dev/null 2>&1 || echo "bench: could not stop the registries of $STATE" >&2; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench: starting a private test environment in $STATE" >&2
if ! bash tools/test-env/up.sh >"$STATE.up.log" 2>&1; then
  cat "$STATE.up.log" >&2
  rm -f "$STATE.up.log"
  exit 1
fi
rm -f "$STATE.up.log"
set -a
# shellcheck disable=SC1091
source "$STATE/env.sh"
set +a
node tools/bench/registry.mjs "$@"
