// The HTTP server: Burrow's v3 API, Prometheus metrics and health probes on fastify, reading the collector's
// state only through StateView. Listens on 127.0.0.1:8000 unless configured otherwise.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { collectorSchema, type ClusterConfig, type CollectorConfig } from '../config.ts';
import type { StateView } from '../types.ts';
import { tokenHook } from './auth.ts';
import { registerBurrowRoutes } from './burrow-routes.ts';
import { ApiConfigError, apiConfigSchema, resolveToken, type ApiConfig } from './config.ts';
import { registerConfigRoutes } from './config-routes.ts';
import type { RouteContext } from './context.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandlers } from './errors.ts';
import { createMetrics, type SinkStatsSource, type WarrenMetrics } from './metrics.ts';
import { registerOpsRoutes } from './ops-routes.ts';
import { requestGuardHook } from './request-guard.ts';
import { registerWarrenRoutes } from './warren-routes.ts';

export interface HttpServerOptions {
  state: StateView;
  /** The `api` section of the config (apiConfigSchema's output). Defaults when omitted. */
  config?: ApiConfig;
  logger: Logger;
  /** The clusters' configs by name, shown by the config endpoints (never their secrets). */
  clusterConfigs: Readonly<Record<string, ClusterConfig>>;
  /** The `collector` section, shown as Burrow's storage and evaluator modules. Defaults when omitted. */
  collectorConfig?: CollectorConfig;
  /** Shared metrics (give `metrics.sink` to the collector). Created from `state` when omitted. */
  metrics?: WarrenMetrics;
  /** The Elasticsearch sink's counters for /metrics (only used when `metrics` is created here). */
  sinkStats?: SinkStatsSource;
  /** `request.host` in every answer; os.hostname() by default. */
  hostname?: string;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  readonly metrics: WarrenMetrics;
  /** Starts listening; resolves to the address, e.g. "http://127.0.0.1:8000". */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Bodies are only read by POST /v3/admin/loglevel. */
const BODY_LIMIT = 16 * 1024;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const api = options.config ?? apiConfigSchema.parse({});
  const host = options.hostname ?? hostname();
  const logger = options.logger;
  const token = resolveToken(api);
  const metrics = options.metrics ?? createMetrics({ state: options.state, partitionTimeLag: api.partitionTimeLagMetrics, ...(options.sinkStats ? { sinkStats: options.sinkStats } : {}) });

  let https: { key: Buffer; cert: Buffer } | undefined;
  if (api.tls) {
    try {
      https = { key: readFileSync(api.tls.keyFile), cert: readFileSync(api.tls.certFile) };
    } catch (error) {
      throw new ApiConfigError(`api.tls: cannot read ${(error as NodeJS.ErrnoException).path ?? 'the certificate or key'}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }),
    // No line per request (hundreds per second under Telegraf or Prometheus); failures are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    requestTimeout: api.requestTimeout,
    routerOptions: { maxParamLength: api.maxUrlLength, ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrors(host),
    clientErrorHandler: clientErrorHandler(host),
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  const ctx: RouteContext = {
    state: options.state,
    api,
    clusterConfigs: options.clusterConfigs,
    collector: options.collectorConfig ?? collectorSchema.parse({}),
    logger,
    metrics,
    host,
  };

  installErrorHandlers(app, host, logger);
  // Every body is kept as text; the one route that reads a body decodes it (as Burrow, whatever its type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', requestGuardHook(api.maxUrlLength, host));
  if (token !== undefined) app.addHook('onRequest', tokenHook(token, host));
  const origin = api.accessControlAllowOrigin;
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (origin !== '') reply.header('Access-Control-Allow-Origin', origin);
    return payload;
  });

  registerOpsRoutes(app, ctx);
  registerBurrowRoutes(app, ctx);
  registerWarrenRoutes(app, ctx);
  registerConfigRoutes(app, ctx);

  return {
    app,
    metrics,
    async listen() {
      const address = await app.listen({ host: api.address, port: api.port });
      logger.info({ address, authentication: token !== undefined, allowDelete: api.allowDelete }, 'HTTP API listening');
      return address;
    },
    async close() {
      await app.close();
    },
  };
}
