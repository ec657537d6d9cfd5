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

if ! command -v wrk >/dev/null && [[ "${BENCH_LOAD_GENERATOR:-wrk}" == "wrk" ]]; then
  echo "wrk not found: installing Debian's package…"
  SUDO=$([[ $(id -u) == 0 ]] && echo "" || echo "sudo -n")
  { $SUDO apt-get install -y -qq wrk >/dev/null 2>&1 || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y -qq wrk >/dev/null 2>&1; }; } \
    || echo "could not install wrk: the bench falls back to autocannon"
fi

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
  echo "building license-central (production)…"
  timeout 600 npx nx build license-central --configuration=production --skip-nx-cache >/dev/null
fi

echo "migrating ${BENCH_DATABASE_URL##*/}…"
DATABASE_URL="$BENCH_DATABASE_URL" timeout 120 node -r @swc-node/register scripts/db.ts migrate >/dev/null

exec timeout 900 node -r @swc-node/register bench/bench.ts
