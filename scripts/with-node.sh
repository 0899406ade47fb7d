#!/usr/bin/env bash
# Runs a command with the project's Node 24 first on PATH (installed by scripts/setup.sh).
# `npm test` / `npm start` go through this, so they work whatever Node the machine itself has.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$ROOT/.tools/node/bin/node" ]; then
  echo "Node 24 is not installed for this project: run 'bash scripts/setup.sh' first." >&2
  exit 1
fi
export PATH="$ROOT/.tools/node/bin:$ROOT/node_modules/.bin:$PATH"
exec "$@"
