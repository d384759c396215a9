#!/usr/bin/env bash
# `hookctl validate` wall time against `node -e 0`, same run (noisy machines: read the ratios).
# Needs hyperfine (Debian: apt-get install -y hyperfine). Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench/validate.sh needs hyperfine: apt-get install -y hyperfine" >&2; exit 1; }
[ -f dist/main.js ] || npm run build --silent
mkdir -p bench/results
broken=$(mktemp --suffix=.json)
trap 'rm -f "$broken"' EXIT
node -e '
const p = JSON.parse(require("fs").readFileSync("payloads/pull_request/opened.json", "utf8"));
delete p.pull_request.head.sha; p.pull_request.number = "12";
process.stdout.write(JSON.stringify(p));' > "$broken"
hyperfine -N -i --warmup 5 --runs "${RUNS:-30}" --export-json bench/results/validate.json \
  'node -e 0' \
  'node bin/hookctl.js validate payloads/pull_request/opened.json --event pull_request.opened' \
  "node bin/hookctl.js validate $broken --event pull_request.opened" \
  'node bin/hookctl.js validate payloads/push.json --event push' >/dev/null
node -e '
const r = require("./bench/results/validate.json").results;
const base = r[0].mean;
for (const x of r) console.log(`${(x.mean * 1000).toFixed(1).padStart(7)} ms ± ${(x.stddev * 1000).toFixed(1).padStart(5)}  ${(x.mean / base).toFixed(2)}×  +${((x.mean - base) * 1000).toFixed(0).padStart(3)} ms  ${x.command.replace(/\/tmp\/[^ ]*/, "BROKEN.json")}`);
'
