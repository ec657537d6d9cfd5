# Sourced by the project's scripts. Nx without cloud or daemon; Prisma's CLI pointed at a
# placeholder engine file it never loads (tools/prisma/README.md explains why).
export NX_NO_CLOUD=true
export NX_DAEMON=false
export NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-false}
export PRISMA_QUERY_ENGINE_LIBRARY="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/prisma/placeholder-query-engine.node"
export PRISMA_HIDE_UPDATE_MESSAGE=1
export CHECKPOINT_DISABLE=1
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/leasehold}
