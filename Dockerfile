# The operator image (and the cloud simulator, `node dist/simulator.mjs`): built in one stage, run as a non-root user from a slim Node 20 base with only
# production dependencies and a bundled entry point.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY operator ./operator
COPY controllers ./controllers
COPY crds ./crds
COPY webhooks ./webhooks
COPY hack/stack ./hack/stack
RUN npx tsc --noEmit -p . \
 && npx esbuild operator/main.ts --bundle --platform=node --format=esm --target=node20 \
      --packages=external --outfile=dist/operator.mjs \
 && npx esbuild controllers/provider/simulator/main.ts --bundle --platform=node --format=esm --target=node20 \
      --packages=external --outfile=dist/simulator.mjs \
 && cp -r controllers/db/migrations dist/migrations \
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
