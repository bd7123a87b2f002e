#!/usr/bin/env bash
# Runs OmniCloud: brings up the local stack (unless KUBECONFIG names an existing cluster), installs the CRDs
# and runs the operator in the foreground. Ctrl-C stops the operator; `npm run stack:down` stops the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
tsx hack/stack/cli.ts up
tsx hack/stack/cli.ts status
exec tsx hack/run-operator.ts "$@"
