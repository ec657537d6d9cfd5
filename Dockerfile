# One image for the three apps and the migration job (docker-compose.yml picks the command).
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NX_NO_CLOUD=true NX_DAEMON=false PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN bash -c "source scripts/env.sh && npx prisma generate && npx nx run-many -t build -p license-central portal portal-web worker --configuration=production"

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=build /app /app
CMD ["node", "dist/apps/license-central/main.js"]
