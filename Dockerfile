# One image for the whole platform; the command picks what runs:
#   docker run IMAGE gateway | worker | notifier    the three apps (tracing preloaded)
#   docker run IMAGE migrate [deploy|status]        database migrations (default: deploy)
#   docker run IMAGE admin <command>                the admin CLI (tenants, keys, credentials)
# See docker/entrypoint.sh, docs/operations.md. Built and checked by
# test/e2e/deployment-manifests.e2e-spec.ts (the properties below, and the entrypoint run for real).
#
# Plain Dockerfile syntax (no BuildKit-only features): the classic builder and
# BuildKit build it alike.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, the generated code, dist/ and the SDK's browser bundle ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
# Lockfile first: the dependency layer is rebuilt only when it changes.
COPY package.json package-lock.json ./
# --ignore-scripts: the image's npm may predate `allowScripts` (npm 11), which denies
# every install script but @swc/core's, and that one only checks its prebuilt binary.
RUN npm ci --ignore-scripts
COPY . .
# Prisma client (generated into libs/persistence/src/generated, compiled into dist/),
# protobuf code, swc to dist/, packages/sdk/dist (the demo page serves its browser bundle).
RUN npm run build

# ---- runtime: production dependencies and the build's output, nothing else ----
FROM ${NODE_IMAGE} AS runtime
# espeak-ng: the local provider's speech (worker); tini: PID 1, forwards SIGTERM to the
# app (which drains) and reaps espeak-ng children left behind by a crash.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    GATEWAY_HOST=0.0.0.0 \
    NOTIFIER_HOST=0.0.0.0 \
    WORKER_HTTP_HOST=0.0.0.0
COPY package.json package-lock.json ./
# Runtime code needs only `dependencies` (the migration runner's WebAssembly schema
# engine and driver adapter among them); the test suite checks every require of dist/.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# The migration runner finds prisma/schema.prisma and prisma/migrations from dist/.
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts/db ./scripts/db
COPY --from=build /app/scripts/admin.js ./scripts/admin.js
COPY --from=build /app/packages/sdk/dist/browser ./packages/sdk/dist/browser
COPY docker/entrypoint.sh docker/healthcheck.js ./docker/
# Everything above belongs to root and is read-only for the app's user (uid 1000, `node`
# in the base image; numeric so Kubernetes' runAsNonRoot can verify it).
USER 1000:1000
EXPOSE 8000 8001 8002
# No HEALTHCHECK: the port depends on the command. docker-compose.yml and the
# Kubernetes probes call /health/live and /health/ready of the app they run.
ENTRYPOINT ["/usr/bin/tini", "--", "/bin/sh", "/app/docker/entrypoint.sh"]
CMD ["gateway"]
