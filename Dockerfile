# Warren's image: the collector (default command), and the demo workload and Slack inbox of docker-compose.yml
# (same image, other commands). Node 24 runs the TypeScript sources directly (type stripping): no build step.

# --- dependencies: production packages only -------------------------------------------------------------
FROM node:24.21.0-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime -----------------------------------------------------------------------------------------
FROM node:24.21.0-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY collector ./collector
COPY evaluator ./evaluator
COPY elasticsearch ./elasticsearch
COPY demo ./demo
COPY config ./config
# The Elasticsearch sink's spool lives in /app/data (a volume in docker-compose.yml).
RUN mkdir -p /app/data /etc/warren && chown node:node /app/data
# The image's unprivileged user (uid 1000).
USER node
EXPOSE 8000
CMD ["node", "collector/cli.ts", "run", "--config", "/etc/warren/warren.yaml"]
