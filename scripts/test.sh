#!/usr/bin/env bash
# The whole suite: lint, typecheck, build, every package's tests, then the demo (the README's
# main job) in a short run. Ends with the totals line.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf packages/*/.test-results
pnpm run --silent format:check || { echo "formatting: run 'pnpm format'" >&2; exit 1; }
pnpm exec turbo run lint typecheck build test --concurrency=1 --continue "$@"
status=$?
pnpm --silent lint:tools || { echo "bench/ and scripts/ failed typecheck or lint" >&2; status=1; }
echo
echo "== demo (pnpm demo -- --mib 1) =="
if pnpm --silent demo -- --mib 1; then
  demo_status=0
else
  demo_status=1
  echo "demo failed" >&2
fi
echo
echo "== bench (pnpm bench --short: checks that every benchmark runs and moves exact bytes) =="
pnpm --silent bench --short || { echo "bench failed" >&2; demo_status=1; }
node scripts/test-summary.mjs
if [ "$status" -ne 0 ]; then exit "$status"; fi
exit "$demo_status"
