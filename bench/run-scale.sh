#!/usr/bin/env bash
# npm run bench:scale: drops and re-creates its own database (leasehold_bench_scale, or
# BENCH_SCALE_DATABASE_URL whose name must start with leasehold_bench_scale), migrates it, builds
# license-central (unless BENCH_SKIP_BUILD=1) and runs bench/scale.ts: 1,000,000 licenses and
# 100,000 live leases seeded by SQL, 60 s of heartbeats over all of them (BENCH_SCALE_SECONDS),
# validate/checkout ratios (BENCH_SECONDS each), EXPLAIN plans of the hot statements, sweep batch
# durations. Bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

export BENCH_SCALE_DATABASE_URL="${BENCH_SCALE_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/leasehold_bench_scale}"
db="${BENCH_SCALE_DATABASE_URL##*/}"
if [[ "$db" != leasehold_bench_scale* ]]; then
  echo "BENCH_SCALE_DATABASE_URL must name a database leasehold_bench_scale*: it is dropped and re-created" >&2
  exit 2
fi

source bench/prepare.sh   # wrk where missing, the production build

echo "re-creating $db…"
ADMIN_URL="${BENCH_SCALE_DATABASE_URL%/*}/postgres" DB="$db" node -e '
  const { Client } = require("pg");
  const c = new Client({ connectionString: process.env.ADMIN_URL });
  c.connect().then(() => c.query(`DROP DATABASE IF EXISTS "${process.env.DB}" WITH (FORCE)`)).then(() => c.end()).catch((e) => { console.error(e.message); process.exit(1); });'
DATABASE_URL="$BENCH_SCALE_DATABASE_URL" timeout 120 node -r @swc-node/register scripts/db.ts migrate >/dev/null

exec timeout 1200 node -r @swc-node/register bench/scale.ts
