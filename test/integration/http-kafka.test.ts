// The HTTP API on the real Collector reading real brokers (Kafka 3.9 and 4.x): every endpoint's answer for real
// groups validates against its JSON Schema, Telegraf's burrow input gets 200 and decodable bodies over a real
// socket (with basic auth carrying the token), /metrics passes promtool, and readiness follows the cycles.
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { apiConfigSchema } from '../../collector/http/config.ts';
import { createMetrics } from '../../collector/http/metrics.ts';
import { createHttpServer, type HttpServer } from '../../collector/http/server.ts';
import { createLogger } from '../../collector/logger.ts';
import { ACCEPTED_LINT, promtool, series, withoutAcceptedFamilies } from '../contract/promtool.ts';
import { telegrafDecode, telegrafRequests } from '../contract/telegraf.ts';
import { contractErrors, type SchemaName } from '../contract/validate.ts';
import { admin, commit, createTopic, eventually, produce, startConsumer, testConfig, uniqueName, type TestConsumer } from '../helpers/kafka.ts';
import { KAFKA_VERSIONS, kafkaBrokers } from '../helpers/services.ts';

const TOKEN = 'integration-token-0123456789';

describe.each(KAFKA_VERSIONS)('HTTP API on the collector, %s', (kafka) => {
  let brokers: string[];
  let client: Admin;
  let collector: Collector;
  let server: HttpServer;
  let base = '';
  const prefix = uniqueName(`http-${kafka}`);
  const topic = `${prefix}-orders`;
  const group = (name: string) => `${prefix}-${name}`;
  const odd = `${prefix}-team/a b`;
  const consumers: TestConsumer[] = [];
  // One 30 s interval per cycle on the collector's clock, cycles back to back in the test.
  let clock = Date.now();
  const cycle = () => {
    clock += 30_000;
    return collector.runCycle('k');
  };

  const get = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string> | undefined) } });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown>, headers: response.headers };
  };

  beforeAll(async () => {
    brokers = kafkaBrokers(kafka);
    client = admin(brokers);
    await createTopic(client, topic, 3);
    await produce(brokers, topic, [0, 1, 2], 100);
    const config = testConfig({ k: { brokers, groupAllowlist: `^${prefix}-` } }, { interval: 30 });
    collector = new Collector({ config, logger: createLogger('silent'), now: () => clock });
    const metrics = createMetrics({ state: collector.state, processMetrics: true });
    collector.onCycle((report, events) => metrics.sink.write(report, events));
    server = createHttpServer({
      state: collector.state,
      config: apiConfigSchema.parse({ port: 0, token: TOKEN, allowDelete: true }),
      logger: createLogger('silent'),
      clusterConfigs: config.clusters,
      collectorConfig: config.collector,
      metrics,
    });
    base = await server.listen();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    await server?.close();
    await collector?.stop();
    await client?.close();
  });

  it('is not ready before the first cycle, ready after', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(await (await fetch(`${base}/burrow/admin/ready`)).text()).toBe('STARTING');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await commit(client, group('ok'), topic, { 0: 100, 1: 100, 2: 100 });
    await commit(client, group('lagging'), topic, { 0: 10, 1: 20, 2: 30 });
    await commit(client, odd, topic, { 0: 50 });
    const live = await startConsumer({ brokers, group: group('live'), topics: [topic], protocol: kafka === 'kafka4' ? 'consumer' : 'classic', clientId: `${prefix}-client` });
    consumers.push(live);
    await eventually('the live consumer to read the backlog', () => live.received() >= 300, 60_000);
    await eventually('the live group to commit and own its partitions', async () => {
      const { report } = await cycle();
      const live = report.groups.find((g) => g.group === group('live'));
      return live && live.memberCount > 0 && live.result.partitions.some((p) => p.owner !== '') && live.result.totallag === 0;
    }, 60_000);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/burrow/admin/ready`)).text()).toBe('READY');
    // More cycles, with the lagging group falling further behind.
    for (let i = 0; i < 4; i++) {
      await produce(brokers, topic, [0, 1, 2], 10);
      await cycle();
    }
  });

  it('every endpoint validates against its schema for real groups', async () => {
    const cases: [string, number, SchemaName][] = [
      ['/v3/kafka', 200, 'cluster-list'],
      ['/v3/kafka/k', 200, 'cluster-detail'],
      ['/v3/kafka/k/topic', 200, 'topic-list'],
      [`/v3/kafka/k/topic/${topic}`, 200, 'topic-offsets'],
      [`/v3/kafka/k/topic/${topic}/consumers`, 200, 'topic-consumers'],
      ['/v3/kafka/k/consumer', 200, 'consumer-list'],
      [`/v3/kafka/k/consumer/${group('lagging')}`, 200, 'consumer-detail'],
      [`/v3/kafka/k/consumer/${group('live')}`, 200, 'consumer-detail'],
      [`/v3/kafka/k/consumer/${group('lagging')}/status`, 200, 'consumer-status'],
      [`/v3/kafka/k/consumer/${group('live')}/lag`, 200, 'consumer-status'],
      [`/v3/kafka/k/consumer/${group('nope')}/status`, 404, 'consumer-status'],
      ['/v3/kafka/k/status', 200, 'bulk-status'],
      ['/v3/kafka/k/lag', 200, 'bulk-status'],
      ['/v3/config', 200, 'config-main'],
      ['/v3/config/cluster', 200, 'config-module-list'],
      ['/v3/config/storage/default', 200, 'config-storage'],
      ['/v3/config/evaluator/default', 200, 'config-evaluator'],
      ['/v3/config/consumer/k', 200, 'config-consumer'],
      ['/v3/admin/loglevel', 200, 'loglevel-get'],
      ['/v3/kafka/k/topic/no-such-topic', 404, 'error'],
      ['/v3/kafka/nope/consumer', 404, 'error'],
    ];
    for (const [path, status, schema] of cases) {
      const answer = await get(path);
      expect(answer.status, path).toBe(status);
      expect(contractErrors(schema, answer.json()), path).toBeNull();
    }
  });

  it('reports what the broker has: offsets, lag, owner and client id of a live member', async () => {
    const offsets = (await get(`/v3/kafka/k/topic/${topic}`)).json().offsets;
    expect(offsets).toEqual([140, 140, 140]);
    const lagging = (await get(`/v3/kafka/k/consumer/${group('lagging')}/lag`)).json().status as Record<string, unknown>;
    expect(lagging).toMatchObject({ cluster: 'k', group: group('lagging'), partition_count: 3, totallag: 130 + 120 + 110 });
    expect(lagging.maxlag).toMatchObject({ topic, partition: 0, current_lag: 130 });
    const live = (await get(`/v3/kafka/k/consumer/${group('live')}/lag`)).json().status as { partitions: Record<string, unknown>[] };
    for (const p of live.partitions) {
      expect(p.client_id).toBe(`${prefix}-client`);
      expect(String(p.owner)).toMatch(/\d+\.\d+\.\d+\.\d+|localhost|::1/);
    }
    const consumers = (await get(`/v3/kafka/k/topic/${topic}/consumers`)).json().consumers;
    expect(consumers).toEqual([group('lagging'), group('live'), group('ok'), odd].sort());
    // A group name with "/" and a space, percent-encoded.
    const oddStatus = await get(`/v3/kafka/k/consumer/${encodeURIComponent(odd)}/lag`);
    expect(oddStatus.status).toBe(200);
    expect((oddStatus.json().status as { group: string }).group).toBe(odd);
  });

  it("answers every request of Telegraf's burrow input with 200 and a body it decodes (basic auth with the token)", async () => {
    const basic = { authorization: `Basic ${Buffer.from(`telegraf:${TOKEN}`).toString('base64')}` };
    const clusters = (await get('/v3/kafka', { headers: basic })).json().clusters as string[];
    const topics = { k: (await get('/v3/kafka/k/topic', { headers: basic })).json().topics as string[] };
    const groups = { k: (await get('/v3/kafka/k/consumer', { headers: basic })).json().consumers as string[] };
    expect(groups.k).toContain(group('live'));
    for (const url of telegrafRequests(clusters, topics, groups)) {
      const answer = await get(url, { headers: basic });
      expect(answer.status, url).toBe(200);
      expect(() => telegrafDecode(answer.json()), url).not.toThrow();
    }
    expect((await fetch(`${base}/v3/kafka`)).status).toBe(401);
  });

  it('/metrics passes promtool and carries the real groups', async () => {
    const answer = await get('/metrics');
    expect(answer.status).toBe(200);
    const checked = promtool(answer.text);
    expect(checked.findings.filter((f) => !ACCEPTED_LINT.has(f))).toEqual([]);
    expect(promtool(withoutAcceptedFamilies(answer.text))).toEqual({ status: 0, findings: [] });
    expect(series(answer.text, 'burrow_kafka_consumer_lag_total').get(`{cluster="k",consumer_group="${group('lagging')}"}`)).toBe(360);
    expect(series(answer.text, 'burrow_kafka_topic_partition_offset').get(`{cluster="k",topic="${topic}",partition="2"}`)).toBe(140);
    expect(series(answer.text, 'warren_cycles_total').get('{cluster="k",outcome="ok"}')).toBeGreaterThanOrEqual(5);
    expect(series(answer.text, 'warren_ready').get('')).toBe(1);
  });

  it('DELETE forgets a group until it commits again', async () => {
    expect((await get(`/v3/kafka/k/consumer/${group('ok')}`, { method: 'DELETE' })).status).toBe(200);
    expect((await get(`/v3/kafka/k/consumer/${group('ok')}/lag`)).status).toBe(404);
    await cycle();
    expect((await get('/v3/kafka/k/consumer')).json().consumers).not.toContain(group('ok'));
    expect((await get('/metrics')).text).not.toContain(`consumer_group="${group('ok')}"`);
    await commit(client, group('ok'), topic, { 0: 140, 1: 140, 2: 140 });
    await cycle();
    expect((await get(`/v3/kafka/k/consumer/${group('ok')}/lag`)).status).toBe(200);
  });
});
