#!/usr/bin/env bash
# `npm run operator -- <command>`: the platform operator's command line (scripts/operator.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec node -r @swc-node/register scripts/operator.ts "$@"
