#!/usr/bin/env bash
# THE test command: sets up the test environment (two local registries and the fixture images,
# tools/test-env/up.sh), runs build, lint and test for every project, and always stops what it
# started. Extra arguments go to `nx run-many` (e.g. --projects=core). Exits with nx's status.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# EXIT also runs on TERM and on Ctrl-C, so the registries never outlive us.
trap 'bash "$ROOT/tools/test-env/down.sh"' EXIT
bash "$ROOT/tools/test-env/up.sh"
# shellcheck disable=SC1091
source "${SHIPSHAPE_TEST_ENV_DIR:-$ROOT/tmp/test-env}/env.sh"

export NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true
status=0
npx nx run-many -t build,lint,test --outputStyle=static "$@" || status=$?
# The end-to-end tests (a fresh Nx workspace with the packed plugin, against the same registries).
if [ "$status" -eq 0 ] && [ $# -eq 0 ]; then
  npx nx run e2e:e2e --outputStyle=static || status=$?
fi
exit "$status"
