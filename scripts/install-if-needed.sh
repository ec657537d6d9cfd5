#!/usr/bin/env bash
# Installs dependencies when node_modules is missing or older than package-lock.json, then
# generates the Prisma client (npm runs no install scripts here, so generation is explicit).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (npm install)..."
  npm install --no-audit --no-fund
fi
if [ ! -f libs/db/src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt libs/db/src/generated/prisma/client.ts ]; then
  echo "Generating the Prisma client..."
  npx prisma generate >/dev/null
fi
