# syntax=docker/dockerfile:1
#
# market-bot: the Telegram bot and the AdminJS panel in one process.
#   docker build -t market-bot .
#   docker run --env-file .env -p 3000:3000 -v market-bot-data:/data market-bot
#   docker run --rm --env-file .env market-bot createsuperuser ...   # any management command
# Without arguments the container applies the migrations, then starts the app (scripts/docker-entrypoint.sh).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- 1. build: every dependency, then tsc ------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
# Dependencies first, so this layer is reused while package*.json stay the same.
# vendor/ holds the local stand-in for @adminjs/express's peer express-formidable (see package.json).
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run build` compiles src/, migrations/ and ormconfig.ts only (tsconfig.build.json, rootDir "." →
# dist/src, dist/migrations, dist/ormconfig.js): no tests or benchmarks reach the image. It then bundles
# the panel's components for production and writes brotli/gzip copies of every panel asset into
# dist/panel (scripts/build-panel.ts), so the app starts without bundling anything. Files under src/
# that tsc does not emit (the .jsx components, against which the app checks that bundle) are copied
# beside the compiled code.
# fixtures/ (for loaddata) is made if the repository has none, so the runtime stage can always copy it.
RUN npm run build \
 && (cd src && find . -type f ! -name '*.ts' -exec cp --parents {} ../dist/src/ \;) \
 && mkdir -p fixtures

# ---- 2. runtime: production dependencies and the compiled JavaScript ---------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000 \
    ADMIN_JS_TMP_DIR=/app/adminjs-bundle \
    NODE_OPTIONS=--enable-source-maps \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# package.json also tells Node that dist/**/*.js are ES modules ("type": "module").
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/fixtures ./fixtures
COPY scripts/docker-entrypoint.sh /app/scripts/docker-entrypoint.sh
# The code stays root-owned and read-only to the app; it writes only to /data (the embedded database,
# when DATABASE_URL is unset) and, only if dist/panel were missing or stale, to the AdminJS bundle folder.
RUN chmod 0755 /app/scripts/docker-entrypoint.sh \
 && mkdir -p /data /app/adminjs-bundle \
 && chown node:node /data /app/adminjs-bundle
USER node
VOLUME ["/data"]
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks the app's health endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD []
