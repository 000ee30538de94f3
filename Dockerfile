# AOL: build with the full toolchain, run on a slim image with production dependencies only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# sqlite3 is a native addon: node-gyp needs python3, make and g++ when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY nest-cli.json tsconfig.json tsconfig.build.json mikro-orm.config.ts schema.gql ./
COPY src ./src
COPY web ./web
RUN npm run build \
 && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# NODE_ENV=production requires AOL_API_TOKEN (docker run -e AOL_API_TOKEN=…): the API never runs open here.
# A young generation of 8 MB instead of V8's default keeps an idle service near 110 MB of RSS
# instead of 145 MB, for about 1 % of drain throughput (see BENCHMARKS.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    PORT=3000 \
    DATABASE_URL=sqlite:/data/aol.sqlite \
    AOL_ARTIFACT_DIR=/artifacts
WORKDIR /app
RUN mkdir -p /data /artifacts && chown node:node /data /artifacts
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
# The SQLite file and the artifacts outlive the container.
VOLUME ["/data", "/artifacts"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/main.js"]
