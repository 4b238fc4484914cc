# ecommir in a container: the CLI with the shipped models, for `docker-compose.yml` (Redis, N
# queue workers, the HTTP service). Node 20 on Debian bookworm, as the project is developed on.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production ECOMMIR_CACHE_DIR=/cache
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY models ./models
COPY rules ./rules
COPY taxonomies ./taxonomies
COPY lexicons ./lexicons
COPY knowledge ./knowledge
COPY web ./web
COPY examples ./examples
# `npm ci` builds dist/ (prepare); the dev dependencies that needed go afterwards.
RUN npm ci --include=dev && npm prune --omit=dev && npm cache clean --force \
  && mkdir -p /cache && chown node:node /cache
USER node
ENTRYPOINT ["node", "bin/ecommir.js"]
CMD ["--help"]
