#!/usr/bin/env bash
# The whole suite: lint, typecheck, build, then every package's tests; ends with the totals.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf packages/*/.test-results
pnpm exec turbo run lint typecheck build test --concurrency=1 "$@"
status=$?
node scripts/test-summary.mjs
exit $status
