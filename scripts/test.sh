#!/usr/bin/env bash
# The whole test suite: type check, unit tests, then integration tests against real Kafka and Elasticsearch
# (started by the integration project's global setup unless their addresses are in the environment).
set -euo pipefail
cd "$(dirname "$0")/.."
tsc --noEmit -p .
vitest run "$@"
