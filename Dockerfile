# The gateway (and, with another command, the sandbox) in a container: the same `npm ci`,
# `npm run build` and `node dist/main.js` as the README, in two stages.

# Build stage: a compiler toolchain for better-sqlite3's native module (the full bookworm image
# ships python3, make and g++; the install line makes that explicit).
FROM node:20-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs the `prepare` build script, which has nothing to build before src/ is copied in.
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY fixtures ./fixtures
RUN npm run build && npm prune --omit=dev

# Runtime: slim glibc image (the native module built above links against the same glibc), no
# compiler, no dev dependencies, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/fixtures ./fixtures
# The console's static page, read from src/ by dist/console/assets.js (no front-end build).
COPY --from=build /app/src/console/public ./src/console/public
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# No curl in the slim image: node's fetch does the check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `npm start` without its rebuild (prestart): the image already holds the build.
CMD ["node", "dist/main.js"]
