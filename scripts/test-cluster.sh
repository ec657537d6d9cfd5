#!/usr/bin/env bash
# `npm run test:cluster`: the apps on a real 3-master Redis Cluster (docs/scaling.md, "Redis
# Cluster"). The spec starts its own cluster (three `redis-server --cluster-enabled yes`, created
# with `redis-cli --cluster create`) on free ports, or on ports of LEASEHOLD_TEST_REDIS_CLUSTER_PORTS
# (e.g. 7300-7349, bus ports +10000), and stops it afterwards. `npm test` runs the same spec.
# Extra arguments go to Jest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis-cluster.sh || exit 1
bash scripts/ensure-services.sh || exit 1
source scripts/env.sh
npx jest --testPathPatterns 'redis-cluster\.e2e\.spec\.ts$' "$@"
