// Every endpoint's answer validates against its JSON Schema (test/contract, written from burrow-spec.md §5), on a
// real Tracker fed with synthetic scrapes; Telegraf's burrow input gets 200 and bodies it can decode.
import { afterAll, describe, expect, it } from 'vitest';
import { demoServer } from '../contract/fixtures.ts';
import { telegrafDecode, telegrafRequests } from '../contract/telegraf.ts';
import { contractErrors, schemaNames, type SchemaName } from '../contract/validate.ts';

const { app, server } = demoServer();
afterAll(() => server.close());

const used = new Set<string>();

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: string) {
  const response = await app.inject({ method, url, ...(payload !== undefined ? { payload } : {}) });
  return { status: response.statusCode, body: response.json() as Record<string, unknown>, headers: response.headers };
}

const CASES: [method: 'GET' | 'POST' | 'DELETE', url: string, status: number, schema: SchemaName][] = [
  ['GET', '/v3/kafka', 200, 'cluster-list'],
  ['GET', '/v3/kafka/prod', 200, 'cluster-detail'],
  ['GET', '/v3/kafka/staging', 200, 'cluster-detail'],
  ['GET', '/v3/kafka/prod/topic', 200, 'topic-list'],
  ['GET', '/v3/kafka/prod/topic/orders', 200, 'topic-offsets'],
  ['GET', '/v3/kafka/prod/topic/payments', 200, 'topic-offsets'],
  ['GET', '/v3/kafka/prod/topic/orders/consumers', 200, 'topic-consumers'],
  ['GET', '/v3/kafka/prod/topic/unknown/consumers', 200, 'topic-consumers'],
  ['GET', '/v3/kafka/prod/consumer', 200, 'consumer-list'],
  ['GET', '/v3/kafka/prod/consumer/orders-svc', 200, 'consumer-detail'],
  ['GET', '/v3/kafka/prod/consumer/partial', 200, 'consumer-detail'],
  ['GET', '/v3/kafka/prod/consumer/orders-svc/status', 200, 'consumer-status'],
  ['GET', '/v3/kafka/prod/consumer/lagging/status', 200, 'consumer-status'],
  ['GET', '/v3/kafka/prod/consumer/stopped/lag', 200, 'consumer-status'],
  ['GET', '/v3/kafka/prod/consumer/stalled/lag', 200, 'consumer-status'],
  ['GET', '/v3/kafka/prod/consumer/nope/status', 404, 'consumer-status'],
  ['GET', '/v3/kafka/nope/consumer/nope/lag', 404, 'consumer-status'],
  ['GET', '/v3/kafka/prod/status', 200, 'bulk-status'],
  ['GET', '/v3/kafka/prod/lag', 200, 'bulk-status'],
  ['GET', '/v3/config', 200, 'config-main'],
  ['GET', '/v3/config/storage', 200, 'config-module-list'],
  ['GET', '/v3/config/evaluator', 200, 'config-module-list'],
  ['GET', '/v3/config/cluster', 200, 'config-module-list'],
  ['GET', '/v3/config/consumer', 200, 'config-module-list'],
  ['GET', '/v3/config/notifier', 200, 'config-module-list'],
  ['GET', '/v3/config/storage/default', 200, 'config-storage'],
  ['GET', '/v3/config/evaluator/default', 200, 'config-evaluator'],
  ['GET', '/v3/config/cluster/prod', 200, 'cluster-detail'],
  ['GET', '/v3/config/consumer/prod', 200, 'config-consumer'],
  ['GET', '/v3/admin/loglevel', 200, 'loglevel-get'],
  ['GET', '/v3/kafka/nope', 404, 'error'],
  ['GET', '/v3/kafka/nope/topic', 404, 'error'],
  ['GET', '/v3/kafka/prod/topic/nope', 404, 'error'],
  ['GET', '/v3/kafka/nope/topic/orders/consumers', 404, 'error'],
  ['GET', '/v3/kafka/nope/consumer', 404, 'error'],
  ['GET', '/v3/kafka/prod/consumer/nope', 404, 'error'],
  ['GET', '/v3/kafka/nope/status', 404, 'error'],
  ['GET', '/v3/config/storage/nope', 404, 'error'],
  ['GET', '/v3/config/evaluator/nope', 404, 'error'],
  ['GET', '/v3/config/cluster/nope', 404, 'error'],
  ['GET', '/v3/config/consumer/nope', 404, 'error'],
  ['GET', '/v3/config/notifier/default', 404, 'error'],
];

describe('every endpoint validates against its schema', () => {
  it.each(CASES)('%s %s → %i (%s)', async (method, url, status, schema) => {
    const response = await call(method, url);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(contractErrors(schema, response.body)).toBeNull();
    used.add(schema);
    const request = response.body.request as { url: string; host: string };
    expect(request).toEqual({ url, host: 'warren-test-host' });
  });

  it('POST /v3/admin/loglevel and DELETE validate too', async () => {
    const set = await call('POST', '/v3/admin/loglevel', '{"level":"info"}');
    expect(set.status).toBe(200);
    expect(contractErrors('loglevel-set', set.body)).toBeNull();
    used.add('loglevel-set');
    // On a server of its own: the delete changes the state the other tests read.
    const other = demoServer({ api: { allowDelete: true } });
    const removed = await other.app.inject({ method: 'DELETE', url: '/v3/kafka/prod/consumer/partial/topic/orders' });
    await other.server.close();
    expect(removed.statusCode).toBe(200);
    expect(contractErrors('delete', removed.json())).toBeNull();
    used.add('delete');
  });

  it('has exercised every schema', () => {
    expect([...used].sort()).toEqual(schemaNames());
  });
});

describe('Burrow shapes in detail', () => {
  it('status: Burrow key order, float32 complete, partitions sorted, reason on each partition', async () => {
    const { body } = await call('GET', '/v3/kafka/prod/consumer/partial/lag');
    const status = body.status as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error', 'message', 'status', 'request']);
    expect(Object.keys(status)).toEqual(['cluster', 'group', 'status', 'complete', 'partitions', 'partition_count', 'maxlag', 'totallag']);
    const partitions = status.partitions as Record<string, unknown>[];
    expect(Object.keys(partitions[0]!)).toEqual(['topic', 'partition', 'owner', 'client_id', 'status', 'start', 'end', 'current_lag', 'complete', 'reason']);
    expect(partitions.map((p) => `${p.topic}/${p.partition}`)).toEqual(['orders/0', 'orders/1', 'orders/2']);
    // One of three partitions has a full window: Go prints float32(1/3) as 0.33333334.
    expect(status.complete).toBe(0.33333334);
    expect(partitions[0]).toMatchObject({ start: null, end: null, complete: 0, reason: { rule: 'no-commits' } });
  });

  it('/status keeps only partitions worse than OK, with the same group numbers as /lag', async () => {
    const lag = (await call('GET', '/v3/kafka/prod/consumer/lagging/lag')).body.status as Record<string, unknown>;
    const status = (await call('GET', '/v3/kafka/prod/consumer/lagging/status')).body.status as Record<string, unknown>;
    expect((lag.partitions as unknown[]).length).toBe(3);
    expect((status.partitions as { status: string }[]).every((p) => p.status !== 'OK')).toBe(true);
    expect((status.partitions as unknown[]).length).toBe(2);
    for (const key of ['status', 'complete', 'partition_count', 'maxlag', 'totallag']) expect(status[key]).toEqual(lag[key]);
    const ok = (await call('GET', '/v3/kafka/prod/consumer/orders-svc/status')).body.status as Record<string, unknown>;
    expect(ok).toMatchObject({ status: 'OK', partitions: [], partition_count: 3 });
    // maxlag is never null while the group has partitions, even when every lag is 0: the first one.
    expect(ok.maxlag).toMatchObject({ topic: 'orders', partition: 0, current_lag: 0 });
  });

  it('NOTFOUND: 404 with error false, as Burrow (burrow-spec.md §5.6)', async () => {
    const { status, body } = await call('GET', '/v3/kafka/prod/consumer/nope/status');
    expect(status).toBe(404);
    expect(body).toEqual({
      error: false,
      message: 'consumer status returned',
      status: { cluster: 'prod', group: 'nope', status: 'NOTFOUND', complete: 1, partitions: [], partition_count: 0, maxlag: null, totallag: 0 },
      request: { url: '/v3/kafka/prod/consumer/nope/status', host: 'warren-test-host' },
    });
  });

  it('consumer detail: ring of `intervals` slots with leading nulls, [] when never committed, key current-lag', async () => {
    const { body } = await call('GET', '/v3/kafka/prod/consumer/lagging');
    const topics = body.topics as Record<string, { offsets: unknown[]; 'current-lag': number }[]>;
    expect(Object.keys(topics)).toEqual(['orders']);
    for (const p of topics.orders!) expect(p.offsets).toHaveLength(10);
    const partial = (await call('GET', '/v3/kafka/prod/consumer/partial')).body.topics as Record<string, { offsets: unknown[] }[]>;
    expect(partial.orders![0]!.offsets).toEqual([]);
  });

  it('topic offsets are index-aligned: null where the log-end offset is unknown', async () => {
    const { body } = await call('GET', '/v3/kafka/prod/topic/payments');
    expect(body.offsets).toEqual([500, null]);
  });

  it('lists are sorted', async () => {
    expect((await call('GET', '/v3/kafka')).body.clusters).toEqual(['prod', 'staging']);
    expect((await call('GET', '/v3/kafka/prod/topic')).body.topics).toEqual(['__consumer_offsets', 'orders', 'payments']);
    expect((await call('GET', '/v3/kafka/prod/consumer')).body.consumers).toEqual(['lagging', 'orders-svc', 'partial', 'stalled', 'stopped']);
    expect((await call('GET', '/v3/config/cluster')).body.modules).toEqual(['prod', 'staging']);
  });

  it('bulk status: every group, sorted, the same status objects as the per-group endpoints', async () => {
    const all = (await call('GET', '/v3/kafka/prod/lag')).body.statuses as { group: string }[];
    expect(all.map((s) => s.group)).toEqual(['lagging', 'orders-svc', 'partial', 'stalled', 'stopped']);
    for (const status of all) {
      expect(status).toEqual((await call('GET', `/v3/kafka/prod/consumer/${status.group}/lag`)).body.status);
    }
    const problems = (await call('GET', '/v3/kafka/prod/status')).body.statuses as { group: string; partitions: { status: string }[] }[];
    expect(problems.find((s) => s.group === 'orders-svc')!.partitions).toEqual([]);
  });

  it('config endpoints never show a secret', async () => {
    for (const url of ['/v3/kafka/prod', '/v3/config/cluster/prod', '/v3/config/consumer/prod', '/v3/config']) {
      const response = await app.inject({ url });
      expect(response.body).not.toContain('sup3r-secret-password');
      expect(response.body.toLowerCase()).not.toContain('password');
    }
    const module = (await call('GET', '/v3/kafka/prod')).body.module as Record<string, Record<string, unknown>>;
    expect(module['client-profile']!.sasl).toMatchObject({ username: 'warren', 'handshake-first': true });
  });
});

describe("Telegraf's burrow input", () => {
  it('gets 200 and a body it can decode for every request it makes', async () => {
    const clusters = (await call('GET', '/v3/kafka')).body.clusters as string[];
    const topics: Record<string, string[]> = {};
    const groups: Record<string, string[]> = {};
    for (const cluster of clusters) {
      topics[cluster] = (await call('GET', `/v3/kafka/${cluster}/topic`)).body.topics as string[];
      groups[cluster] = (await call('GET', `/v3/kafka/${cluster}/consumer`)).body.consumers as string[];
    }
    const urls = telegrafRequests(clusters, topics, groups);
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(() => telegrafDecode(response.json()), url).not.toThrow();
    }
  });

  it('the lag endpoint carries every field Telegraf turns into burrow_group and burrow_partition', async () => {
    const status = (await call('GET', '/v3/kafka/prod/consumer/lagging/lag')).body.status as Record<string, unknown>;
    expect(typeof status.status).toBe('string');
    expect(status.partition_count).toBe(3);
    expect(typeof status.totallag).toBe('number');
    expect(status.maxlag).toMatchObject({ current_lag: 550 });
    for (const p of status.partitions as Record<string, unknown>[]) {
      expect(p).toMatchObject({ topic: 'orders', owner: '/10.0.0.13' });
      expect(p.end).toMatchObject({ offset: expect.any(Number), timestamp: expect.any(Number) });
    }
  });
});
