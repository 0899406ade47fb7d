// Burrow's config and admin endpoints (burrow-spec.md §5.8 and the table of §5): /v3/config, the module lists
// and details, and the log level.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clusterModule, consumerModule, evaluatorModule, mainConfig, storageModule } from './config-json.ts';
import type { Params, RouteContext } from './context.ts';
import { requestInfo, sendError } from './errors.ts';
import { addRoute } from './router.ts';

/** Burrow's accepted names (case-insensitive) → pino's levels. Burrow maps trace to debug; Warren has trace. */
const LOG_LEVELS: Readonly<Record<string, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
};

export function registerConfigRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { host, logger } = ctx;
  const info = (request: FastifyRequest) => requestInfo(request, host);
  const name = (request: FastifyRequest) => (request.params as Params).name!;
  const moduleList = (coordinator: string, modules: () => string[]) => (request: FastifyRequest, reply: FastifyReply) =>
    reply.send({ error: false, message: 'module list returned', request: info(request), coordinator, modules: modules() });
  const moduleDetail = (reply: FastifyReply, message: string, module: object) =>
    reply.send({ error: false, message, module, request: info(reply.request) });
  const clusters = () => Object.keys(ctx.clusterConfigs).sort();

  addRoute(
    app,
    '/v3/config',
    { GET: (request, reply) => reply.send({ error: false, message: 'main config returned', request: info(request), ...mainConfig(ctx.api, logger.level) }) },
    host,
  );

  addRoute(app, '/v3/config/storage', { GET: moduleList('storage', () => ['default']) }, host);
  addRoute(app, '/v3/config/evaluator', { GET: moduleList('evaluator', () => ['default']) }, host);
  addRoute(app, '/v3/config/cluster', { GET: moduleList('cluster', clusters) }, host);
  addRoute(app, '/v3/config/consumer', { GET: moduleList('consumer', clusters) }, host);
  addRoute(app, '/v3/config/notifier', { GET: moduleList('notifier', () => []) }, host);

  addRoute(
    app,
    '/v3/config/storage/:name',
    {
      GET: (request, reply) =>
        name(request) === 'default'
          ? moduleDetail(reply, 'storage module detail returned', storageModule(ctx.collector))
          : sendError(reply, 404, 'storage module not found', host),
    },
    host,
  );
  addRoute(
    app,
    '/v3/config/evaluator/:name',
    {
      GET: (request, reply) =>
        name(request) === 'default'
          ? moduleDetail(reply, 'evaluator module detail returned', evaluatorModule(ctx.collector))
          : sendError(reply, 404, 'evaluator module not found', host),
    },
    host,
  );
  addRoute(
    app,
    '/v3/config/cluster/:name',
    {
      GET: (request, reply) => {
        const config = Object.hasOwn(ctx.clusterConfigs, name(request)) ? ctx.clusterConfigs[name(request)] : undefined;
        return config
          ? moduleDetail(reply, 'cluster module detail returned', clusterModule(name(request), config, ctx.collector))
          : sendError(reply, 404, 'cluster module not found', host);
      },
    },
    host,
  );
  addRoute(
    app,
    '/v3/config/consumer/:name',
    {
      GET: (request, reply) => {
        const config = Object.hasOwn(ctx.clusterConfigs, name(request)) ? ctx.clusterConfigs[name(request)] : undefined;
        return config
          ? moduleDetail(reply, 'consumer module detail returned', consumerModule(name(request), config))
          : sendError(reply, 404, 'consumer module not found', host);
      },
    },
    host,
  );
  addRoute(app, '/v3/config/notifier/:name', { GET: (_request, reply) => sendError(reply, 404, 'notifier module not found', host) }, host);

  addRoute(
    app,
    '/v3/admin/loglevel',
    {
      GET: (request, reply) => reply.send({ error: false, message: 'log level returned', level: logger.level, request: info(request) }),
      POST: (request, reply) => {
        // Burrow decodes the body whatever its Content-Type; so does Warren (every body arrives as text).
        let level: unknown;
        try {
          const body: unknown = JSON.parse(typeof request.body === 'string' ? request.body : '');
          if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
          level = (body as { level?: unknown }).level;
        } catch {
          return sendError(reply, 400, 'could not decode message body', host);
        }
        const key = typeof level === 'string' ? level.toLowerCase() : '';
        const mapped = Object.hasOwn(LOG_LEVELS, key) ? LOG_LEVELS[key] : undefined;
        if (!mapped) return sendError(reply, 404, 'unknown log level', host);
        logger.level = mapped;
        logger.info({ level: mapped }, 'log level set through the API');
        return reply.send({ error: false, message: 'set log level', request: info(request) });
      },
    },
    host,
  );
}
