# The API and the worker in one image: APP_ROLE (api, worker or all) chooses at run time.
#   docker build -t nest-cms-background-tasks .
# Three stages, the steps `.ci/production-start.sh` runs outside Docker: `build` compiles with every
# dependency; `dependencies` installs the production ones alone (`npm ci --omit=dev`), with the compilers
# that better-sqlite3's native addon needs; the runtime stage copies the two results and nothing else.
ARG NODE_VERSION=24
FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY migrations migrations
RUN npm run build

FROM toolchain AS dependencies
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/app/data
WORKDIR /app
COPY --from=dependencies /app/package.json ./
COPY --from=dependencies /app/node_modules node_modules
COPY --from=build /app/dist dist
# Exports and uploads; in docker-compose.yml a volume shared by the api and the worker.
RUN mkdir -p /app/data && chown node:node /app/data
# The image's own unprivileged user; nothing under /app but the data folder is writable by it.
USER node
EXPOSE 3000
# Plain node (fetch is built in): no curl in a slim image. /health answers 200 while the database answers
# and, on a worker, while its loop runs.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, Node as PID 1: `docker stop`'s SIGTERM reaches the app, which stops claiming, lets running
# handlers finish for SHUTDOWN_GRACE_PERIOD and gives the rest back to the queue. Not `npm start`, which builds.
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
