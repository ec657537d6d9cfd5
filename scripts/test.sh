#!/usr/bin/env bash
# `npm test`: everything a fresh clone needs, then the type check and every test against the real
# Postgres and Redis. Ends with one plain line "N passed, N failed" taken from Jest's JSON results.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-if-needed.sh || exit 1
bash scripts/ensure-services.sh || exit 1
source scripts/env.sh

echo "Type-checking..."
npx tsc -p tsconfig.json || { echo "0 passed, 1 failed"; echo "Type check failed." >&2; exit 1; }
npx tsc -p apps/portal-web/tsconfig.json || { echo "0 passed, 1 failed"; echo "Type check of the portal web app failed." >&2; exit 1; }

# The portal web app's browser tests (apps/portal-web/e2e) drive Debian's Chromium (headless) with
# playwright-core; they build the web app themselves.
bash scripts/ensure-chromium.sh || { echo "0 passed, 1 failed"; exit 1; }
# The transaction-pooler tests (apps/license-central/src/client/pooler.e2e.spec.ts) start their own
# PgBouncer (Debian's package) in transaction mode in front of the test database: docs/scaling.md.
bash scripts/ensure-pgbouncer.sh || { echo "0 passed, 1 failed"; exit 1; }
# The Redis Cluster tests (apps/worker/src/cluster/redis-cluster.e2e.spec.ts) start their own
# 3-master cluster with Debian's redis-server and redis-cli: docs/scaling.md.
bash scripts/ensure-redis-cluster.sh || { echo "0 passed, 1 failed"; exit 1; }

mkdir -p tmp
echo "Checking formatting (Prettier; \`npm run format\` fixes it)..."
if ! npx prettier --check "{apps,libs,packages,scripts,tools,bench}/**/*.{ts,tsx}" > tmp/format.log 2>&1; then
  grep -E "\[warn\]" tmp/format.log | head -20
  echo "0 passed, 1 failed"; echo "Formatting check failed: run npm run format (see tmp/format.log)." >&2; exit 1
fi
echo "Linting (module boundaries, floating promises)..."
if ! npx nx run-many -t lint --output-style=static > tmp/lint.log 2>&1; then
  grep -E "error|✖" tmp/lint.log | head -40
  echo "0 passed, 1 failed"; echo "Lint failed: see tmp/lint.log." >&2; exit 1
fi

results=tmp/jest-results.json
rm -f "$results"
npx jest --json --outputFile="$results" "$@"
status=$?
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
exit $status
