# One image for the api and the worker (docker-compose.yml picks the command). Built once: the build
# stage compiles TypeScript to dist/ and prebuilds the workflow bundle; the runtime stage has production
# dependencies only and runs `node dist/...` (no tsx, no webpack at start-up).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY src ./src
COPY scripts ./scripts
RUN npx prisma generate && node_modules/.bin/tsx scripts/build.ts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY prisma/migrations ./prisma/migrations
USER node
CMD ["node", "dist/src/api/server.js"]
