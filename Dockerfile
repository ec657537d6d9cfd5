# One image for the three apps (docker-compose.yml picks the command), on a supported Node.js LTS.
# The code itself keeps working on Node.js 20 (package.json `engines`), which these machines run.

# Build stage: every dependency, the Prisma client, the three app bundles. docker-compose.yml also
# runs the one-off migration job from this stage (the migration runner is TypeScript).
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV NX_NO_CLOUD=true NX_DAEMON=false PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
# `npm install` honours the lock file's versions; `npm ci` refuses it (it lacks some other
# platforms' optional packages).
RUN npm install --no-audit --no-fund
COPY . .
RUN bash -c "source scripts/env.sh && npx prisma generate && npx nx run-many -t build -p license-central portal worker --configuration=production"
# The migration job needs no write access to the tree: run it unprivileged too.
USER node

# Runtime stage: the bundles and production dependencies only, as the unprivileged `node` user.
FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY package.json package-lock.json ./
# --ignore-scripts: no install hook is needed at run time (argon2 ships prebuilt binaries; the Prisma
# client is generated into the bundles with engineType "client", so no engine is downloaded).
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 3001 3002
CMD ["node", "dist/apps/license-central/main.js"]
