# The operator image (and the cloud simulator, `node dist/simulator.mjs`): built in one stage, run as a
# non-root user from a slim Node 20 base with only production dependencies and the bundled entry points that
# hack/bundle.sh writes. Build: docker build -t ghcr.io/omnicloud/operator:0.1.0 .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY operator ./operator
COPY controllers ./controllers
COPY crds ./crds
COPY webhooks ./webhooks
COPY hack/bundle.sh ./hack/bundle.sh
RUN npx tsc --noEmit -p . \
 && bash hack/bundle.sh dist \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER 10001:10001
EXPOSE 8080 8090 9443
ENTRYPOINT ["node", "dist/operator.mjs"]
