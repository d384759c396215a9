#!/usr/bin/env bash
# Run the listen benchmark: build, check wrk, compare bare node:http / @octokit/webhooks /
# hookctl listen (default, --no-inspect, inspector stream open) in one run, then the forward
# latency. Usage: bench/listen.sh [seconds-per-server] [--rounds N] [--baseline DIR] [--quick]   (default 8)
# --baseline DIR adds "listen before": the listen of another checkout with dist/ built (e.g. main).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "wrk is needed: sudo apt-get install -y wrk" >&2
  exit 1
fi
npx tsc -p tsconfig.build.json >/dev/null || true
exec node bench/listen.mjs "${@:-8}"
