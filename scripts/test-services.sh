#!/usr/bin/env bash
# Installs and starts the real components the tests use: OpenBLAS, PostgreSQL (a throwaway cluster),
# Azurite (Azure Blob emulator), the Node tools (DuckDB and hyparquet as independent Parquet readers), and Debian's
# Chromium for the dashboard's Playwright tests (Playwright's own browser download is not used).
# Source it: it exports AMBER_TEST_* variables and registers `amber_stop_services` to stop what it started.
# Idempotent: packages already present are not installed again.

AMBER_ROOT=${AMBER_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
AMBER_APT_PACKAGES=${AMBER_APT_PACKAGES:-"libopenblas0-pthread postgresql chromium fonts-dejavu-core"}

amber_log() { printf '[test-env] %s\n' "$*" >&2; }

amber_install_apt() {
  local missing=()
  for p in $AMBER_APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    amber_log "apt-get install ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

amber_install_npm() {
  local tools="$AMBER_ROOT/tests/tools"
  if [ ! -x "$tools/node_modules/.bin/azurite-blob" ] || [ ! -d "$tools/node_modules/@duckdb/node-api" ] \
     || [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; then
    amber_log "npm ci in tests/tools"
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  export AMBER_TEST_TOOLS="$tools"
}

amber_free_port() {
  # Ask the kernel for a free loopback port (Node is required anyway for the test tools).
  node -e 'const s=require("net").createServer(); s.listen(0,"127.0.0.1",()=>{console.log(s.address().port); s.close();})'
}

amber_start_postgres() {
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { amber_log "PostgreSQL binaries not found"; return 1; }
  AMBER_PG_DIR=$(mktemp -d /tmp/amber-pg.XXXXXX)
  local port; port=$(amber_free_port)
  local as_pg=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$AMBER_PG_DIR"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$bin/initdb" -D "$AMBER_PG_DIR/data" -A trust -U postgres >/dev/null
  "${as_pg[@]}" "$bin/pg_ctl" -D "$AMBER_PG_DIR/data" -l "$AMBER_PG_DIR/log" -w \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  AMBER_PG_BIN=$bin
  export AMBER_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  amber_log "PostgreSQL on 127.0.0.1:$port"
}

amber_start_azurite() {
  AMBER_AZURITE_DIR=$(mktemp -d /tmp/amber-azurite.XXXXXX)
  local port; port=$(amber_free_port)
  "$AMBER_TEST_TOOLS/node_modules/.bin/azurite-blob" --silent --location "$AMBER_AZURITE_DIR" \
    --blobHost 127.0.0.1 --blobPort "$port" --skipApiVersionCheck --disableTelemetry >"$AMBER_AZURITE_DIR/log" 2>&1 &
  AMBER_AZURITE_PID=$!
  # The table service too: the Azure cluster profile keeps Orleans membership and reminders in tables.
  local table_port; table_port=$(amber_free_port)
  "$AMBER_TEST_TOOLS/node_modules/.bin/azurite-table" --silent --location "$AMBER_AZURITE_DIR" \
    --tableHost 127.0.0.1 --tablePort "$table_port" --skipApiVersionCheck --disableTelemetry >"$AMBER_AZURITE_DIR/table-log" 2>&1 &
  AMBER_AZURITE_TABLE_PID=$!
  for p in "$port" "$table_port"; do
    for _ in $(seq 1 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
      sleep 0.1
    done
  done
  # The well-known development account of the emulator (public, documented by Microsoft; not a secret).
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export AMBER_TEST_AZURITE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;"
  amber_log "Azurite on 127.0.0.1:$port (blobs) and 127.0.0.1:$table_port (tables)"
}

amber_stop_services() {
  if [ -n "${AMBER_AZURITE_PID:-}" ]; then kill "$AMBER_AZURITE_PID" 2>/dev/null || true; wait "$AMBER_AZURITE_PID" 2>/dev/null || true; fi
  if [ -n "${AMBER_AZURITE_TABLE_PID:-}" ]; then kill "$AMBER_AZURITE_TABLE_PID" 2>/dev/null || true; wait "$AMBER_AZURITE_TABLE_PID" 2>/dev/null || true; fi
  if [ -n "${AMBER_PG_DIR:-}" ] && [ -d "$AMBER_PG_DIR/data" ]; then
    local as_pg=(); [ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
    "${as_pg[@]}" "$AMBER_PG_BIN/pg_ctl" -D "$AMBER_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "${AMBER_PG_DIR:-/nonexistent}" "${AMBER_AZURITE_DIR:-/nonexistent}"
}
