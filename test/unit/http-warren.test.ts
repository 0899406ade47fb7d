// Warren's group endpoints (timelag, members, events, compare) through fastify's inject, on a real Tracker fed
// synthetic scrapes: Burrow's envelope, snake_case keys, Burrow's 404 messages, 400 naming the bad query
// parameter, 405/HEAD from the shared router, and the token when one is configured.
import { afterAll, describe, expect, it } from 'vitest';
import { Tracker } from '../../collector/tracker.ts';
import type { ClusterScrape } from '../../collector/types.ts';
import { buildScrape, demoServer, STEP, T0, type GroupSpec } from '../contract/fixtures.ts';

const CYCLES = 8;
const stable = [
  { host: '/10.0.0.1', clientId: 'stable-client', topic: 'orders', partitions: [0, 1] },
  { host: '/10.0.0.2', clientId: 'canary-client', topic: 'orders', partitions: [2] },
];

/**
 * prod, `orders` (3 partitions) grows 100 a cycle; retention keeps from offset 0:
 * - `svc`: partitions 0 and 1 (stable-client) keep up; 2 (canary-client) starts 100 behind and gains 20 a cycle
 *   (falls behind: WARN).
 * - `blue` keeps up; `green` is 50 behind on partition 0; `lonely` reads only `audit`.
 * - `deployed`: v1 alone, then v2 replaces it at the last cycle (a deploy).
 */
function tracker(): Tracker {
  const t = new Tracker({ clusters: ['prod', 'staging'], intervals: 10, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
  for (let i = 0; i < CYCLES; i++) {
    const end = 1000 + i * 100;
    const groups: Record<string, GroupSpec> = {
      svc: { committed: { orders: { 0: end, 1: end, 2: 900 + i * 20 } }, members: stable },
      blue: { committed: { orders: { 0: end, 1: end, 2: end } } },
      green: { committed: { orders: { 0: end - 50, 1: end, 2: end } } },
      lonely: { committed: { audit: { 0: 5 } } },
      deployed: {
        committed: { orders: { 0: end, 1: end, 2: end } },
        members: [
          i === CYCLES - 1
            ? { host: '/10.0.1.2', clientId: 'app-v2', topic: 'orders', partitions: [0, 1, 2] }
            : { host: '/10.0.1.1', clientId: 'app-v1', topic: 'orders', partitions: [0, 1, 2] },
        ],
      },
    };
    const scrape: ClusterScrape = buildScrape('prod', T0 + i * STEP, { topics: { orders: [end, end, end], audit: [10] }, groups });
    scrape.logStart = new Map([['orders', [0, 0, 0]], ['audit', [0]]]);
    t.ingest(scrape);
    t.ingest(buildScrape('staging', T0 + i * STEP, { topics: {}, groups: {} }));
  }
  return t;
}

const state = tracker();
const { app, server } = demoServer({ tracker: state });
afterAll(() => server.close());

async function get(url: string) {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Record<string, any>, headers: response.headers };
}

describe('GET /v3/kafka/{c}/consumer/{g}/timelag', () => {
  it("the group's status, rebalance hold, time lag and trend, and every partition's, in snake_case", async () => {
    const { status, body, headers } = await get('/v3/kafka/prod/consumer/svc/timelag');
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(body)).toEqual(['error', 'message', 'timelag', 'request']);
    expect(body).toMatchObject({ error: false, message: 'consumer time lag returned', request: { url: '/v3/kafka/prod/consumer/svc/timelag', host: 'warren-test-host' } });
    const t = body.timelag;
    const report = state.groupReport('prod', 'svc')!;
    expect(Object.keys(t)).toEqual(['cluster', 'group', 'status', 'observed_at', 'state', 'epoch', 'rebalance', 'totallag', 'max_time_lag_ms', 'max_time_lag', 'trend', 'partitions']);
    expect(t).toMatchObject({ cluster: 'prod', group: 'svc', status: report.result.status, observed_at: T0 + (CYCLES - 1) * STEP, state: 'Stable', totallag: 660 });
    expect(t.rebalance).toEqual({ kind: 'stable', since: null, held: null, judged: null });
    expect(Object.keys(t.trend)).toEqual(['kind', 'velocity', 'span_ms', 'catch_up_ms', 'data_loss_ms']);
    expect(t.max_time_lag_ms).toBe(report.result.maxTimeLagMs);
    expect(t.partitions).toHaveLength(3);
    expect(Object.keys(t.partitions[0])).toEqual([
      'topic', 'partition', 'owner', 'client_id', 'member_id', 'status', 'current_lag',
      'time_lag_ms', 'time_lag_kind', 'time_lag_at_least_ms', 'produced_at',
      'velocity', 'trend', 'catch_up_ms', 'data_loss_ms', 'committed', 'log_end', 'log_start',
    ]);
    expect(t.partitions[0]).toMatchObject({ topic: 'orders', partition: 0, owner: '/10.0.0.1', client_id: 'stable-client', member_id: 'stable-client-0', current_lag: 0, committed: 1700, log_end: 1700, log_start: 0 });
    expect(t.partitions[2]).toMatchObject({ topic: 'orders', partition: 2, owner: '/10.0.0.2', client_id: 'canary-client', current_lag: 660, committed: 1040, log_end: 1700 });
    // The same numbers as the tracker's judgement, whatever the estimator decided.
    report.result.partitions.forEach((p, i) => {
      const json = t.partitions[i];
      expect(json.time_lag_kind).toBe(p.timeLag.kind);
      expect(json.time_lag_ms).toBe(p.timeLag.kind === 'unknown' ? null : p.timeLag.ms);
      expect(json.trend).toBe(p.trend.kind);
      expect(json.velocity).toBe(p.trend.kind === 'unknown' ? null : p.trend.velocity);
    });
  });

  it('the estimator at work: caught-up partitions are 0 ms behind, the canary partition falls behind', async () => {
    const t = (await get('/v3/kafka/prod/consumer/svc/timelag')).body.timelag;
    expect(t.partitions[0]).toMatchObject({ time_lag_kind: 'caught-up', time_lag_ms: 0 });
    // The canary's offset 1040 was the log end 40% of the way from cycle 0 (1000 at T0) to cycle 1 (1100 at
    // T0 + 30 s): produced at T0 + 12 s, read at T0 + 210 s, so 198 s behind.
    expect(t.partitions[2]).toMatchObject({ time_lag_kind: 'interpolated', time_lag_ms: 198_000, produced_at: T0 + 12_000, time_lag_at_least_ms: null });
    // Its lag went from 100 to 660 in 210 s: +2.67 messages/s, falling behind; retention (log start 0) would
    // overtake it at some point, catching up never.
    expect(t.partitions[2]).toMatchObject({ trend: 'falling-behind', catch_up_ms: null });
    expect(t.partitions[2].velocity).toBeCloseTo(560 / 210, 6);
    expect(t.partitions[2].data_loss_ms).toBeGreaterThan(0);
    expect(t.partitions[0]).toMatchObject({ trend: 'steady', velocity: 0 });
    expect(t.trend).toMatchObject({ kind: 'falling-behind', span_ms: 210_000 });
    expect(t.max_time_lag).toEqual({ topic: 'orders', partition: 2 });
    expect(t.max_time_lag_ms).toBe(t.partitions[2].time_lag_ms);
  });

  it('unknown group or cluster: 404 with Burrow\'s message', async () => {
    for (const url of ['/v3/kafka/prod/consumer/nope/timelag', '/v3/kafka/nope/consumer/svc/timelag']) {
      const { status, body } = await get(url);
      expect(status).toBe(404);
      expect(body).toEqual({ error: true, message: 'cluster or consumer not found', request: { url, host: 'warren-test-host' } });
    }
  });
});

describe('GET /v3/kafka/{c}/consumer/{g}/members', () => {
  it('the canary split: by client id, by host, unassigned', async () => {
    const { status, body } = await get('/v3/kafka/prod/consumer/svc/members');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['error', 'message', 'members', 'request']);
    expect(body.message).toBe('consumer members returned');
    const m = body.members;
    expect(Object.keys(m)).toEqual(['cluster', 'group', 'status', 'observed_at', 'by_client_id', 'by_host', 'unassigned']);
    expect(m.by_client_id.map((x: { key: string }) => x.key)).toEqual(['canary-client', 'stable-client']);
    expect(m.by_client_id[0]).toMatchObject({ key: 'canary-client', members: 1, partitions: 1, total_lag: 660, max_lag: 660, member_ids: ['canary-client-1'] });
    expect(Object.keys(m.by_client_id[0])).toEqual(['key', 'members', 'partitions', 'total_lag', 'max_lag', 'max_time_lag_ms', 'worst_status', 'member_ids']);
    expect(m.by_client_id[1]).toMatchObject({ key: 'stable-client', members: 1, partitions: 2, total_lag: 0, worst_status: 'OK' });
    expect(m.by_host.map((x: { key: string }) => x.key)).toEqual(['/10.0.0.1', '/10.0.0.2']);
    expect(m.unassigned).toBeNull();
  });

  it('a group without members: every partition unassigned', async () => {
    const m = (await get('/v3/kafka/prod/consumer/blue/members')).body.members;
    expect(m.by_client_id).toEqual([]);
    expect(m.unassigned).toMatchObject({ key: '', members: 0, partitions: 3, total_lag: 0, member_ids: [] });
  });

  it('unknown group: 404', async () => {
    expect((await get('/v3/kafka/prod/consumer/nope/members')).body.message).toBe('cluster or consumer not found');
  });
});

describe('GET /v3/kafka/{c}/consumer/{g}/events', () => {
  it("a deploy: the rebalance and deploy events with every partition's offsets, snake_case", async () => {
    const { status, body } = await get('/v3/kafka/prod/consumer/deployed/events');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['error', 'message', 'events', 'request']);
    expect(body.message).toBe('consumer events returned');
    const at = T0 + (CYCLES - 1) * STEP;
    const offsets = [0, 1, 2].map((partition) => ({ topic: 'orders', partition, committed: 1700, log_end: 1700 }));
    expect(body.events).toContainEqual(
      expect.objectContaining({
        kind: 'rebalance',
        cluster: 'prod',
        group: 'deployed',
        at,
        previous_state: 'Stable',
        state: 'Stable',
        member_count: 1,
        joined: [{ member_id: 'app-v2-0', client_id: 'app-v2', host: '/10.0.1.2', instance_id: null }],
        left: [{ member_id: 'app-v1-0', client_id: 'app-v1', host: '/10.0.1.1', instance_id: null }],
        offsets,
      }),
    );
    expect(body.events).toContainEqual({
      kind: 'deploy',
      cluster: 'prod',
      group: 'deployed',
      at,
      client_ids_before: ['app-v1'],
      client_ids: ['app-v2'],
      hosts_before: ['/10.0.1.1'],
      hosts: ['/10.0.1.2'],
      offsets,
    });
  });

  it('status changes: from, to, partition_status and reason', async () => {
    const events = (await get('/v3/kafka/prod/consumer/svc/events')).body.events as Record<string, unknown>[];
    const change = events.find((e) => e.kind === 'status-change');
    expect(change).toBeDefined();
    expect(Object.keys(change!)).toEqual(['kind', 'cluster', 'group', 'at', 'from', 'to', 'topic', 'partition', 'partition_status', 'reason']);
    expect(change).toMatchObject({ kind: 'status-change', cluster: 'prod', group: 'svc', from: 'OK', to: 'WARN', topic: 'orders', partition: 2, partition_status: 'WARN', reason: { rule: 'lag-not-decreasing' } });
  });

  it('a group with no events: []; unknown group: 404', async () => {
    expect((await get('/v3/kafka/prod/consumer/blue/events')).body.events).toEqual([]);
    const unknown = await get('/v3/kafka/prod/consumer/nope/events');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('cluster or consumer not found');
  });
});

describe('GET /v3/kafka/{c}/compare', () => {
  it('green behind blue on one partition; caught up within a tolerance', async () => {
    const { status, body } = await get('/v3/kafka/prod/compare?blue=blue&green=green');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['error', 'message', 'comparison', 'request']);
    expect(body.message).toBe('consumer comparison returned');
    expect(body.request.url).toBe('/v3/kafka/prod/compare');
    expect(body.comparison).toEqual({
      cluster: 'prod',
      verdict: 'behind',
      blue: 'blue',
      green: 'green',
      tolerance: 0,
      partitions_behind: 1,
      total_behind: 50,
      partitions: [
        { topic: 'orders', partition: 0, blue_committed: 1700, green_committed: 1650, log_end: 1700, behind: 50, caught_up: false },
        { topic: 'orders', partition: 1, blue_committed: 1700, green_committed: 1700, log_end: 1700, behind: 0, caught_up: true },
        { topic: 'orders', partition: 2, blue_committed: 1700, green_committed: 1700, log_end: 1700, behind: 0, caught_up: true },
      ],
    });
    expect((await get('/v3/kafka/prod/compare?blue=blue&green=green&tolerance=50')).body.comparison).toMatchObject({ verdict: 'caught-up', tolerance: 50 });
    // Swapped: green ahead, behind negative.
    expect((await get('/v3/kafka/prod/compare?blue=green&green=blue')).body.comparison).toMatchObject({ verdict: 'caught-up', total_behind: 0 });
    expect((await get('/v3/kafka/prod/compare?green=lonely&blue=blue')).body.comparison.verdict).toBe('no-common-partitions');
  });

  it('400 naming the bad query parameter', async () => {
    const cases: [string, string][] = [
      ['?green=green', 'missing query parameter blue: the group to compare (?blue=GROUP&green=GROUP)'],
      ['?blue=blue', 'missing query parameter green: the group to compare (?blue=GROUP&green=GROUP)'],
      ['?blue=&green=green', 'query parameter blue is empty'],
      ['?blue=blue&blue=x&green=green', 'query parameter blue given more than once'],
      ['?blue=blue&green=green&tolerance=abc', 'invalid query parameter tolerance: expected a whole number of at least 0, got "abc"'],
      ['?blue=blue&green=green&tolerance=-1', 'invalid query parameter tolerance: expected a whole number of at least 0, got "-1"'],
      ['?blue=blue&green=green&tolerance=1.5', 'invalid query parameter tolerance: expected a whole number of at least 0, got "1.5"'],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await get(`/v3/kafka/prod/compare${query}`);
      expect(status, query).toBe(400);
      expect(body, query).toEqual({ error: true, message, request: { url: '/v3/kafka/prod/compare', host: 'warren-test-host' } });
    }
  });

  it('404: unknown cluster; unknown group, named', async () => {
    expect((await get('/v3/kafka/nope/compare?blue=blue&green=green')).body).toMatchObject({ error: true, message: 'cluster not found' });
    const missing = await get('/v3/kafka/prod/compare?blue=blue&green=nope');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('cluster or consumer not found: green nope');
    expect((await get('/v3/kafka/prod/compare?blue=x&green=y')).body.message).toBe('cluster or consumer not found: blue x, green y');
  });
});

describe('the shared router, guard and token apply', () => {
  it('405 with Allow on a wrong method; HEAD and OPTIONS answer', async () => {
    for (const url of ['/v3/kafka/prod/consumer/svc/timelag', '/v3/kafka/prod/consumer/svc/members', '/v3/kafka/prod/consumer/svc/events', '/v3/kafka/prod/compare']) {
      const post = await app.inject({ method: 'POST', url });
      expect(post.statusCode, url).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
      expect(post.json()).toMatchObject({ error: true, message: 'method not allowed' });
      expect((await app.inject({ method: 'HEAD', url: `${url}?blue=blue&green=green` })).statusCode, url).toBe(200);
      expect((await app.inject({ method: 'OPTIONS', url })).statusCode).toBe(200);
    }
  });

  it('a trailing slash is the same route; bad characters are refused before routing', async () => {
    expect((await get('/v3/kafka/prod/consumer/svc/members/')).status).toBe(200);
    expect((await get('/v3/kafka/prod/consumer/sv%00c/members')).status).toBe(400);
  });

  it('with a token, every new endpoint needs it', async () => {
    const token = 'warren-routes-token-0123456789';
    const secured = demoServer({ tracker: state, api: { token } });
    try {
      for (const url of ['/v3/kafka/prod/consumer/svc/timelag', '/v3/kafka/prod/consumer/svc/members', '/v3/kafka/prod/consumer/svc/events', '/v3/kafka/prod/compare?blue=blue&green=green']) {
        const denied = await secured.app.inject({ url });
        expect(denied.statusCode, url).toBe(401);
        expect(denied.json()).toMatchObject({ error: true, message: 'authorization required' });
        expect((await secured.app.inject({ url, headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
        expect((await secured.app.inject({ url, headers: { authorization: `Bearer ${token}` } })).statusCode, url).toBe(200);
      }
    } finally {
      await secured.server.close();
    }
  });
});
