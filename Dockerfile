# syntax=docker/dockerfile:1
# Production image. It needs an external MongoDB: set MONGODB_URI (the embedded development
# database is not part of the image), JWT_SECRET, REFRESH_TOKEN_SECRET and CLIENT_ORIGIN.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The protocol workspace (types and constants shared with the client SDK) is linked by npm ci.
COPY protocol/package.json protocol/tsconfig.json ./protocol/
COPY client/package.json ./client/
COPY web/package.json ./web/
RUN npm ci --no-audit --no-fund
COPY protocol/src ./protocol/src
RUN npx tsc -p protocol/tsconfig.json
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# The board web app, built from its sources with the client SDK's, served at / from web/dist.
COPY client/src ./client/src
COPY web/index.html web/vite.config.ts web/tsconfig.json ./web/
COPY web/src ./web/src
RUN cd web && npx vite build
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/protocol/package.json ./protocol/
COPY --from=build --chown=node:node /app/protocol/dist ./protocol/dist
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/web/dist ./web/dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main"]
