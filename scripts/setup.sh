#!/usr/bin/env bash
# Prepares a fresh machine (Node 20 + npm + git + Debian apt) to build and test ssmkit:
# pnpm 10 and the locked dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_pnpm="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want_pnpm" ]; then
  echo "setup: installing pnpm@$want_pnpm"
  npm install --global --no-fund --no-audit "pnpm@$want_pnpm" >/dev/null
fi

echo "setup: installing locked dependencies"
pnpm install --frozen-lockfile

echo "setup: building the packages (bins such as ssmkit-emulator run from dist)"
pnpm exec turbo run build --output-logs=errors-only
