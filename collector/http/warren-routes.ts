// Warren's own group endpoints (Burrow has none of these): lag in time and trend per partition, the canary
// split of a group's lag by client id and host, the group's rebalance/deploy/status events, and the blue/green
// comparison of two groups. Read through StateView only; Burrow's envelope, error shape and snake_case keys.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PartitionResult, RebalanceHold, TimeLag, Trend } from '../../evaluator/index.ts';
import { lagByMember, type MemberLag } from '../canary.ts';
import { compareGroups, type GroupComparison } from '../compare.ts';
import type { GroupReport, MemberRef, OffsetMark, WarrenEvent } from '../types.ts';
import type { RouteContext } from './context.ts';
import { replies } from './errors.ts';
import { addRoute } from './router.ts';

// --- JSON shapes -------------------------------------------------------------------------------------

interface TrendJson {
  kind: Trend['kind'];
  /** Change of the lag in messages per second (positive: falling behind); null when unknown. */
  velocity: number | null;
  span_ms: number | null;
  catch_up_ms: number | null;
  data_loss_ms: number | null;
}

function trendJson(trend: Trend): TrendJson {
  switch (trend.kind) {
    case 'unknown':
      return { kind: 'unknown', velocity: null, span_ms: null, catch_up_ms: null, data_loss_ms: null };
    case 'steady':
      return { kind: 'steady', velocity: trend.velocity, span_ms: trend.spanMs, catch_up_ms: null, data_loss_ms: null };
    case 'catching-up':
      return { kind: 'catching-up', velocity: trend.velocity, span_ms: trend.spanMs, catch_up_ms: trend.catchUpMs, data_loss_ms: null };
    case 'falling-behind':
      return { kind: 'falling-behind', velocity: trend.velocity, span_ms: trend.spanMs, catch_up_ms: null, data_loss_ms: trend.dataLossMs };
  }
}

interface RebalanceJson {
  kind: RebalanceHold['kind'];
  /** When the rebalance started (ms); null while stable. */
  since: number | null;
  /** `holding`: the status shown, and the judged (worse) one held back; `grace-expired`: the judged one. */
  held: string | null;
  judged: string | null;
}

function rebalanceJson(hold: RebalanceHold): RebalanceJson {
  switch (hold.kind) {
    case 'stable':
      return { kind: 'stable', since: null, held: null, judged: null };
    case 'holding':
      return { kind: 'holding', since: hold.since, held: hold.held, judged: hold.judged };
    case 'rebalancing':
      return { kind: 'rebalancing', since: hold.since, held: null, judged: null };
    case 'grace-expired':
      return { kind: 'grace-expired', since: hold.since, held: null, judged: hold.judged };
  }
}

/** Lag in time as numbers: `ms` null when unknown; `produced_at` for interpolated and exact; `at_least_ms` for extrapolated. */
function timeLagFields(lag: TimeLag) {
  return {
    time_lag_ms: lag.kind === 'unknown' ? null : lag.ms,
    time_lag_kind: lag.kind,
    time_lag_at_least_ms: lag.kind === 'extrapolated' ? lag.atLeastMs : null,
    produced_at: lag.kind === 'interpolated' || lag.kind === 'exact' ? lag.producedAt : null,
  };
}

function timeLagJson(report: GroupReport) {
  const r = report.result;
  const trend = trendJson(r.trend);
  const max = r.maxTimeLag;
  return {
    cluster: report.cluster,
    group: report.group,
    status: r.status,
    observed_at: report.observedAt,
    state: report.state,
    epoch: report.epoch,
    rebalance: rebalanceJson(report.rebalance),
    totallag: r.totallag,
    max_time_lag_ms: r.maxTimeLagMs,
    max_time_lag: max === null ? null : { topic: max.topic, partition: max.partition },
    trend,
    partitions: r.partitions.map((p: PartitionResult, i) => {
      const d = report.details[i]!;
      const t = trendJson(p.trend);
      return {
        topic: p.topic,
        partition: p.partition,
        owner: p.owner,
        client_id: p.clientId,
        member_id: d.memberId,
        status: p.status,
        current_lag: p.currentLag,
        ...timeLagFields(p.timeLag),
        velocity: t.velocity,
        trend: t.kind,
        catch_up_ms: t.catch_up_ms,
        data_loss_ms: t.data_loss_ms,
        committed: d.committed,
        log_end: d.logEnd,
        log_start: d.logStart,
      };
    }),
  };
}

function memberLagJson(m: MemberLag) {
  return {
    key: m.key,
    members: m.members,
    partitions: m.partitions,
    total_lag: m.totalLag,
    max_lag: m.maxLag,
    max_time_lag_ms: m.maxTimeLagMs,
    worst_status: m.worstStatus,
    member_ids: m.memberIds,
  };
}

function membersJson(report: GroupReport) {
  const split = lagByMember(report);
  return {
    cluster: report.cluster,
    group: report.group,
    status: report.result.status,
    observed_at: report.observedAt,
    by_client_id: split.byClientId.map(memberLagJson),
    by_host: split.byHost.map(memberLagJson),
    unassigned: split.unassigned === null ? null : memberLagJson(split.unassigned),
  };
}

const memberRefJson = (m: MemberRef) => ({ member_id: m.memberId, client_id: m.clientId, host: m.host, instance_id: m.instanceId });
const offsetMarkJson = (o: OffsetMark) => ({ topic: o.topic, partition: o.partition, committed: o.committed, log_end: o.logEnd });

function eventJson(event: WarrenEvent) {
  const base = { kind: event.kind, cluster: event.cluster, group: event.group, at: event.at };
  switch (event.kind) {
    case 'status-change':
      return {
        ...base,
        from: event.from,
        to: event.to,
        topic: event.topic,
        partition: event.partition,
        partition_status: event.partitionStatus,
        reason: event.reason,
      };
    case 'group-gone':
      return { ...base, why: event.why };
    case 'rebalance':
      return {
        ...base,
        previous_state: event.previousState,
        state: event.state,
        previous_epoch: event.previousEpoch,
        epoch: event.epoch,
        joined: event.joined.map(memberRefJson),
        left: event.left.map(memberRefJson),
        member_count: event.memberCount,
        offsets: event.offsets.map(offsetMarkJson),
      };
    case 'deploy':
      return {
        ...base,
        client_ids_before: event.clientIdsBefore,
        client_ids: event.clientIds,
        hosts_before: event.hostsBefore,
        hosts: event.hosts,
        offsets: event.offsets.map(offsetMarkJson),
      };
  }
}

function comparisonJson(cluster: string, c: GroupComparison) {
  return {
    cluster,
    verdict: c.verdict,
    blue: c.blue,
    green: c.green,
    tolerance: c.tolerance,
    partitions_behind: c.partitionsBehind,
    total_behind: c.totalBehind,
    partitions: c.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      blue_committed: p.blueCommitted,
      green_committed: p.greenCommitted,
      log_end: p.logEnd,
      behind: p.behind,
      caught_up: p.caughtUp,
    })),
  };
}

// --- routes ------------------------------------------------------------------------------------------

/** The one query parameter `name`: undefined when absent; an error message when given twice or empty. */
function queryParam(request: FastifyRequest, name: string): { value?: string; error?: string } {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  if (value === undefined) return {};
  if (Array.isArray(value)) return { error: `query parameter ${name} given more than once` };
  if (value === '') return { error: `query parameter ${name} is empty` };
  return { value };
}

export function registerWarrenRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { state, host } = ctx;
  const { params, ok, fail } = replies(host);

  /** A group route: the group's report, or Burrow's 404 for an unknown cluster or group. */
  const withReport = (message: string, payload: (report: GroupReport) => Record<string, unknown>) => (request: FastifyRequest, reply: FastifyReply) => {
    const { cluster, group } = params(request);
    const report = state.groupReport(cluster!, group!);
    return report ? ok(reply, message, payload(report)) : fail(reply, 404, 'cluster or consumer not found');
  };

  addRoute(app, '/v3/kafka/:cluster/consumer/:group/timelag', { GET: withReport('consumer time lag returned', (report) => ({ timelag: timeLagJson(report) })) }, host);
  addRoute(app, '/v3/kafka/:cluster/consumer/:group/members', { GET: withReport('consumer members returned', (report) => ({ members: membersJson(report) })) }, host);

  addRoute(
    app,
    '/v3/kafka/:cluster/consumer/:group/events',
    {
      GET: (request, reply) => {
        const { cluster, group } = params(request);
        const events = state.groupEvents(cluster!, group!);
        return events ? ok(reply, 'consumer events returned', { events: events.map(eventJson) }) : fail(reply, 404, 'cluster or consumer not found');
      },
    },
    host,
  );

  addRoute(
    app,
    '/v3/kafka/:cluster/compare',
    {
      GET: (request, reply) => {
        const { cluster } = params(request);
        if (!state.hasCluster(cluster!)) return fail(reply, 404, 'cluster not found');
        const blue = queryParam(request, 'blue');
        const green = queryParam(request, 'green');
        const tolerance = queryParam(request, 'tolerance');
        for (const [name, param] of [['blue', blue], ['green', green], ['tolerance', tolerance]] as const) {
          if (param.error) return fail(reply, 400, param.error);
          if (name !== 'tolerance' && param.value === undefined) return fail(reply, 400, `missing query parameter ${name}: the group to compare (?blue=GROUP&green=GROUP)`);
        }
        let n = 0;
        if (tolerance.value !== undefined) {
          n = /^\d{1,15}$/.test(tolerance.value) ? Number(tolerance.value) : NaN;
          if (!Number.isSafeInteger(n)) return fail(reply, 400, `invalid query parameter tolerance: expected a whole number of at least 0, got ${JSON.stringify(tolerance.value)}`);
        }
        const blueReport = state.groupReport(cluster!, blue.value!);
        const greenReport = state.groupReport(cluster!, green.value!);
        // Burrow's message for an unknown group, then which one.
        const missing = [blueReport ? null : `blue ${blue.value}`, greenReport ? null : `green ${green.value}`].filter((m) => m !== null);
        if (missing.length > 0) return fail(reply, 404, `cluster or consumer not found: ${missing.join(', ')}`);
        return ok(reply, 'consumer comparison returned', { comparison: comparisonJson(cluster!, compareGroups(blueReport!, greenReport!, { tolerance: n })) });
      },
    },
    host,
  );
}
