# shellcheck shell=bash
# Shared by up.sh, down.sh and build-fixtures.sh: paths, messages, package installation and the
# registry process bookkeeping. Sourced, never run.

TEST_ENV_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TEST_ENV_TOOLS/../.." && pwd)"
STATE_DIR="${SHIPSHAPE_TEST_ENV_DIR:-$REPO_ROOT/tmp/test-env}"
# The npm cache and installed fixture app live outside the state dir, so a fresh state dir still
# builds quickly (and still byte-for-byte the same).
# shellcheck disable=SC2034 # used by the scripts that source this file
CACHE_DIR="${SHIPSHAPE_TEST_CACHE_DIR:-$REPO_ROOT/tmp/test-env-cache}"
# shellcheck disable=SC2034
REGISTRY_NAMES=(plain tls)

say() { printf 'test-env: %s\n' "$*" >&2; }
die() {
  printf 'test-env: ERROR: %s\n' "$*" >&2
  exit 1
}

# Runs a command as root: directly when we are root, through sudo when it is there.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root to run '$*' (not root and no sudo); install the Debian packages listed in tools/test-env/README.md by hand"
  fi
}

# command -> Debian package that provides it.
REQUIRED_COMMANDS=(
  docker-registry:docker-registry
  skopeo:skopeo
  umoci:umoci
  htpasswd:apache2-utils
  openssl:openssl
  jq:jq
  curl:curl
  flock:util-linux
  tar:tar
  sha256sum:coreutils
  rpmbuild:rpm
  zstd:zstd # zstd-compressed test layers (src/sbom/walker)
  unzip:unzip # checking jars in the java cataloger tests
)

# Installs the Debian packages whose commands are missing: one quiet `apt-get update`, one install.
ensure_packages() {
  local missing=() entry cmd pkg
  for entry in "${REQUIRED_COMMANDS[@]}"; do
    cmd="${entry%%:*}" pkg="${entry#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  command -v node >/dev/null 2>&1 || die "node is not on PATH; install Node 20 first"
  command -v npm >/dev/null 2>&1 || die "npm is not on PATH; install Node 20 (with npm) first"
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing commands from Debian packages: ${missing[*]}; this machine has no apt-get, install them by hand"
  mkdir -p "$STATE_DIR"
  local log="$STATE_DIR/apt.log"
  say "installing Debian packages: ${missing[*]} (log: $log)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
    ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "apt-get could not install ${missing[*]} (full log: $log)"
  fi
  for entry in "${REQUIRED_COMMANDS[@]}"; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || die "installed ${entry#*:} but '${entry%%:*}' is still not on PATH"
  done
  # Installing docker-registry starts Debian's own registry service on :5000 where systemd runs;
  # we did not ask for it, so we do not leave it running.
  if printf '%s\n' "${missing[@]}" | grep -qx docker-registry && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
}

registry_dir() { printf '%s/registries/%s' "$STATE_DIR" "$1"; }

# Prints the PID recorded for registry $1 if that process is still the registry we started
# (same binary, same config file): a recycled PID never gets signalled.
registry_pid() {
  local dir pid cmdline
  dir="$(registry_dir "$1")"
  [ -f "$dir/pid" ] || return 1
  pid="$(cat "$dir/pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  case "$cmdline" in
  *docker-registry*" serve $dir/config.yml"*) printf '%s\n' "$pid" ;;
  *) return 1 ;;
  esac
}

# Stops registry $1 if we started it and it still runs; removes its PID file either way.
stop_registry() {
  local name="$1" dir pid
  dir="$(registry_dir "$name")"
  if pid="$(registry_pid "$name")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.1
    fi
    say "stopped the $name registry (pid $pid)"
  fi
  rm -f "$dir/pid"
}

# Makes STATE_DIR absolute (PID checks compare absolute config paths) and serialises up.sh/down.sh
# runs on it (two Jest projects may start together).
lock_state_dir() {
  mkdir -p "$STATE_DIR"
  STATE_DIR="$(cd "$STATE_DIR" && pwd -P)"
  exec 9>"$STATE_DIR/.lock"
  flock 9
}
