#!/usr/bin/env bash
# Stops the registries tools/test-env/up.sh started (by their recorded PIDs, nothing else).
# Keeps the state dir, so the next up.sh is quick; `down.sh --clean` also deletes it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLEAN=false
case "${1:-}" in
'') ;;
--clean) CLEAN=true ;;
*) die "usage: down.sh [--clean]" ;;
esac

if [ ! -d "$STATE_DIR" ]; then
  say "nothing to stop ($STATE_DIR does not exist)"
  exit 0
fi
lock_state_dir
for name in "${REGISTRY_NAMES[@]}"; do stop_registry "$name"; done
rm -f "$STATE_DIR/up-result"
if $CLEAN; then
  # The lock file goes with the directory; our open descriptor to it is harmless.
  rm -rf "$STATE_DIR"
  say "removed $STATE_DIR"
fi
