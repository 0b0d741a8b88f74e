#!/usr/bin/env bash
# Prepares a fresh machine (Node 20 + npm + git + Debian apt) to build and test ssmkit:
# the system packages of the end-to-end suites (PostgreSQL, MariaDB, OpenSSH), pnpm 10 and the
# locked dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

deps_status=0
bash scripts/install-system-deps.sh || deps_status=$?
if [ "$deps_status" -eq 3 ]; then
  echo "setup: continuing without them; the real-servers suites fail until they are installed" >&2
elif [ "$deps_status" -ne 0 ]; then
  exit "$deps_status"
fi

want_pnpm="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want_pnpm" ]; then
  echo "setup: installing pnpm@$want_pnpm"
  npm install --global --no-fund --no-audit "pnpm@$want_pnpm" >/dev/null
fi

echo "setup: installing locked dependencies"
pnpm install --frozen-lockfile

echo "setup: building the packages (bins such as ssmkit-emulator run from dist)"
pnpm exec turbo run build --output-logs=errors-only
