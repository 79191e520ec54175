#!/usr/bin/env bash
# Signing benchmark: key-based sign (bundle, legacy) and verify time per image against a loopback
# registry of its own (a private test environment, stopped and removed on exit). Prints figures.
#   bash tools/bench/sign.sh [--images 20]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[ -n "${SHIPSHAPE_BENCH_NO_BUILD:-}" ] || npx tsc -p packages/core/tsconfig.lib.json >&2

STATE="$(mktemp -d "${TMPDIR:-/tmp}/shipshape-bench-env.XXXXXX")"
export SHIPSHAPE_TEST_ENV_DIR="$STATE"
trap 'bash "$ROOT/tools/test-env/down.sh" --clean >/dev/null 2>&1 || true' EXIT
bash tools/test-env/up.sh >"$STATE.up.log" 2>&1 || { cat "$STATE.up.log" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
source "$STATE/env.sh"
set +a
node tools/bench/sign.mjs "$@"
