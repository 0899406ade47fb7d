// Operations endpoints: Prometheus metrics, and the liveness/readiness probes (never authenticated).
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.ts';
import { addRoute } from './router.ts';

export function registerOpsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { host, metrics, state } = ctx;
  addRoute(app, '/metrics', { GET: async (_request, reply) => reply.type(metrics.contentType).send(await metrics.payload()) }, host);

  // Alive as long as the process answers.
  addRoute(app, '/healthz', { GET: (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK') }, host);

  // Ready once every cluster has finished a full cycle: until then the API would answer NOTFOUND for groups
  // that exist.
  addRoute(
    app,
    '/readyz',
    {
      GET: (_request, reply) =>
        state.ready()
          ? reply.type('text/plain; charset=utf-8').send('READY')
          : reply.code(503).type('text/plain; charset=utf-8').send('STARTING'),
    },
    host,
  );
}
