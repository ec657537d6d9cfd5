# One image for the three apps (docker-compose.yml picks the command), on a supported Node.js LTS.
# The code itself keeps working on Node.js 20 (package.json `engines`), which these machines run.

# Build stage: every dependency, the Prisma client, the three app bundles. docker-compose.yml also
# runs the one-off migration job from this stage (the migration runner is TypeScript).
FROM node:22-bookworm-slim AS build
# A C++ toolchain: argon2 compiles from source where its prebuilt binary does not load (it crashes
# on some CPUs; npm's install script then builds it).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NX_NO_CLOUD=true NX_DAEMON=false PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
# `npm install` honours the lock file's versions; `npm ci` refuses it (it lacks some other
# platforms' optional packages).
RUN npm install --no-audit --no-fund
COPY . .
RUN bash -c "source scripts/env.sh && npx prisma generate && npx nx run-many -t build -p license-central portal portal-web worker --configuration=production"
# The migration job needs no write access to the tree: run it unprivileged too.
USER node

# Production dependencies only (native modules as built above, for this same base image).
FROM build AS production-dependencies
USER root
RUN npm prune --omit=dev --no-audit --no-fund && npm cache clean --force

# Runtime stage: the bundles and production dependencies only, as the unprivileged `node` user.
FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=production-dependencies /app/package.json ./package.json
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 3001 3002
CMD ["node", "--max-old-space-size=160", "dist/apps/license-central/main.js"]
