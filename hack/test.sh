#!/usr/bin/env bash
# Runs every test: lint and types, the CRD freshness check, then unit, contract, integration, security, chaos,
# system and performance tests against the real local stack (brought up here when it is not running, and
# stopped again afterwards unless OMNICLOUD_KEEP_STACK=1), with a coverage report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"

stack_was_up=0
if tsx hack/stack/cli.ts status >/dev/null 2>&1; then stack_was_up=1; fi
cleanup() {
  if [ "$stack_was_up" = 0 ] && [ "${OMNICLOUD_KEEP_STACK:-0}" != 1 ]; then tsx hack/stack/cli.ts down || true; fi
}
trap cleanup EXIT

echo "== lint and types"
eslint .
prettier --check . >/dev/null || { prettier --check . ; exit 1; }
tsc --noEmit -p .

echo "== stack"
tsx hack/stack/cli.ts up
tsx hack/stack/cli.ts status

echo "== tests"
c8 mocha 'test/{unit,contract,integration,security,chaos,system,performance}/**/*.test.ts' "$@"
