# One image for the API and the workers (docker-compose.yml and deploy/k8s pick the command), built
# once on Node 24 LTS, the major .ci/run also tests on.
#   build:   compiles TypeScript to dist/ and prebuilds the workflow bundle.
#   migrate: build + Prisma's CLI and schema engine: `prisma migrate deploy` (the migrate service / Job).
#   runtime: production dependencies only; `node dist/...` (no tsx, no webpack at start-up).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Prisma's schema engine links OpenSSL, which the slim image lacks.
RUN apt-get update && apt-get install -y --no-install-recommends openssl ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY src ./src
COPY scripts ./scripts
# The commit the image is built from (`--build-arg BUILD_COMMIT=$(git rev-parse HEAD)`): the context has
# no .git, and the workers' build ID (their worker deployment version) is the package version and it.
ARG BUILD_COMMIT=""
RUN npx prisma generate && node_modules/.bin/tsx scripts/build.ts

FROM build AS migrate
ENV NODE_ENV=production
# A user of its own with a high uid (no clash with a host user's), as the runtime.
USER 10001:10001
# Creates the database if needed, then `prisma migrate deploy` (the schema engine is here).
CMD ["node", "dist/scripts/migrate.js"]

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY prisma/migrations ./prisma/migrations
# Never root, and a high uid that clashes with no user of the host (the files are root's, read-only
# to it); Kubernetes' runAsNonRoot needs the numeric id.
USER 10001:10001
CMD ["node", "dist/src/api/server.js"]
