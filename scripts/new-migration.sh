#!/usr/bin/env bash
# `npm run db:migration <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql from the
# change between the schema the migrations already describe (prisma/migrations/schema.snapshot.prisma)
# and prisma/schema.prisma, then updates the snapshot. Uses `prisma migrate diff` between two
# datamodels, which works offline through the WASM engine (`--from-migrations` does not).
# The drift test (libs/db-migrations/src/schema-drift.spec.ts) checks the result against the schema.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
name=${1:-}
if [[ ! "$name" =~ ^[a-z0-9_]+$ ]]; then
  echo "usage: npm run db:migration <name>   (lower-case letters, digits and _)" >&2
  exit 2
fi
snapshot=prisma/migrations/schema.snapshot.prisma
# The CLI's driver adapter connects to some database even for a datamodel-to-datamodel diff.
export DATABASE_URL=${MIGRATION_DIFF_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
sql=$(npx prisma migrate diff --from-schema-datamodel "$snapshot" --to-schema-datamodel prisma/schema.prisma --script 2>/dev/null | grep -v '^Loaded Prisma config')
if ! grep -qv -e '^--' -e '^\s*$' <<<"$sql"; then
  echo "prisma/schema.prisma has no change since the last migration; nothing written."
  exit 0
fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
printf '%s\n' "$sql" > "$dir/migration.sql"
cp prisma/schema.prisma "$snapshot"
echo "wrote $dir/migration.sql; review it, then run: npm run db:migrate"
