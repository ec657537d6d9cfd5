#!/usr/bin/env bash
# `npm run test:pooler`: the transaction-pooler tests (docs/scaling.md).
#  1. The pooler specs (each starts its own PgBouncer; `npm test` runs these too).
#  2. The licensing and seat suites again, with every app of every test file reaching Postgres
#     through one PgBouncer in transaction mode and DATABASE_POOLER=transaction
#     (LEASEHOLD_TEST_POOLER=transaction: tools/jest/global-setup.ts and worker-env.ts).
# Extra arguments go to both Jest runs.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-pgbouncer.sh || exit 1
source scripts/env.sh
npx jest apps/license-central/src/client/pooler.e2e.spec.ts scripts/migrate-through-pooler.spec.ts "$@" || exit 1
LEASEHOLD_TEST_POOLER=transaction npx jest apps/license-central/src/client apps/license-central/src/vendor libs/domain/seats libs/domain/licensing "$@"
