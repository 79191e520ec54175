#!/usr/bin/env bash
# Release benchmark: `nx run-many -t release` over 9 services (sign + SBOM + provenance, then also verify;
# native engine) against a loopback registry of its own (a private test environment, stopped and
# removed on exit), cold and warm, and the same run with the security targets removed. Prints figures.
#   bash tools/bench/release.sh [--services 9] [--parallel 3]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
if [ -z "${SHIPSHAPE_BENCH_NO_BUILD:-}" ]; then
  NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true node_modules/.bin/nx run-many -t build \
    --projects=@shipshape/core,@shipshape/nx --outputStyle=static >&2
fi

STATE="$(mktemp -d "${TMPDIR:-/tmp}/shipshape-bench-env.XXXXXX")"
export SHIPSHAPE_TEST_ENV_DIR="$STATE"
trap 'bash "$ROOT/tools/test-env/down.sh" --clean >/dev/null 2>&1 || true; rm -f "$STATE.up.log"' EXIT
bash tools/test-env/up.sh >"$STATE.up.log" 2>&1 || { cat "$STATE.up.log" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
source "$STATE/env.sh"
set +a
node tools/bench/release.mjs "$@"
