// Synthetic scrapes for the HTTP tests: the real Tracker is fed ClusterScrapes built here, so the API serves
// real judgements (OK, WARN, STOP, STALL, …) without a broker. Integration tests use the real Collector instead.
import pino from 'pino';
import { Tracker } from '../../collector/tracker.ts';
import type { ClusterScrape, GroupDescription, MemberInfo, ScrapeError } from '../../collector/types.ts';
import { configSchema, type WarrenConfig } from '../../collector/config.ts';
import { apiConfigSchema } from '../../collector/http/config.ts';
import { createHttpServer } from '../../collector/http/server.ts';

export interface GroupSpec {
  /** topic → partition → committed offset */
  committed: Record<string, Record<number, number>>;
  /** Live members: each owns the listed partitions. */
  members?: { host: string; clientId: string; topic: string; partitions: number[] }[];
  state?: string;
}

export interface ScrapeSpec {
  /** topic → log-end offset per partition (null: unknown) */
  topics: Record<string, (number | null)[]>;
  groups: Record<string, GroupSpec>;
  errors?: ScrapeError[];
  reachable?: boolean;
  durationMs?: number;
}

export function buildScrape(cluster: string, at: number, spec: ScrapeSpec): ClusterScrape {
  const topics = new Map(Object.entries(spec.topics).map(([name, ends]) => [name, { name, partitions: ends.length, internal: name.startsWith('__') }]));
  const logEnd = new Map(Object.entries(spec.topics).map(([name, ends]) => [name, [...ends]]));
  const groups = new Map(
    Object.entries(spec.groups).map(([name, group]) => {
      const members: MemberInfo[] = (group.members ?? []).map((m, i) => ({
        memberId: `${m.clientId}-${i}`,
        groupInstanceId: null,
        clientId: m.clientId,
        host: m.host,
        assignments: [{ topic: m.topic, partitions: m.partitions }],
      }));
      const description: GroupDescription = {
        group: name,
        groupType: 'classic',
        protocolType: 'consumer',
        state: group.state ?? (members.length > 0 ? 'Stable' : 'Empty'),
        epoch: -1,
        members,
      };
      const committed = new Map(
        Object.entries(group.committed).map(([topic, parts]) => [topic, new Map(Object.entries(parts).map(([p, o]) => [Number(p), o]))]),
      );
      return [name, { description, committed }];
    }),
  );
  const reachable = spec.reachable ?? true;
  return {
    cluster,
    startedAt: at - (spec.durationMs ?? 120),
    finishedAt: at,
    topics: reachable ? topics : new Map(),
    logEnd: reachable ? logEnd : new Map(),
    groups: reachable ? groups : new Map(),
    errors: spec.errors ?? [],
    reachable,
  };
}

export const T0 = 1_700_000_000_000;
export const STEP = 30_000;

/**
 * A tracker with two clusters after `cycles` cycles:
 * - prod: `orders-svc` (live, caught up: OK), `lagging` (live, lag grows: WARN), `stopped` (no members, lag,
 *   offsets frozen: STOP), `stalled` (live member, offset frozen, lag: STALL → ERR), `partial` (commits on one
 *   partition of three), and topics `orders` (3 partitions), `payments` (2, one with unknown log-end),
 *   `__consumer_offsets`.
 * - staging: one group `etl`.
 */
export function demoTracker(cycles = 12): Tracker {
  const tracker = new Tracker({ clusters: ['staging', 'prod'], intervals: 10, expireGroupMs: 7 * 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
  for (let i = 0; i < cycles; i++) {
    const at = T0 + i * STEP;
    const end = 1000 + i * 100;
    tracker.ingest(
      buildScrape('prod', at, {
        topics: { orders: [end, end, end], payments: [500, null], __consumer_offsets: [10, 10] },
        groups: {
          'orders-svc': {
            committed: { orders: { 0: end, 1: end, 2: end } },
            members: [{ host: '/10.0.0.12', clientId: 'orders-svc-1', topic: 'orders', partitions: [0, 1, 2] }],
          },
          lagging: {
            committed: { orders: { 0: 1000 + i * 50, 1: 1000 + i * 50, 2: end } },
            members: [{ host: '/10.0.0.13', clientId: 'lagging-1', topic: 'orders', partitions: [0, 1, 2] }],
          },
          stopped: { committed: { orders: { 0: 900, 1: 900, 2: 900 } } },
          stalled: {
            committed: { payments: { 0: 100 } },
            members: [{ host: '/10.0.0.14', clientId: 'stalled-1', topic: 'payments', partitions: [0, 1] }],
          },
          partial: { committed: { orders: { 1: end } }, members: [{ host: '/10.0.0.15', clientId: 'partial-1', topic: 'orders', partitions: [0, 1, 2] }] },
        },
        errors: i === 3 ? [{ cluster: 'prod', stage: 'offset-fetch', message: 'timeout', group: 'lagging' }] : [],
      }),
    );
    tracker.ingest(
      buildScrape('staging', at, {
        topics: { events: [200 + i] },
        groups: { etl: { committed: { events: { 0: 200 + i } }, members: [{ host: '/10.1.0.1', clientId: 'etl-1', topic: 'events', partitions: [0] }] } },
      }),
    );
  }
  return tracker;
}

export function demoConfig(): WarrenConfig {
  return configSchema.parse({
    collector: { interval: 30 },
    clusters: {
      prod: {
        brokers: ['kafka01:9092', 'kafka02:9092'],
        clientId: 'warren-prod',
        groupDenylist: '^console-',
        tls: { enabled: true, caFile: '/etc/warren/ca.pem' },
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'warren', password: 'sup3r-secret-password' },
      },
      staging: { brokers: ['kafka-staging:9092'] },
    },
  });
}

export const silentLogger = () => pino({ level: 'silent' });

/** A server on the demo tracker (not listening: use `app.inject`, or `listen()` for real sockets). */
export function demoServer(options: { api?: Record<string, unknown>; tracker?: Tracker; hostname?: string } = {}) {
  const tracker = options.tracker ?? demoTracker();
  const config = demoConfig();
  const server = createHttpServer({
    state: tracker,
    config: apiConfigSchema.parse({ port: 0, ...options.api }),
    logger: silentLogger(),
    clusterConfigs: config.clusters,
    collectorConfig: config.collector,
    hostname: options.hostname ?? 'warren-test-host',
  });
  return { tracker, config, server, app: server.app };
}
