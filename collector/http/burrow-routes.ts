// Burrow's v3 Kafka API (burrow-spec.md §5.1–5.7) and its admin checks, read through StateView only; plus
// Warren's bulk status of every group of a cluster. Same paths, messages, shapes and codes as Burrow; the
// differences are listed in collector/http/README.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../evaluator/index.ts';
import { consumerDetailJson, statusJson } from './burrow-json.ts';
import { clusterModule } from './config-json.ts';
import type { RouteContext } from './context.ts';
import { replies } from './errors.ts';
import { addRoute } from './router.ts';

export function registerBurrowRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { state, host } = ctx;
  const { params, ok, fail } = replies(host);

  // --- admin (text, never authenticated) -----------------------------------------------------------
  addRoute(app, '/burrow/admin', { GET: (_request, reply) => reply.type('text/plain; charset=utf-8').send('GOOD') }, host);
  addRoute(
    app,
    '/burrow/admin/ready',
    {
      GET: (_request, reply) =>
        state.ready()
          ? reply.type('text/plain; charset=utf-8').send('READY')
          : reply.code(503).type('text/plain; charset=utf-8').send('STARTING'),
    },
    host,
  );

  // --- clusters --------------------------------------------------------------------------------------
  addRoute(app, '/v3/kafka', { GET: (_request, reply) => ok(reply, 'cluster list returned', { clusters: state.clusters() }) }, host);

  addRoute(
    app,
    '/v3/kafka/:cluster',
    {
      GET: (request, reply) => {
        const { cluster } = params(request);
        const config = ctx.clusterConfigs[cluster!];
        if (!config || !state.hasCluster(cluster!)) return fail(reply, 404, 'cluster module not found');
        return ok(reply, 'cluster module detail returned', { module: clusterModule(cluster!, config, ctx.collector) });
      },
    },
    host,
  );

  // --- topics ----------------------------------------------------------------------------------------
  addRoute(
    app,
    '/v3/kafka/:cluster/topic',
    {
      GET: (request, reply) => {
        const topics = state.topics(params(request).cluster!);
        return topics ? ok(reply, 'topic list returned', { topics }) : fail(reply, 404, 'cluster not found');
      },
    },
    host,
  );

  addRoute(
    app,
    '/v3/kafka/:cluster/topic/:topic',
    {
      GET: (request, reply) => {
        const { cluster, topic } = params(request);
        // Index-aligned: offsets[i] is partition i, null while its log-end offset is unknown (Burrow skips it).
        const offsets = state.topicOffsets(cluster!, topic!);
        return offsets ? ok(reply, 'topic offsets returned', { offsets }) : fail(reply, 404, 'cluster or topic not found');
      },
    },
    host,
  );

  addRoute(
    app,
    '/v3/kafka/:cluster/topic/:topic/consumers',
    {
      GET: (request, reply) => {
        const { cluster, topic } = params(request);
        if (!state.hasCluster(cluster!)) return fail(reply, 404, 'cluster not found');
        return ok(reply, 'consumers of topic returned', { consumers: state.consumersOfTopic(cluster!, topic!) ?? [] });
      },
    },
    host,
  );

  // --- consumers -------------------------------------------------------------------------------------
  addRoute(
    app,
    '/v3/kafka/:cluster/consumer',
    {
      GET: (request, reply) => {
        const consumers = state.groups(params(request).cluster!);
        return consumers ? ok(reply, 'consumer list returned', { consumers }) : fail(reply, 404, 'cluster not found');
      },
    },
    host,
  );

  const deleteGroup = (request: FastifyRequest, reply: FastifyReply) => {
    if (!ctx.api.allowDelete) return fail(reply, 403, 'deleting consumer groups is disabled (api.allowDelete)');
    const { cluster, group, topic } = params(request);
    state.deleteGroup(cluster!, group!, topic);
    ctx.metrics.invalidate();
    ctx.logger.info({ cluster, group, topic }, 'consumer group removed through the API');
    return ok(reply, 'consumer group removed', {});
  };

  addRoute(
    app,
    '/v3/kafka/:cluster/consumer/:group',
    {
      GET: (request, reply) => {
        const { cluster, group } = params(request);
        const detail = state.groupDetail(cluster!, group!);
        return detail ? ok(reply, 'consumer detail returned', { topics: consumerDetailJson(detail) }) : fail(reply, 404, 'cluster or consumer not found');
      },
      DELETE: deleteGroup,
    },
    host,
  );

  addRoute(app, '/v3/kafka/:cluster/consumer/:group/topic/:topic', { DELETE: deleteGroup }, host);

  // Unknown cluster or group: 404, yet `error: false` and status NOTFOUND, as Burrow.
  const groupStatus = (problemsOnly: boolean) => (request: FastifyRequest, reply: FastifyReply) => {
    const { cluster, group } = params(request);
    const report = state.groupReport(cluster!, group!);
    const result = report?.result ?? notFound(cluster!, group!);
    if (result.status === 'NOTFOUND') reply.code(404);
    return ok(reply, 'consumer status returned', { status: statusJson(result, problemsOnly) });
  };
  addRoute(app, '/v3/kafka/:cluster/consumer/:group/status', { GET: groupStatus(true) }, host);
  addRoute(app, '/v3/kafka/:cluster/consumer/:group/lag', { GET: groupStatus(false) }, host);

  // --- Warren: every group of a cluster in one call ---------------------------------------------------
  const bulkStatus = (problemsOnly: boolean) => (request: FastifyRequest, reply: FastifyReply) => {
    const reports = state.groupReports(params(request).cluster!);
    if (!reports) return fail(reply, 404, 'cluster not found');
    const statuses = [...reports]
      .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
      .map((report) => statusJson(report.result, problemsOnly));
    return ok(reply, 'consumer statuses returned', { statuses });
  };
  addRoute(app, '/v3/kafka/:cluster/status', { GET: bulkStatus(true) }, host);
  addRoute(app, '/v3/kafka/:cluster/lag', { GET: bulkStatus(false) }, host);
}
