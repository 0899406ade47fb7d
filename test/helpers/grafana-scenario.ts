// Scenarios for the Grafana query proofs: documents shaped exactly like collector/types.ts, written with the
// Elasticsearch client into the sink's daily indices `<prefix>-<kind>-YYYY.MM.DD`, whose mappings come from
// the sink's own index templates (elasticsearch/templates.ts, installed under a per-test prefix so tests that
// share one Elasticsearch never collide).
//
// This is the one place that feeds Elasticsearch for the Grafana tests. When the collector and the sink can
// run end to end in a test, replace `seed` with a run of the real collector against a real broker in the same
// shapes (the expectations below are what Burrow's rules give for those partitions).
import { Client } from '@elastic/elasticsearch';
import { eventDoc } from '../../collector/sinks/documents.ts';
import type { DeployEvent, DocKind, EventDoc, GroupDoc, HeartbeatDoc, PartitionDoc, RebalanceEvent } from '../../collector/types.ts';
import {
  customComponentName,
  DOC_KINDS,
  indexTemplateName,
  installTemplates,
  mappingsComponentName,
  settingsComponentName,
  sharedCustomComponentName,
} from '../../elasticsearch/templates.ts';
import type { Msearch } from '../../grafana/src/replay/alerts.ts';
import { replayOn } from './pipeline.ts';

export const CYCLE_MS = 30_000;
export const CYCLES = 30; // 15 minutes of history

type Status = 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND';
const CODE: Record<string, number> = { NOTFOUND: 0, OK: 1, WARN: 2, ERR: 3, STOP: 4, STALL: 5, REWIND: 6 };

export interface PartitionSpec {
  topic: string;
  partition: number;
  lag: number;
  status: Status;
  reason: string;
  owner: string;
  clientId: string;
  /** Committed offset of the oldest cycle; it advances by `rate` per cycle unless the partition is stuck. */
  committed: number;
  rate: number;
  /** Lag in time (ms) in this cycle; default: 0 when caught up, else 10 ms per message of lag. null: unknown. */
  timeLagMs?: number | null;
  /** The trend: messages per second (default 0, steady), and the catch-up or data-loss time it gives (ms). */
  velocity?: number;
  catchUpMs?: number | null;
  dataLossMs?: number | null;
}

export interface GroupSpec {
  cluster: string;
  group: string;
  members: number;
  /** The partitions in cycle k (0 = newest, CYCLES − 1 = oldest). */
  at: (k: number) => PartitionSpec[];
  /** Whether the group is rebalancing in cycle k (default: never), and its epoch (default -1). */
  rebalancing?: (k: number) => boolean;
  epoch?: (k: number) => number;
}

export interface HeartbeatSpec {
  cluster: string;
  /** Whether cycle k has a heartbeat at all, and whether the cluster was read. */
  present: (k: number) => boolean;
  ok: (k: number) => boolean;
  cycleMs: number;
}

export interface EventSpec {
  cluster: string;
  group: string;
  k: number;
  from: string;
  to: string;
  topic: string | null;
  partition: number | null;
  reason: string;
}

/** A rebalance or deploy event (collector/types.ts RebalanceEvent, DeployEvent) in cycle k. */
export type MembershipEventSpec = { k: number } & (Omit<RebalanceEvent, 'at'> | Omit<DeployEvent, 'at'>);

export interface Scenario {
  groups: GroupSpec[];
  heartbeats: HeartbeatSpec[];
  events: EventSpec[];
  /** Rebalance and deploy events, written as the sink writes them (collector/sinks/documents.ts eventDoc). */
  membership?: MembershipEventSpec[];
}

// ---------------------------------------------------------------------------------------------------
// The scenarios

function p(topic: string, partition: number, lag: number, status: Status, reason: string, owner: string, clientId: string, committed = 1000, rate = 10): PartitionSpec {
  return { topic, partition, lag, status, reason, owner, clientId, committed, rate: status === 'STOP' || status === 'STALL' ? 0 : rate };
}

const ALWAYS = (): boolean => true;

/** Cycles since the oldest one: 0 for k = CYCLES − 1, CYCLES − 1 for k = 0. */
const cycleAge = (k: number): number => CYCLES - 1 - k;

/** When the oldest cycle already was this far behind, a stuck partition's time lag in cycle k. */
const stuckFor = (behindAtStartMs: number) => (k: number): number => behindAtStartMs + cycleAge(k) * CYCLE_MS;

/**
 * The bad scenario (cycle k = 0 is the newest, every 30 s, 15 minutes back):
 * - prod/orders-app: ERR for 15 min, partition orders/2 STALL (stalled), total lag 1205, max 1200;
 * - prod/payments: ERR for 15 min, partition payments/0 STOP (stopped), unowned, total lag 300;
 * - prod/billing: WARN for 15 min (lag-not-decreasing), total lag 700;
 * - prod/shipping: WARN for the last 5 min only (cycles 0–9), OK before, total lag 100;
 * - prod/inventory: ERR for the last 2 cycles only (STALL), OK before, total lag 50;
 * - prod/audit: OK with a total lag of 20000; prod/reports: OK with 15000;
 * - staging/orders-app: OK, lag 3;
 * - heartbeats every cycle for both clusters; staging cannot be read (ok: false) in cycles 0–9.
 * Lag in time (10 ms per message of lag unless said otherwise) and trends:
 * - orders-app: orders/2 is stuck, 10 min behind in the oldest cycle and 24.5 min in the newest; steady. It is
 *   owned by orders-2 on /10.0.0.2, a canary deployed in the oldest cycle (a rebalance, epoch 6 → 7, and a
 *   deploy: client ids orders-1 → orders-1, orders-2); orders-1 restarts in cycle 5 (a rebalance, epoch 8);
 *   the group is rebalancing in those two cycles;
 * - payments: payments/0 is stuck, 15 min behind in the oldest cycle, 29.5 min in the newest;
 * - audit: 20000 behind but catching up at 40 msg/s: 200 s behind, caught up in 500 s;
 * - reports: 15000 behind, falling behind at 5 msg/s: 150 s behind, data loss in 1 h;
 * - billing: 700 behind, falling behind at 0.5 msg/s: data loss in 2 h.
 */
export function badScenario(): Scenario {
  const groups: GroupSpec[] = [
    {
      cluster: 'prod',
      group: 'orders-app',
      members: 2,
      at: (k) => [
        p('orders', 0, 0, 'OK', 'lag-within-allowed', '/10.0.0.1', 'orders-1', 1000),
        p('orders', 1, 5, 'OK', 'lag-within-allowed', '/10.0.0.1', 'orders-1', 2000),
        { ...p('orders', 2, 1200, 'STALL', 'stalled', '/10.0.0.2', 'orders-2', 5000), timeLagMs: stuckFor(600_000)(k) },
      ],
      rebalancing: (k) => k === CYCLES - 1 || k === 5,
      epoch: (k) => (k > 5 ? 7 : 8),
    },
    {
      cluster: 'prod',
      group: 'payments',
      members: 1,
      at: (k) => [
        { ...p('payments', 0, 300, 'STOP', 'stopped', '', '', 7000), timeLagMs: stuckFor(900_000)(k) },
        p('payments', 1, 0, 'OK', 'lag-within-allowed', '/10.0.0.3', 'pay-1', 9000),
      ],
    },
    {
      cluster: 'prod',
      group: 'billing',
      members: 1,
      at: () => [
        { ...p('billing-events', 0, 700, 'WARN', 'lag-not-decreasing', '/10.0.0.4', 'bill-1'), velocity: 0.5, dataLossMs: 7_200_000 },
        p('billing-events', 1, 0, 'OK', 'lag-within-allowed', '/10.0.0.4', 'bill-1'),
      ],
    },
    {
      cluster: 'prod',
      group: 'shipping',
      members: 1,
      at: (k) => [k <= 9 ? p('shipments', 0, 100, 'WARN', 'lag-not-decreasing', '/10.0.0.5', 'ship-1') : p('shipments', 0, 100, 'OK', 'lag-decreasing', '/10.0.0.5', 'ship-1')],
    },
    {
      cluster: 'prod',
      group: 'inventory',
      members: 1,
      at: (k) => [k <= 1 ? p('stock', 0, 50, 'STALL', 'stalled', '/10.0.0.6', 'inv-1') : p('stock', 0, 50, 'OK', 'lag-decreasing', '/10.0.0.6', 'inv-1')],
    },
    { cluster: 'prod', group: 'audit', members: 1, at: () => [{ ...p('audit-log', 0, 20000, 'OK', 'lag-decreasing', '/10.0.0.7', 'audit-1'), velocity: -40, catchUpMs: 500_000 }] },
    { cluster: 'prod', group: 'reports', members: 1, at: () => [{ ...p('report-requests', 0, 15000, 'OK', 'lag-decreasing', '/10.0.0.8', 'rep-1'), velocity: 5, dataLossMs: 3_600_000 }] },
    { cluster: 'staging', group: 'orders-app', members: 1, at: () => [p('orders', 0, 3, 'OK', 'lag-within-allowed', '/10.1.0.1', 'orders-s')] },
  ];
  return {
    groups,
    heartbeats: [
      { cluster: 'prod', present: ALWAYS, ok: ALWAYS, cycleMs: 1200 },
      { cluster: 'staging', present: ALWAYS, ok: (k) => k > 9, cycleMs: 800 },
    ],
    events: [
      { cluster: 'prod', group: 'orders-app', k: CYCLES - 1, from: 'OK', to: 'ERR', topic: 'orders', partition: 2, reason: 'stalled' },
      { cluster: 'prod', group: 'payments', k: CYCLES - 1, from: 'OK', to: 'ERR', topic: 'payments', partition: 0, reason: 'stopped' },
      { cluster: 'prod', group: 'billing', k: CYCLES - 1, from: 'OK', to: 'WARN', topic: 'billing-events', partition: 0, reason: 'lag-not-decreasing' },
      { cluster: 'prod', group: 'shipping', k: 9, from: 'OK', to: 'WARN', topic: 'shipments', partition: 0, reason: 'lag-not-decreasing' },
      { cluster: 'prod', group: 'inventory', k: 1, from: 'OK', to: 'ERR', topic: 'stock', partition: 0, reason: 'stalled' },
      { cluster: 'staging', group: 'orders-app', k: 20, from: 'WARN', to: 'OK', topic: null, partition: null, reason: 'lag-within-allowed' },
    ],
    membership: ordersAppMembership(),
  };
}

const member = (memberId: string, clientId: string, host: string) => ({ memberId, clientId, host, instanceId: null });

/** prod/orders-app's offsets in cycle k, as its partitions' specs give them. */
function ordersAppOffsets(k: number) {
  return [
    { topic: 'orders', partition: 0, committed: 1000 + 10 * cycleAge(k), logEnd: 1000 + 10 * cycleAge(k) },
    { topic: 'orders', partition: 1, committed: 2000 + 10 * cycleAge(k), logEnd: 2005 + 10 * cycleAge(k) },
    { topic: 'orders', partition: 2, committed: 5000, logEnd: 6200 },
  ];
}

/** prod/orders-app: the canary orders-2 joins in the oldest cycle (rebalance + deploy); orders-1 restarts in cycle 5. */
export function ordersAppMembership(): MembershipEventSpec[] {
  const base = { cluster: 'prod', group: 'orders-app' };
  return [
    {
      ...base,
      k: CYCLES - 1,
      kind: 'rebalance',
      previousState: 'Stable',
      state: 'PreparingRebalance',
      previousEpoch: 6,
      epoch: 7,
      joined: [member('orders-2-8f3a', 'orders-2', '/10.0.0.2')],
      left: [],
      memberCount: 2,
      offsets: ordersAppOffsets(CYCLES - 1),
    },
    {
      ...base,
      k: CYCLES - 1,
      kind: 'deploy',
      clientIdsBefore: ['orders-1'],
      clientIds: ['orders-1', 'orders-2'],
      hostsBefore: ['/10.0.0.1'],
      hosts: ['/10.0.0.1', '/10.0.0.2'],
      offsets: ordersAppOffsets(CYCLES - 1),
    },
    {
      ...base,
      k: 5,
      kind: 'rebalance',
      previousState: 'Stable',
      state: 'CompletingRebalance',
      previousEpoch: 7,
      epoch: 8,
      joined: [member('orders-1-c41d', 'orders-1', '/10.0.0.1')],
      left: [member('orders-1-77b0', 'orders-1', '/10.0.0.1')],
      memberCount: 2,
      offsets: ordersAppOffsets(5),
    },
  ];
}

/** Everything fine: the same groups, all OK with small lags, every heartbeat ok. */
export function healthyScenario(): Scenario {
  const bad = badScenario();
  return {
    groups: bad.groups.map((g) => ({
      ...g,
      at: (k: number) =>
        g.at(k).map((x) => ({ ...x, status: 'OK' as const, reason: 'lag-within-allowed', lag: Math.min(x.lag, 10), rate: 10, timeLagMs: undefined, velocity: 0, catchUpMs: null, dataLossMs: null })),
      rebalancing: undefined,
    })),
    heartbeats: bad.heartbeats.map((h) => ({ ...h, ok: ALWAYS })),
    events: [],
  };
}

/** The collector died 10 minutes ago: its heartbeats stop after cycle 20 (the group documents do not matter here). */
export function collectorGoneScenario(): Scenario {
  const healthy = healthyScenario();
  return {
    groups: healthy.groups.map((g) => ({ ...g })),
    heartbeats: healthy.heartbeats.map((h) => ({ ...h, present: (k: number) => k >= 20 })),
    events: [],
  };
}

// ---------------------------------------------------------------------------------------------------
// Documents

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function groupStatusOf(parts: PartitionSpec[]): { status: 'OK' | 'WARN' | 'ERR'; worst: PartitionSpec | null } {
  let worst: PartitionSpec | null = null;
  for (const x of parts) {
    if (x.status === 'OK') continue;
    if (!worst || CODE[x.status]! > CODE[worst.status]!) worst = x;
  }
  if (!worst) return { status: 'OK', worst: null };
  return { status: worst.status === 'WARN' ? 'WARN' : 'ERR', worst };
}

export interface Documents {
  partition: PartitionDoc[];
  group: GroupDoc[];
  event: EventDoc[];
  heartbeat: HeartbeatDoc[];
}

/** The documents of a scenario whose newest cycle is at `t0`. */
export function documents(s: Scenario, t0: number): Documents {
  const out: Documents = { partition: [], group: [], event: [], heartbeat: [] };
  for (let k = 0; k < CYCLES; k++) {
    const at = t0 - k * CYCLE_MS;
    const age = CYCLES - 1 - k;
    for (const g of s.groups) {
      const parts = g.at(k);
      for (const x of parts) {
        const committed = x.committed + x.rate * age;
        const timeLag = timeLagOf(x);
        const velocity = x.velocity ?? 0;
        out.partition.push({
          '@timestamp': iso(at),
          cluster: g.cluster,
          group: g.group,
          topic: x.topic,
          partition: x.partition,
          committed_offset: committed,
          log_end_offset: committed + x.lag,
          lag: x.lag,
          status: x.status,
          status_code: CODE[x.status]!,
          owner: x.owner,
          client_id: x.clientId,
          member_id: x.owner ? `${x.clientId}-member` : '',
          complete: 1,
          reason: x.reason,
          reason_detail: JSON.stringify({ rule: x.reason }),
          time_lag_ms: timeLag,
          time_lag_kind: timeLag === null ? 'unknown' : timeLag === 0 ? 'caught-up' : 'interpolated',
          lag_velocity: velocity,
          log_start_offset: 0,
          catch_up_ms: velocity < 0 ? (x.catchUpMs ?? null) : null,
          data_loss_ms: velocity > 0 ? (x.dataLossMs ?? null) : null,
        });
      }
      const { status, worst } = groupStatusOf(parts);
      const maxPart = parts.reduce((a, b) => (b.lag > a.lag ? b : a));
      const trend = groupTrendOf(parts);
      const rebalancing = g.rebalancing?.(k) ?? false;
      out.group.push({
        '@timestamp': iso(at),
        cluster: g.cluster,
        group: g.group,
        status,
        status_code: CODE[status]!,
        total_lag: parts.reduce((a, b) => a + b.lag, 0),
        max_lag: maxPart.lag,
        max_lag_topic: maxPart.topic,
        max_lag_partition: maxPart.partition,
        partition_count: parts.length,
        complete: 1,
        state: 'Stable',
        group_type: 'classic',
        member_count: g.members,
        reason: worst ? worst.reason : 'ok',
        reason_detail: worst ? JSON.stringify({ topic: worst.topic, partition: worst.partition, status: worst.status, rule: worst.reason }) : '',
        max_time_lag_ms: trend.maxTimeLagMs,
        lag_velocity: trend.velocity,
        catch_up_ms: trend.catchUpMs,
        data_loss_ms: trend.dataLossMs,
        trend: trend.kind,
        rebalancing,
        judged_status: status,
        epoch: g.epoch?.(k) ?? -1,
      });
    }
    for (const h of s.heartbeats) {
      if (!h.present(k)) continue;
      const ok = h.ok(k);
      out.heartbeat.push({
        '@timestamp': iso(at),
        cluster: h.cluster,
        ok,
        cycle_duration_ms: h.cycleMs,
        groups: ok ? s.groups.filter((g) => g.cluster === h.cluster).length : 0,
        partitions: ok ? 10 : 0,
        topics: ok ? 5 : 0,
        errors: ok ? 0 : 1,
        error_message: ok ? null : 'connect ECONNREFUSED 10.1.0.9:9092',
        spool_bytes: 4096,
        docs_indexed_total: 1000 + 100 * age,
        bulk_failures_total: 2,
        docs_dropped_total: 0,
      });
    }
  }
  for (const e of s.events) {
    out.event.push({
      '@timestamp': iso(t0 - e.k * CYCLE_MS),
      cluster: e.cluster,
      group: e.group,
      kind: 'status-change',
      from_status: e.from,
      to_status: e.to,
      from_code: CODE[e.from]!,
      to_code: CODE[e.to]!,
      topic: e.topic,
      partition: e.partition,
      reason: e.reason,
      message: `${e.group} on ${e.cluster}: ${e.from} → ${e.to}${e.topic !== null ? ` (${e.topic}/${e.partition}: ${e.reason})` : ''}`,
    });
  }
  for (const e of s.membership ?? []) out.event.push(membershipDoc(s, e, t0));
  return out;
}

/** The event a membership spec stands for, at its cycle's time. */
export function membershipEvent(e: MembershipEventSpec, t0: number): RebalanceEvent | DeployEvent {
  const { k, ...event } = e;
  return { ...event, at: t0 - k * CYCLE_MS } as RebalanceEvent | DeployEvent;
}

/** The sink's document of a membership event; a deploy takes epoch, state and member count from its group. */
function membershipDoc(s: Scenario, e: MembershipEventSpec, t0: number): EventDoc {
  const doc = eventDoc(membershipEvent(e, t0));
  const g = s.groups.find((x) => x.cluster === e.cluster && x.group === e.group);
  if (e.kind !== 'deploy' || !g) return doc;
  return { ...doc, epoch: g.epoch?.(e.k) ?? -1, state: g.rebalancing?.(e.k) ? 'PreparingRebalance' : 'Stable', member_count: g.members };
}

/** A partition's lag in time in the documents (ms): as given, else 0 when caught up and 10 ms per message. */
export function timeLagOf(x: PartitionSpec): number | null {
  return x.timeLagMs !== undefined ? x.timeLagMs : x.lag === 0 ? 0 : x.lag * 10;
}

/** The group's lag in time and trend from its partitions, as the evaluator defines them (evaluator/types.ts). */
export function groupTrendOf(parts: PartitionSpec[]): {
  maxTimeLagMs: number | null;
  velocity: number;
  kind: 'steady' | 'catching-up' | 'falling-behind';
  catchUpMs: number | null;
  dataLossMs: number | null;
} {
  const known = parts.map(timeLagOf).filter((v): v is number => v !== null);
  const velocity = parts.reduce((v, x) => v + (x.velocity ?? 0), 0);
  const totalLag = parts.reduce((n, x) => n + x.lag, 0);
  const losses = parts.filter((x) => (x.velocity ?? 0) > 0 && x.dataLossMs != null).map((x) => x.dataLossMs!);
  return {
    maxTimeLagMs: known.length > 0 ? Math.max(...known) : null,
    velocity,
    kind: velocity === 0 ? 'steady' : velocity < 0 ? 'catching-up' : 'falling-behind',
    catchUpMs: velocity < 0 ? Math.round((totalLag / -velocity) * 1000) : null,
    dataLossMs: velocity > 0 && losses.length > 0 ? Math.min(...losses) : null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Elasticsearch

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function dailyIndex(prefix: string, kind: DocKind, iso8601: string): string {
  const d = new Date(iso8601);
  return `${prefix}-${kind}-${pad(d.getUTCFullYear(), 4)}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

export interface Seeded {
  client: Client;
  prefix: string;
  /** Newest cycle; a minute boundary just ahead of the clock, so "now-2m" in Elasticsearch covers the newest cycles. */
  t0: number;
  docs: Documents;
  /** Datasource uid → the test's index pattern (the provisioned `warren-<kind>-*` with the test's prefix). */
  indexOf: (uid: string) => string;
  search: Msearch;
  /** The exact NDJSON bodies sent, for inspection. */
  sent: string[];
  cleanup: () => Promise<void>;
}

let counter = 0;

/** Installs the sink's templates under a fresh prefix and writes the scenario's documents. */
export async function seed(url: string, scenario: Scenario, name: string, t0 = Math.floor(Date.now() / 60_000) * 60_000 + 60_000): Promise<Seeded> {
  const client = new Client({ node: url });
  const prefix = `gtest-${name}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  await installTemplates(client, { prefix, replicas: 0, refreshInterval: '1s' });
  // The test Elasticsearch 9 node runs without native access, so the zstd behind `best_compression` fails
  // when a shard flushes. The codec is storage only; the user-owned component the sink provides for such
  // overrides switches it back to the default for these test indices. Mappings stay the sink's.
  await client.cluster.putComponentTemplate({ name: sharedCustomComponentName(prefix), template: { settings: { index: { codec: 'default' } } } });
  const docs = documents(scenario, t0);
  const operations: unknown[] = [];
  for (const kind of DOC_KINDS) {
    for (const doc of docs[kind]) {
      operations.push({ index: { _index: dailyIndex(prefix, kind, doc['@timestamp']) } }, doc);
    }
  }
  if (operations.length > 0) {
    const res = await client.bulk({ operations, refresh: 'wait_for' });
    if (res.errors) {
      const first = res.items.find((i) => i.index?.error);
      throw new Error(`bulk failed: ${JSON.stringify(first?.index?.error)}`);
    }
  }
  await client.indices.refresh({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true });
  const { indexOf, search, sent } = replayOn(client, prefix);
  const cleanup = async (): Promise<void> => {
    const indices = (await client.cat.indices({ index: `${prefix}-*`, format: 'json', h: 'index' })) as { index?: string }[];
    const names = indices.map((i) => i.index).filter((n): n is string => !!n);
    if (names.length > 0) await client.indices.delete({ index: names.join(',') });
    for (const kind of DOC_KINDS) {
      await client.indices.deleteIndexTemplate({ name: indexTemplateName(prefix, kind) }, { ignore: [404] });
    }
    const components = [settingsComponentName(prefix), sharedCustomComponentName(prefix), ...DOC_KINDS.flatMap((k) => [mappingsComponentName(prefix, k), customComponentName(prefix, k)])];
    for (const c of components) await client.cluster.deleteComponentTemplate({ name: c }, { ignore: [404] });
    await client.close();
  };
  return { client, prefix, t0, docs, indexOf, search, sent, cleanup };
}
