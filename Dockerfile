# One image, three commands: `api`, `worker` and `migrate` (docker/entrypoint.sh).
#
# Built with BuildKit (`docker build`, Compose). Behind a proxy with its own
# certificate authority, hand it to npm as a build secret, never an image layer:
#   docker build --secret id=npm_ca,src=/path/to/ca.pem -t referral-service .
# The base images are build arguments so a machine without a registry can
# build from base images assembled locally (`make test-image` does).

ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_ca --mount=type=cache,target=/root/.npm \
    if [ -f /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --include=dev --no-audit --no-fund --loglevel=error
# .dockerignore leaves only what the build and the image need.
COPY . .
# Everything the final stage takes, in one folder: one layer there. TypeScript
# stays after the prune as a peer of @nestjs/swagger, whose build plugin alone
# uses it: 24 MB nothing runs.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && rm -rf node_modules/typescript \
 && mkdir -p /out/app/.data /out/app/scripts /out/usr/local/bin \
 && cp /usr/local/bin/node /out/usr/local/bin/node \
 && cp -r dist node_modules package.json /out/app/ \
 && cp scripts/node-flags /out/app/scripts/ \
 && cp docker/entrypoint.sh /out/usr/local/bin/entrypoint \
 && cp docker/healthcheck.mjs /out/app/healthcheck.mjs \
 && chown 1000:1000 /out/app/.data

# Node.js alone on Debian: no npm, yarn or corepack, nothing to build with.
FROM ${RUNTIME_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/.data
COPY --from=build /out/ /
WORKDIR /app
# The uid of the official Node.js images' `node` user, so existing volumes stay writable.
USER 1000:1000
EXPOSE 3000
# Asks whichever process runs here (api, worker) for its readiness; see docker/healthcheck.mjs.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["entrypoint"]
CMD ["api"]
