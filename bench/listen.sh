#!/usr/bin/env bash
# Run the listen benchmark: build, check wrk, compare bare node:http / @octokit/webhooks /
# hookctl listen in one run. Usage: bench/listen.sh [seconds-per-server]   (default 8)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "wrk is needed: sudo apt-get install -y wrk" >&2
  exit 1
fi
npx tsc -p tsconfig.build.json >/dev/null || true
exec node bench/listen.mjs "${1:-8}"
