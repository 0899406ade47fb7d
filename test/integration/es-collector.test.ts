// End to end: the real collector reads a real broker (Kafka 4.x) and hands its cycles to the Elasticsearch
// sink, on ES 8.19 and 9.5. Elasticsearch must return exactly what the collector saw: every partition's
// offsets, lag and status, the groups' statuses, a date_histogram + terms + max of lag, and an offset of
// 5,000,000,007 committed through the broker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { createLogger } from '../../collector/logger.ts';
import { createElasticsearchSink, parseElasticsearchConfig, type ElasticsearchSink } from '../../collector/sinks/elasticsearch.ts';
import type { CycleReport, GroupDoc, PartitionDoc } from '../../collector/types.ts';
import { countDocs, removePrefix } from '../../elasticsearch/admin.ts';
import { admin, commit, createTopic, produce, testConfig, uniqueName } from '../helpers/kafka.ts';
import { ES_VERSIONS, esUrl, kafkaBrokers } from '../helpers/services.ts';

const BIG = 5_000_000_007;

describe.each(ES_VERSIONS)('collector → Elasticsearch sink on %s (Kafka 4.x)', (es) => {
  let kafka: Admin;
  let elastic: Client;
  let sink: ElasticsearchSink;
  let collector: Collector;
  let spoolDir: string;
  const name = uniqueName(`es-${es}`);
  const topic = `${name}-orders`;
  const group = (g: string) => `${name}-${g}`;
  const prefix = `wce-${es}-${Math.random().toString(36).slice(2, 7)}`;
  const reports: CycleReport[] = [];
  let clock = Date.now();

  beforeAll(async () => {
    const brokers = kafkaBrokers('kafka4');
    kafka = admin(brokers);
    elastic = new Client({ node: esUrl(es) });
    await createTopic(kafka, topic, 3);
    await produce(brokers, topic, [0, 1, 2], 100);
    spoolDir = mkdtempSync(join(tmpdir(), 'warren-es-e2e-'));
    sink = createElasticsearchSink(
      parseElasticsearchConfig({ urls: [esUrl(es)], prefix, spool: { dir: spoolDir }, flushInterval: '20ms', retry: { initialDelay: '50ms', maxDelay: '400ms' } }),
      createLogger('silent'),
    );
    collector = new Collector({
      config: testConfig({ k: { brokers, groupAllowlist: `^${name}-` } }, { interval: 30 }),
      logger: createLogger('silent'),
      sinks: [sink],
      now: () => clock,
    });
    collector.onCycle((report) => void reports.push(report));
  });

  afterAll(async () => {
    await collector?.stop(); // closes the sink too
    await removePrefix(elastic, prefix).catch(() => undefined);
    await elastic?.close();
    await kafka?.close();
    if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
  });

  it('stores exactly what the collector saw, cycle after cycle', async () => {
    await commit(kafka, group('ok'), topic, { 0: 100, 1: 100, 2: 100 });
    await commit(kafka, group('lagging'), topic, { 0: 10, 1: 50, 2: 90 });
    await commit(kafka, group('big'), topic, { 0: BIG });
    for (let cycle = 0; cycle < 4; cycle++) {
      clock += 30_000;
      const { report } = await collector.runCycle('k');
      expect(report.ok).toBe(true);
      // Between cycles the lagging group moves a little and the topic grows.
      await commit(kafka, group('lagging'), topic, { 0: 10 + 5 * (cycle + 1), 1: 50, 2: 90 + cycle + 1 });
      await produce(kafkaBrokers('kafka4'), topic, [1], 10);
    }
    expect(await sink.flush(60_000)).toBe(true);
    expect(sink.stats()).toMatchObject({ docsDeadLettered: 0, docsDropped: 0, docsRefused: 0, spoolDocs: 0 });
    await elastic.indices.refresh({ index: `${prefix}-*` });

    // Every partition document, field by field, equals the collector's view.
    const expected = new Map<string, Partial<PartitionDoc>>();
    for (const report of reports) {
      for (const g of report.groups) {
        g.result.partitions.forEach((p, i) => {
          const d = g.details[i]!;
          expected.set(`${new Date(g.observedAt).toISOString()}|${g.group}|${p.topic}|${p.partition}`, {
            committed_offset: d.committed,
            log_end_offset: d.logEnd,
            lag: p.currentLag,
            status: p.status,
            reason: p.reason.rule,
          });
        });
      }
    }
    expect(expected.size).toBe(reports.reduce((n, r) => n + r.groups.reduce((m, g) => m + g.result.partitions.length, 0), 0));
    expect(await countDocs(elastic, `${prefix}-partition-*`)).toBe(expected.size);
    const hits = await elastic.search<PartitionDoc>({ index: `${prefix}-partition-*`, size: 1000 });
    const stored = new Map(
      hits.hits.hits.map((h) => {
        const s = h._source!;
        return [`${s['@timestamp']}|${s.group}|${s.topic}|${s.partition}`, { committed_offset: s.committed_offset, log_end_offset: s.log_end_offset, lag: s.lag, status: s.status, reason: s.reason }];
      }),
    );
    expect(stored).toEqual(expected);

    // Group documents: the collector's statuses and total lags.
    const groups = await elastic.search<GroupDoc>({ index: `${prefix}-group-*`, size: 100 });
    const groupStatus = new Map(groups.hits.hits.map((h) => [`${h._source!['@timestamp']}|${h._source!.group}`, `${h._source!.status}/${h._source!.total_lag}`]));
    expect(groupStatus).toEqual(new Map(reports.flatMap((r) => r.groups.map((g) => [`${new Date(g.observedAt).toISOString()}|${g.group}`, `${g.result.status}/${g.result.totallag}`]))));
    expect(await countDocs(elastic, `${prefix}-heartbeat-*`)).toBe(reports.length);

    // Grafana's panel: max lag per group per 30 s, equal to the collector's.
    const response = await elastic.search({
      index: `${prefix}-partition-*`,
      size: 0,
      aggs: { t: { date_histogram: { field: '@timestamp', fixed_interval: '30s', min_doc_count: 1 }, aggs: { g: { terms: { field: 'group' }, aggs: { lag: { max: { field: 'lag' } } } } } } },
    });
    const seen = new Map<string, number>();
    for (const b of (response.aggregations!.t as { buckets: { key: number; g: { buckets: { key: string; lag: { value: number } }[] } }[] }).buckets) {
      for (const g of b.g.buckets) seen.set(`${Math.floor(b.key / 30_000)}|${g.key}`, g.lag.value);
    }
    const maxLag = new Map(reports.flatMap((r) => r.groups.map((g) => [`${Math.floor(g.observedAt / 30_000)}|${g.group}`, Math.max(...g.result.partitions.map((p) => p.currentLag))])));
    expect(seen).toEqual(maxLag);
    expect([...maxLag.entries()].some(([key, lag]) => key.endsWith('lagging') && lag > 0)).toBe(true);

    // 5,000,000,007 committed through the broker: exact in the document and in min/max.
    const big = await elastic.search({
      index: `${prefix}-partition-*`,
      size: 0,
      query: { term: { group: group('big') } },
      aggs: { max: { max: { field: 'committed_offset', format: '0' } }, min: { min: { field: 'committed_offset', format: '0' } } },
    });
    expect(big.aggregations).toEqual({ max: { value: BIG, value_as_string: String(BIG) }, min: { value: BIG, value_as_string: String(BIG) } });
  });
});
