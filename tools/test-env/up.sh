#!/usr/bin/env bash
# Sets up the integration-test environment; safe to run again (reuses what still runs).
#   - installs the Debian packages it needs (docker-registry skopeo umoci apache2-utils openssl jq curl rpm zstd)
#   - runs two real registries (Debian's docker-registry, distribution 2.8) on 127.0.0.1, free ports:
#       plain: HTTP, anonymous, delete enabled
#       tls:   HTTPS with a self-signed CA made here, htpasswd basic auth with a random password
#   - builds the fixture images reproducibly (build-fixtures.sh) and pushes them to both registries
#     as <registry>/shipshape/<name>:1, digests preserved and checked
#   - writes <state>/env.sh and <state>/env.json for the tests (see tools/test-env/README.md)
# State dir: $SHIPSHAPE_TEST_ENV_DIR, default <repo>/tmp/test-env. Stop with tools/test-env/down.sh.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STARTED_AT="$(date +%s%N)"
umask 022
lock_state_dir
ensure_packages

FIXTURES="${SHIPSHAPE_FIXTURES:-$REPO_ROOT/../shared/fixtures}"
[ -f "$FIXTURES/dpkg/bookworm-minbase.status" ] ||
  die "shared fixtures not found at $FIXTURES (expected dpkg/bookworm-minbase.status); set SHIPSHAPE_FIXTURES"
FIXTURES="$(cd "$FIXTURES" && pwd -P)"
export SHIPSHAPE_FIXTURES="$FIXTURES"

TLS_DIR="$STATE_DIR/tls"
CERTS_D="$TLS_DIR/certs.d" # skopeo --dest-cert-dir: ca.crt only
CONTAINERS_DIR="$STATE_DIR/containers"
DOCKER_CONFIG_DIR="$STATE_DIR/docker-config"
LAYOUTS="$STATE_DIR/layouts"
TLS_USERNAME=shipshape
STARTED_ANY=false
STARTED_NOW=() # registries this run started: stopped again if the run fails
mkdir -p "$TLS_DIR" "$CERTS_D" "$CONTAINERS_DIR" "$DOCKER_CONFIG_DIR" "$STATE_DIR/registries"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

# --- TLS material and credentials ---------------------------------------------------------------

tls_material_valid() {
  [ -s "$TLS_DIR/ca.pem" ] && [ -s "$TLS_DIR/server.pem" ] && [ -s "$TLS_DIR/server.key" ] &&
    openssl x509 -checkend 2592000 -noout -in "$TLS_DIR/ca.pem" >/dev/null 2>&1 &&
    openssl x509 -checkend 2592000 -noout -in "$TLS_DIR/server.pem" >/dev/null 2>&1 &&
    openssl verify -CAfile "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" >/dev/null 2>&1 &&
    [ "$(openssl pkey -in "$TLS_DIR/server.key" -pubout 2>/dev/null)" = \
      "$(openssl x509 -in "$TLS_DIR/server.pem" -pubkey -noout 2>/dev/null)" ]
}

make_tls_material() {
  local log="$TLS_DIR/openssl.log" ext="$TLS_DIR/server.ext"
  rm -f "$TLS_DIR"/*.pem "$TLS_DIR"/*.key "$TLS_DIR"/*.csr "$TLS_DIR"/*.srl
  printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' >"$ext"
  {
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj '/CN=Shipshape test CA' -addext 'basicConstraints=critical,CA:TRUE' \
      -addext 'keyUsage=critical,keyCertSign,cRLSign' -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" &&
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=127.0.0.1' \
        -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" &&
      openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
        -CAcreateserial -days 825 -extfile "$ext" -out "$TLS_DIR/server.pem"
  } >"$log" 2>&1 || {
    cat "$log" >&2
    die "openssl could not make the test CA and server certificate"
  }
  chmod 600 "$TLS_DIR/ca.key" "$TLS_DIR/server.key"
  cp "$TLS_DIR/ca.pem" "$CERTS_D/ca.crt"
}

if ! tls_material_valid; then
  stop_registry tls # it would still serve the old certificate
  make_tls_material
fi
if [ ! -s "$TLS_DIR/password" ]; then
  stop_registry tls
  (umask 077 && openssl rand -hex 24 >"$TLS_DIR/password")
fi
TLS_PASSWORD="$(cat "$TLS_DIR/password")"
TLS_REG_DIR="$(registry_dir tls)"
mkdir -p "$TLS_REG_DIR"
if [ ! -s "$TLS_REG_DIR/htpasswd" ]; then
  # -i reads the password from stdin, so it is never in a process list.
  printf '%s' "$TLS_PASSWORD" | htpasswd -iBn "$TLS_USERNAME" >"$TLS_REG_DIR/htpasswd.new" 2>/dev/null ||
    die "htpasswd could not write $TLS_REG_DIR/htpasswd"
  chmod 600 "$TLS_REG_DIR/htpasswd.new"
  mv "$TLS_REG_DIR/htpasswd.new" "$TLS_REG_DIR/htpasswd"
fi

# --- registries ---------------------------------------------------------------------------------

write_registry_config() {
  local name="$1" port="$2" dir
  dir="$(registry_dir "$name")"
  mkdir -p "$dir/data"
  {
    cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: shipshape-test-registry-$name
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: $(openssl rand -hex 16)
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    if [ "$name" = tls ]; then
      cat <<EOF
  tls:
    certificate: $TLS_DIR/server.pem
    key: $TLS_DIR/server.key
auth:
  htpasswd:
    realm: shipshape-test
    path: $dir/htpasswd
EOF
    fi
  } >"$dir/config.yml"
  chmod 600 "$dir/config.yml"
}

# Prints the HTTP status of GET /v2/ on registry $1 at port $2 (000 when it does not answer).
v2_status() {
  local name="$1" port="$2"
  if [ "$name" = tls ]; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$TLS_DIR/ca.pem" "https://127.0.0.1:$port/v2/" || true
  else
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/v2/" || true
  fi
}

# What /v2/ answers when the registry is up: 200 anonymous, 401 (a Basic challenge) with auth.
expected_v2_status() { if [ "$1" = tls ]; then echo 401; else echo 200; fi; }

registry_healthy() {
  local name="$1" dir port
  dir="$(registry_dir "$name")"
  registry_pid "$name" >/dev/null && [ -s "$dir/port" ] || return 1
  port="$(cat "$dir/port")"
  [ "$(v2_status "$name" "$port")" = "$(expected_v2_status "$name")" ]
}

start_registry() {
  local name="$1" dir port pid status log_start
  dir="$(registry_dir "$name")"
  for _ in 1 2 3; do
    stop_registry "$name"
    port="$(free_port)"
    write_registry_config "$name" "$port"
    log_start=$(($(wc -l <"$dir/registry.log" 2>/dev/null || echo 0) + 1))
    printf '\n--- %s: starting on 127.0.0.1:%s\n' "$(date -u +%FT%TZ)" "$port" >>"$dir/registry.log"
    # 9>&-: the registry must not inherit (and so hold) the state-dir lock.
    docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 </dev/null 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$dir/pid"
    printf '%s\n' "$port" >"$dir/port"
    for _ in $(seq 1 150); do
      status="$(v2_status "$name" "$port")"
      [ "$status" = "$(expected_v2_status "$name")" ] && {
        STARTED_ANY=true
        STARTED_NOW+=("$name")
        say "started the $name registry on 127.0.0.1:$port (pid $pid)"
        return 0
      }
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    # Another process may have taken the port between picking and binding it: try a new one.
    if ! kill -0 "$pid" 2>/dev/null && tail -n "+$log_start" "$dir/registry.log" | grep -q 'address already in use'; then
      continue
    fi
    break
  done
  stop_registry "$name"
  tail -n "+$log_start" "$dir/registry.log" | tail -n 8 >&2
  die "the $name registry did not come up on 127.0.0.1:$port (GET /v2/ answered '$status', expected $(expected_v2_status "$name")); log: $dir/registry.log"
}

# A failed run leaves nothing running that it started (the Jest global setup then has nothing to stop).
cleanup_on_failure() {
  local status=$? name
  [ "$status" -eq 0 ] && return 0
  for name in "${STARTED_NOW[@]}"; do stop_registry "$name"; done
  exit "$status"
}
trap cleanup_on_failure EXIT

for name in "${REGISTRY_NAMES[@]}"; do
  if registry_healthy "$name"; then
    say "reusing the $name registry on 127.0.0.1:$(cat "$(registry_dir "$name")/port") (pid $(registry_pid "$name"))"
  else
    start_registry "$name"
  fi
done
PLAIN_HOST="127.0.0.1:$(cat "$(registry_dir plain)/port")"
TLS_HOST="127.0.0.1:$(cat "$(registry_dir tls)/port")"

# Credentials as a Docker config (what registry clients read), also skopeo's auth file: the
# password never goes on a command line.
(
  umask 077
  jq -n --arg host "$TLS_HOST" --arg auth "$(printf '%s:%s' "$TLS_USERNAME" "$TLS_PASSWORD" | base64 -w0)" \
    '{auths: {($host): {auth: $auth}}}' >"$DOCKER_CONFIG_DIR/config.json"
)

# --- fixture images -----------------------------------------------------------------------------

fixture_inputs_hash() {
  {
    cat "$TEST_ENV_TOOLS/build-fixtures.sh"
    find "$TEST_ENV_TOOLS/fixtures" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat
    cat "$FIXTURES/dpkg/bookworm-minbase.status"
    umoci --version
    tar --version | head -n 1
    npm --version
    echo "${SOURCE_DATE_EPOCH:-1700000000}"
  } | sha256sum | cut -d' ' -f1
}

INPUTS="$(fixture_inputs_hash)"
if [ -f "$LAYOUTS/.inputs" ] && [ "$(cat "$LAYOUTS/.inputs")" = "$INPUTS" ]; then
  say "reusing the fixture images in $LAYOUTS"
else
  say "building the fixture images"
  rm -rf "$LAYOUTS.new"
  bash "$TEST_ENV_TOOLS/build-fixtures.sh" "$LAYOUTS.new"
  printf '%s\n' "$INPUTS" >"$LAYOUTS.new/.inputs"
  rm -rf "$LAYOUTS"
  mv "$LAYOUTS.new" "$LAYOUTS"
fi
FIXTURE_NAMES=(debian12 multiarch)

# skopeo reads no machine-wide registry configuration or signature policy of ours.
printf '%s\n' '{"default":[{"type":"insecureAcceptAnything"}]}' >"$CONTAINERS_DIR/policy.json"
printf '%s\n' 'unqualified-search-registries = []' >"$CONTAINERS_DIR/registries.conf"
export CONTAINERS_REGISTRIES_CONF="$CONTAINERS_DIR/registries.conf"

layout_digest() { jq -r '.manifests[0].digest' "$LAYOUTS/$1/index.json"; }

MANIFEST_ACCEPT='application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'

# True when registry $2 already serves $1:1 with the layout's digest (a warm run pushes nothing).
already_pushed() {
  local name="$1" target="$2" url headers
  if [ "$target" = tls ]; then
    url="https://$TLS_HOST/v2/shipshape/$name/manifests/1"
    # Credentials reach curl on stdin (-K -), never in its arguments.
    headers="$(printf 'user = "%s:%s"\n' "$TLS_USERNAME" "$TLS_PASSWORD" |
      curl -sfI --max-time 5 -K - --cacert "$TLS_DIR/ca.pem" -H "Accept: $MANIFEST_ACCEPT" "$url")" || return 1
  else
    url="http://$PLAIN_HOST/v2/shipshape/$name/manifests/1"
    headers="$(curl -sfI --max-time 5 -H "Accept: $MANIFEST_ACCEPT" "$url")" || return 1
  fi
  tr -d '\r' <<<"$headers" | grep -qix "docker-content-digest: $(layout_digest "$name")"
}

push() {
  local name="$1" target="$2" digestfile="$STATE_DIR/push.digest" log="$STATE_DIR/push.log" dest
  already_pushed "$name" "$target" && return 0
  local flags=(--quiet --all --preserve-digests --policy "$CONTAINERS_DIR/policy.json" --digestfile "$digestfile")
  if [ "$target" = tls ]; then
    dest="$TLS_HOST"
    flags+=(--dest-cert-dir "$CERTS_D" --dest-authfile "$DOCKER_CONFIG_DIR/config.json")
  else
    dest="$PLAIN_HOST"
    flags+=(--dest-tls-verify=false --dest-no-creds)
  fi
  rm -f "$digestfile"
  if ! skopeo copy "${flags[@]}" "oci:$LAYOUTS/$name:1" "docker://$dest/shipshape/$name:1" >"$log" 2>&1; then
    cat "$log" >&2
    die "skopeo could not push $name to the $target registry ($dest)"
  fi
  [ "$(cat "$digestfile")" = "$(layout_digest "$name")" ] ||
    die "pushing $name to $dest changed its digest: $(cat "$digestfile") instead of $(layout_digest "$name")"
}

for name in "${FIXTURE_NAMES[@]}"; do
  for target in plain tls; do push "$name" "$target"; done
done
rm -f "$STATE_DIR/push.digest"

# --- what the tests read ------------------------------------------------------------------------

blob() { printf '%s/%s/blobs/sha256/%s' "$LAYOUTS" "$1" "${2#sha256:}"; }

# One fixture's record: digest, media type, platforms (with each platform manifest's digest).
fixture_json() {
  local name="$1" desc media digest platforms
  desc="$(jq -c '.manifests[0]' "$LAYOUTS/$name/index.json")"
  media="$(jq -r .mediaType <<<"$desc")"
  digest="$(jq -r .digest <<<"$desc")"
  if [ "$media" = application/vnd.oci.image.index.v1+json ]; then
    platforms="$(jq -c '[.manifests[] | {os: .platform.os, architecture: .platform.architecture,
      digest, mediaType, size}]' "$(blob "$name" "$digest")")"
  else
    platforms="$(jq -c --argjson d "$desc" '[{os, architecture, digest: $d.digest, mediaType: $d.mediaType, size: $d.size}]' \
      "$(blob "$name" "$(jq -r .config.digest "$(blob "$name" "$digest")")")")"
  fi
  jq -n --arg name "$name" --argjson desc "$desc" --argjson platforms "$platforms" \
    --arg layout "$LAYOUTS/$name" --arg plain "$PLAIN_HOST/shipshape/$name:1" --arg tls "$TLS_HOST/shipshape/$name:1" \
    '{name: $name, tag: "1", repository: ("shipshape/" + $name), digest: $desc.digest, mediaType: $desc.mediaType,
      size: $desc.size, layout: $layout, layoutReference: ("oci:" + $layout + ":1"), platforms: $platforms,
      references: {plain: $plain, tls: $tls}}'
}

for name in "${FIXTURE_NAMES[@]}"; do fixture_json "$name"; done | jq -s '{images: .}' >"$STATE_DIR/images.json"

(
  umask 077
  jq -n --arg registry "$PLAIN_HOST" --arg tlsRegistry "$TLS_HOST" --arg user "$TLS_USERNAME" \
    --arg password "$TLS_PASSWORD" --arg ca "$TLS_DIR/ca.pem" --arg certDir "$CERTS_D" \
    --arg dockerConfig "$DOCKER_CONFIG_DIR" --arg dir "$STATE_DIR" --arg images "$STATE_DIR/images.json" \
    --arg fixtures "$FIXTURES" \
    '{SHIPSHAPE_TEST_REGISTRY: $registry, SHIPSHAPE_TEST_TLS_REGISTRY: $tlsRegistry,
      SHIPSHAPE_TEST_TLS_USERNAME: $user, SHIPSHAPE_TEST_TLS_PASSWORD: $password, SHIPSHAPE_TEST_TLS_CA: $ca,
      SHIPSHAPE_TEST_TLS_CERT_DIR: $certDir, SHIPSHAPE_TEST_DOCKER_CONFIG: $dockerConfig,
      SHIPSHAPE_TEST_ENV_DIR: $dir, SHIPSHAPE_TEST_IMAGES: $images, SHIPSHAPE_FIXTURES: $fixtures}' \
    >"$STATE_DIR/env.json"
  jq -r 'to_entries[] | "export \(.key)=\(.value | @sh)"' "$STATE_DIR/env.json" >"$STATE_DIR/env.sh"
)
# For whoever called us (the Jest global setup): did this run start a registry, or only reuse?
if $STARTED_ANY; then echo started >"$STATE_DIR/up-result"; else echo reused >"$STATE_DIR/up-result"; fi

ELAPSED_MS=$((($(date +%s%N) - STARTED_AT) / 1000000))
{
  printf 'test-env: ready in %d.%03ds\n' $((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
  printf '  plain registry  http://%s (anonymous)\n' "$PLAIN_HOST"
  printf '  tls registry    https://%s (user %s, CA %s)\n' "$TLS_HOST" "$TLS_USERNAME" "$TLS_DIR/ca.pem"
  jq -r '.images[] | "  \(.name):1\(" " * (12 - (.name | length)))\(.digest)  \([.platforms[] | .os + "/" + .architecture] | join(", "))"' \
    "$STATE_DIR/images.json"
  printf '  env             source %s/env.sh   (stop: bash tools/test-env/down.sh)\n' "$STATE_DIR"
} >&2
