# syntax=docker/dockerfile:1
# portcullis container image: build with the full toolchain, run on distroless Node 24
# (no shell, no package manager), as the numeric non-root user 65532.
#
#   docker build -t portcullis:dev .
#   docker run --rm -p 8443:8443 -p 9090:9090 portcullis:dev        # generated dev certificates
#
# test/deploy/clean-room.sh replays the build and runtime steps without Docker.

ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# ---- build: compile TypeScript to dist/ ------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY policies ./policies
RUN npm run build \
 && mkdir -p /out/certs

# ---- deps: production dependencies only -------------------------------------------------------
# --omit=dev leaves out the `node` devDependency that pins Node 24 for npm scripts: the runtime
# image has Node 24 itself. --ignore-scripts: no install script is needed at run time (esbuild
# finds its binary in its platform package).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
# The built-in policies are loaded from source: esbuild (a runtime dependency) bundles the
# TypeScript policies at load. They import the policy-author API from src/index.ts, which holds
# types and the identity definePolicy only, so that one source file ships too.
COPY policies ./policies
COPY src/index.ts ./src/index.ts
COPY package.json ./
# a writable default --certs folder, so `docker run` without a mounted Secret can generate certificates
COPY --from=build --chown=65532:65532 /out/certs ./certs
USER 65532:65532
EXPOSE 8443 9090
ENTRYPOINT ["/nodejs/bin/node", "dist/src/cli/main.js", "serve"]
