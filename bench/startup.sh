#!/usr/bin/env bash
# CLI start-up: `hookctl --version` and one `hookctl send` against `node -e 0`, same run; the
# same send with a project file (hookctl.json, checked with ajv) shows what reading one costs.
# Needs hyperfine (Debian: apt-get install -y hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench/startup.sh needs hyperfine: apt-get install -y hyperfine" >&2; exit 1; }
[ -f dist/main.js ] || npm run build --silent
mkdir -p bench/results
url_file=$(mktemp)
project_dir=$(mktemp -d)
node bench/bare-receiver.mjs > "$url_file" & receiver=$!
trap 'kill $receiver 2>/dev/null; rm -rf "$url_file" "$project_dir"' EXIT
for _ in $(seq 50); do [ -s "$url_file" ] && break; sleep 0.05; done
url=$(cat "$url_file")
printf '{"send": {"to": "%s"}}\n' "$url" > "$project_dir/hookctl.json"
hyperfine -N --warmup 5 --runs "${RUNS:-40}" --export-json bench/results/startup.json \
  'node -e 0' \
  'node bin/hookctl.js --version' \
  "node bin/hookctl.js send pull_request.opened --to $url --secret bench-secret" \
  "node bin/hookctl.js send pull_request.opened --config $project_dir/hookctl.json --secret bench-secret" \
  "node bin/hookctl.js send pull_request.opened --validate --to $url --secret bench-secret" \
  'node bin/hookctl.js validate payloads/pull_request/opened.json --event pull_request.opened' >/dev/null
node -e '
const r = require("./bench/results/startup.json").results;
const base = r[0].mean;
for (const x of r) console.log(`${(x.mean * 1000).toFixed(1).padStart(7)} ms ± ${(x.stddev * 1000).toFixed(1).padStart(5)}  ${(x.mean / base).toFixed(2)}×  ${x.command.replace(/http:\/\/127[^ ]*/, "URL").replace(/--config \S+/, "--config hookctl.json")}`);
'
