#!/usr/bin/env bash
# Builds what the operator image runs into OUT (default dist/): the operator and the cloud simulator as
# single ES modules (npm packages stay external, resolved from node_modules beside OUT) and the SQL
# migrations they apply at start. The Dockerfile runs exactly this; so does the test of the chart's operator.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
esbuild=node_modules/.bin/esbuild
common=(--bundle --platform=node --format=esm --target=node20 --packages=external --log-level=warning)
"$esbuild" operator/main.ts "${common[@]}" --outfile="$out/operator.mjs"
"$esbuild" controllers/provider/simulator/main.ts "${common[@]}" --outfile="$out/simulator.mjs"
rm -rf "$out/migrations"
cp -r controllers/db/migrations "$out/migrations"
