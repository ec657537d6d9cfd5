#!/usr/bin/env bash
# npm run bench: builds license-central for production, migrates its own database
# (leasehold_bench), starts the built app (and a second replica), seeds a vendor through the API,
# starts the anchors (bench/anchors), and measures everything with wrk (installed here with
# apt-get where missing; autocannon when that is impossible). Every scenario is bounded in time
# (BENCH_SECONDS, default 5 s) and the whole run by `timeout`.
#   BENCH_SKIP_BUILD=1   reuse dist/apps/license-central/main.js
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

export BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/leasehold_bench}"

source bench/prepare.sh   # wrk where missing, the production build

echo "migrating ${BENCH_DATABASE_URL##*/}…"
DATABASE_URL="$BENCH_DATABASE_URL" timeout 120 node -r @swc-node/register scripts/db.ts migrate >/dev/null

# BENCH_SCRIPT=ab: bench/ab.ts (npm run bench:ab), builds side by side; default bench/bench.ts.
exec timeout 900 node -r @swc-node/register "bench/${BENCH_SCRIPT:-bench}.ts"
