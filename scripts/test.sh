#!/usr/bin/env bash
# The whole test suite: type check, unit tests, then integration tests against real Kafka and Elasticsearch
# (started by the integration project's global setup unless their addresses are in the environment).
# Ends with one summary line, "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .run
tsc --noEmit -p .
status=0
vitest run --reporter=default --reporter=json --outputFile.json=.run/vitest-report.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(".run/vitest-report.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
