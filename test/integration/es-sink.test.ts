// The Elasticsearch sink against real Elasticsearch 8.19 and 9.x: templates (installed once, upgraded, never
// clobbering the user's), documents and their mappings, a Grafana-style date_histogram + terms + max query,
// exact big offsets, per-item 429 retries, the dead-letter file, and retention.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ElasticsearchConfigInput, ElasticsearchSink } from '../../collector/sinks/elasticsearch.ts';
import { indexName } from '../../collector/sinks/documents.ts';
import type { CycleReport, EventDoc, PartitionDoc, WarrenEvent } from '../../collector/types.ts';
import { countDocs, listIndices } from '../../elasticsearch/admin.ts';
import { DOC_KINDS, TEMPLATE_VERSION, indexPattern, installTemplates, mappingOf, mappingsComponentName } from '../../elasticsearch/templates.ts';
import { sampleEvents, sampleReport, statusChange } from '../../elasticsearch/sample-reports.ts';
import { SinkRig, capture } from '../helpers/es-sinks.ts';
import { ES_VERSIONS, esUrl } from '../helpers/services.ts';

const AT = Date.UTC(2026, 10, 25, 12, 0, 0);
const BIG = 5_000_000_007;

describe.each(ES_VERSIONS)('Elasticsearch sink on %s', (es) => {
  let url: string;
  let admin: Client;
  const rig = new SinkRig(`wit-${es}`);

  beforeAll(async () => {
    url = esUrl(es);
    admin = new Client({ node: url });
    await admin.cluster.health({ wait_for_status: 'yellow', timeout: '60s' });
  });
  afterEach(() => rig.closeAll());
  afterAll(async () => {
    await rig.cleanup(admin);
    await admin.close();
  });

  const newPrefix = (name: string) => rig.newPrefix(name);
  function sink(prefix: string, logger: Logger, extra: ElasticsearchConfigInput = {}, dir?: string): ElasticsearchSink {
    return rig.open(
      { urls: [url], prefix, flushInterval: '20ms', retry: { initialDelay: '50ms', maxDelay: '400ms' }, ...extra, spool: { dir: dir ?? rig.newDir(), ...extra.spool } },
      logger,
    );
  }
  const closeSink = (s: ElasticsearchSink) => rig.close(s);

  it('installs its templates once, upgrades its own, and never overwrites the user’s', async () => {
    const prefix = newPrefix('tpl');
    const { logger } = capture();
    const first = sink(prefix, logger);
    await first.whenReady();
    const index = await admin.indices.getIndexTemplate({ name: `${prefix}-partition` });
    expect(index.index_templates[0]!.index_template).toMatchObject({
      index_patterns: [`${prefix}-partition-*`],
      composed_of: [`${prefix}-settings`, `${prefix}-partition-mappings`, `${prefix}@custom`, `${prefix}-partition@custom`],
      priority: 200,
      version: TEMPLATE_VERSION,
    });
    const options = { prefix, replicas: 'auto' as const, refreshInterval: '10s' };
    // Installing again is a no-op.
    const again = await installTemplates(admin, options);
    expect(again.written).toEqual([]);
    expect(again.customCreated).toEqual([]);
    expect(again.unchanged).toHaveLength(9);

    // The user's settings for partition indices, and an extra field of theirs.
    await admin.cluster.putComponentTemplate({
      name: `${prefix}-partition@custom`,
      template: { settings: { index: { refresh_interval: '42s' } }, mappings: { properties: { team: { type: 'keyword' } } } },
    });
    // Someone edits a Warren-owned template by hand: Warren puts its own back.
    await admin.cluster.putComponentTemplate({ name: `${prefix}-settings`, template: { settings: { index: { number_of_shards: 3 } } } });
    // A newer Warren installed the group mapping: this one leaves it alone.
    await admin.cluster.putComponentTemplate({ name: `${prefix}-group-mappings`, version: TEMPLATE_VERSION + 1, template: { mappings: mappingOf('group') }, _meta: { managed_by: 'warren', warren_hash: 'from-the-future' } });

    await closeSink(first);
    const { logger: logger2, lines } = capture();
    const restarted = sink(prefix, logger2);
    await restarted.whenReady();
    expect(lines.join('\n')).toMatch(/templates written: .*settings/);
    const custom = await admin.cluster.getComponentTemplate({ name: `${prefix}-partition@custom` });
    expect(custom.component_templates[0]!.component_template.template).toMatchObject({ settings: { index: { refresh_interval: '42s' } } });
    const settings = await admin.cluster.getComponentTemplate({ name: `${prefix}-settings` });
    expect(settings.component_templates[0]!.component_template.template.settings).toMatchObject({ index: { number_of_shards: '1', codec: 'best_compression' } });
    const group = await admin.cluster.getComponentTemplate({ name: `${prefix}-group-mappings` });
    expect(group.component_templates[0]!.component_template.version).toBe(TEMPLATE_VERSION + 1);

    // A new index gets Warren's settings, the user's override and both mappings.
    restarted.write(sampleReport({ cluster: 'c', groups: 1, topicsPerGroup: 1, partitionsPerTopic: 1, at: AT, cycle: 0 }), []);
    expect(await restarted.flush()).toBe(true);
    const name = indexName(prefix, 'partition', AT);
    const indexSettings = await admin.indices.getSettings({ index: name, flat_settings: true });
    expect(indexSettings[name]!.settings).toMatchObject({ 'index.refresh_interval': '42s', 'index.codec': 'best_compression', 'index.number_of_shards': '1' });
    const mapping = await admin.indices.getMapping({ index: name });
    expect(mapping[name]!.mappings.properties).toHaveProperty('team');
    expect(mapping[name]!.mappings.properties).toHaveProperty('committed_offset');
  });

  it('indexes every document with the declared mappings, and a date_histogram + terms + max query returns what was written', async () => {
    const prefix = newPrefix('docs');
    const { logger } = capture();
    const s = sink(prefix, logger);
    const reports: CycleReport[] = [];
    let events = 0;
    for (let cycle = 0; cycle < 6; cycle++) {
      const report = sampleReport({ cluster: 'prod', groups: 4, topicsPerGroup: 2, partitionsPerTopic: 3, at: AT + cycle * 30_000, cycle });
      reports.push(report);
      const cycleEvents = cycle === 2 ? [statusChange('prod', 'group-0000', AT + cycle * 30_000, 'OK', 'WARN')] : [];
      events += cycleEvents.length;
      s.write(report, cycleEvents);
    }
    expect(await s.flush()).toBe(true);
    const stats = s.stats();
    const partitions = reports.reduce((n, r) => n + r.partitionCount, 0);
    const groups = reports.reduce((n, r) => n + r.groups.length, 0);
    expect(stats.docsIndexed).toBe(partitions + groups + events + reports.length);
    expect(stats).toMatchObject({ docsDeadLettered: 0, docsDropped: 0, docsDuplicate: 0, state: 'connected', spoolDocs: 0 });

    expect(await countDocs(admin, `${prefix}-partition-*`)).toBe(partitions);
    expect(await countDocs(admin, `${prefix}-group-*`)).toBe(groups);
    expect(await countDocs(admin, `${prefix}-event-*`)).toBe(events);
    expect(await countDocs(admin, `${prefix}-heartbeat-*`)).toBe(reports.length);
    // Heartbeats carry the sink's counters as they were when each was sent.
    const heartbeats = await admin.search<Record<string, unknown>>({ index: `${prefix}-heartbeat-*`, size: 10, sort: [{ '@timestamp': 'asc' }] });
    for (const hit of heartbeats.hits.hits) {
      expect(hit._source).toMatchObject({ cluster: 'prod', ok: true, groups: 4, partitions: 24, bulk_failures_total: 0, docs_dropped_total: 0, docs_dead_lettered_total: 0, docs_refused_total: 0 });
      expect(hit._source!.spool_bytes).toBeGreaterThan(0);
      expect(hit._source!.docs_indexed_total).toBeTypeOf('number');
    }

    // Mappings as declared, on each kind's index.
    for (const kind of DOC_KINDS) {
      const name = indexName(prefix, kind, AT);
      const mapping = await admin.indices.getMapping({ index: name });
      const declared = (mappingOf(kind) as { properties: Record<string, unknown> }).properties;
      expect(mapping[name]!.mappings.properties, kind).toEqual(declared);
      expect(mapping[name]!.mappings.dynamic).toBe('false');
    }

    // Grafana's panel: max lag per group per 30 s.
    const response = await admin.search({
      index: `${prefix}-partition-*`,
      size: 0,
      query: { bool: { filter: [{ range: { '@timestamp': { gte: AT, lte: AT + 6 * 30_000, format: 'epoch_millis' } } }, { term: { cluster: 'prod' } }] } },
      aggs: {
        time: {
          date_histogram: { field: '@timestamp', fixed_interval: '30s', min_doc_count: 1 },
          aggs: { group: { terms: { field: 'group', size: 100 }, aggs: { lag: { max: { field: 'lag' } } } } },
        },
      },
    });
    const seen = new Map<string, number>();
    for (const bucket of (response.aggregations!.time as { buckets: { key: number; group: { buckets: { key: string; lag: { value: number } }[] } }[] }).buckets) {
      for (const g of bucket.group.buckets) seen.set(`${bucket.key}/${g.key}`, g.lag.value);
    }
    const expected = new Map<string, number>();
    for (const report of reports) {
      for (const group of report.groups) expected.set(`${group.observedAt}/${group.group}`, Math.max(...group.result.partitions.map((p) => p.currentLag)));
    }
    expect(seen).toEqual(expected);
    expect([...expected.values()].some((v) => v > 0)).toBe(true);
  });

  it('lag in time, trends, rebalances and deploys: indexed as mapped, aggregated as the reports say, every event kept', async () => {
    const prefix = newPrefix('time');
    const { logger } = capture();
    const s = sink(prefix, logger);
    const reports: CycleReport[] = [];
    const events: WarrenEvent[] = [];
    for (let cycle = 0; cycle < 8; cycle++) {
      const options = { cluster: 'prod', groups: 3, topicsPerGroup: 2, partitionsPerTopic: 3, at: AT + cycle * 30_000, cycle, eventsEvery: 3 };
      const report = sampleReport(options);
      const cycleEvents = sampleEvents(options, report);
      reports.push(report);
      events.push(...cycleEvents);
      s.write(report, cycleEvents);
    }
    expect(await s.flush()).toBe(true);
    expect(s.stats()).toMatchObject({ docsDeadLettered: 0, docsRefused: 0, docsDuplicate: 0 });
    // Cycles 3 and 6 redeploy group 0: two rebalances, two deploys, four documents.
    expect(events.map((e) => `${e.kind}@${(e.at - AT) / 30_000}`)).toEqual(['rebalance@3', 'deploy@3', 'rebalance@6', 'deploy@6']);
    expect(await countDocs(admin, `${prefix}-event-*`)).toBe(4);
    expect(await countDocs(admin, `${prefix}-event-*`, { term: { kind: 'rebalance' } })).toBe(2);
    expect(await countDocs(admin, `${prefix}-event-*`, { term: { members_joined: 'client-group-0000-v3' } })).toBe(2); // the rebalance and the deploy of cycle 6

    // The Grafana panels' queries: max time lag per group and interval, from partition and from group documents.
    await admin.indices.refresh({ index: `${prefix}-*` });
    const maxPer = async (kind: 'partition' | 'group', field: string) => {
      const response = await admin.search({
        index: `${prefix}-${kind}-*`,
        size: 0,
        aggs: { time: { date_histogram: { field: '@timestamp', fixed_interval: '30s', min_doc_count: 1 }, aggs: { group: { terms: { field: 'group', size: 100 }, aggs: { v: { max: { field } } } } } } },
      });
      const seen = new Map<string, number | null>();
      for (const bucket of (response.aggregations!.time as { buckets: { key: number; group: { buckets: { key: string; v: { value: number | null } }[] } }[] }).buckets) {
        for (const g of bucket.group.buckets) seen.set(`${bucket.key}/${g.key}`, g.v.value);
      }
      return seen;
    };
    const expected = new Map<string, number | null>();
    const expectedVelocity = new Map<string, number | null>();
    for (const report of reports) {
      for (const group of report.groups) {
        expected.set(`${group.observedAt}/${group.group}`, group.result.maxTimeLagMs);
        const t = group.result.trend;
        expectedVelocity.set(`${group.observedAt}/${group.group}`, t.kind === 'unknown' ? null : Math.fround(Math.round(t.velocity * 1000) / 1000));
      }
    }
    expect(await maxPer('partition', 'time_lag_ms')).toEqual(expected);
    expect(await maxPer('group', 'max_time_lag_ms')).toEqual(expected);
    expect(await maxPer('group', 'lag_velocity')).toEqual(expectedVelocity);
    // group-0000 lags (its partitions 0 and 1 of topic 0…), more each cycle; the first cycle has no history yet.
    expect([...expected].filter(([k]) => k.endsWith('/group-0000')).map(([, v]) => v)).toEqual([null, 60_000, 90_000, 120_000, 150_000, 180_000, 210_000, 240_000]);
    // The group's lag_velocity (float): exact to float precision, as Grafana will show it.
    expect([...expectedVelocity.values()].some((v) => v !== null && v > 0)).toBe(true);

    // Group documents: trend and rebalancing are keywords and booleans Grafana can filter on.
    expect(await countDocs(admin, `${prefix}-group-*`, { term: { rebalancing: true } })).toBe(2);
    expect(await countDocs(admin, `${prefix}-group-*`, { term: { trend: 'falling-behind' } })).toBe(reports.slice(1).flatMap((r) => r.groups).filter((g) => g.result.trend.kind === 'falling-behind').length);
    expect(await countDocs(admin, `${prefix}-group-*`, { range: { max_time_lag_ms: { gt: 120_000 } } })).toBeGreaterThan(0);

    // The offsets of an event are kept whole in _source, and only there (enabled: false).
    const hits = await admin.search<EventDoc>({ index: `${prefix}-event-*`, size: 10, sort: [{ '@timestamp': 'asc' }], query: { term: { kind: 'deploy' } } });
    const [first, second] = hits.hits.hits.map((h) => h._source!);
    expect(first!.offsets).toEqual(events[1]!.kind === 'deploy' ? events[1]!.offsets : []);
    expect(first!.offsets).toHaveLength(6);
    expect(first!.message).toMatch(/^group group-0000: deploy, client ids client-group-0000-v1 → client-group-0000-v2; hosts .* \(unchanged\); offsets: topic-00 p0=\d+/);
    expect(second!.client_ids).toEqual(['client-group-0000-v3']);
    expect(await countDocs(admin, `${prefix}-event-*`, { exists: { field: 'offsets.topic' } })).toBe(0);
    // The message is searchable text (what Grafana's annotations show).
    const words = await admin.search({ index: `${prefix}-event-*`, size: 0, query: { match: { message: 'deploy' } } });
    expect((words.hits.total as { value: number }).value).toBe(2);
  });

  it('an upgrade from the previous template version adds the new fields to existing indices', async () => {
    const prefix = newPrefix('upgrade');
    const options = { prefix, replicas: 0 as const, refreshInterval: '1s' };
    await installTemplates(admin, options);
    // What the previous version installed: the same mapping without issue 7's fields, version 1.
    const issue7 = new Set(['time_lag_ms', 'time_lag_kind', 'lag_velocity', 'log_start_offset', 'catch_up_ms', 'data_loss_ms']);
    const previous = mappingOf('partition') as { properties: Record<string, unknown> };
    const old: Record<string, unknown> = { ...previous, properties: Object.fromEntries(Object.entries(previous.properties).filter(([k]) => !issue7.has(k))) };
    await admin.cluster.putComponentTemplate({ name: mappingsComponentName(prefix, 'partition'), version: 1, template: { mappings: old }, _meta: { managed_by: 'warren', warren_hash: 'version-1' } });
    const index = indexName(prefix, 'partition', AT);
    await admin.indices.create({ index });
    expect(Object.keys((await admin.indices.getMapping({ index }))[index]!.mappings.properties!)).not.toContain('time_lag_ms');

    const report = await installTemplates(admin, options);
    expect(report.written).toEqual([mappingsComponentName(prefix, 'partition')]);
    expect(report.mappingsUpdated).toEqual([indexPattern(prefix, 'partition')]);
    const properties = (await admin.indices.getMapping({ index }))[index]!.mappings.properties!;
    expect(properties).toEqual(previous.properties);
    expect(properties.lag_velocity).toEqual({ type: 'float', index: false });
  });

  it('keeps an offset near 5,000,000,000 exact in documents and in min/max aggregations; refuses one beyond 2^53', async () => {
    const prefix = newPrefix('big');
    const { logger, lines } = capture();
    const s = sink(prefix, logger);
    const committed = (g: number, _t: number, p: number) => (g === 0 && p === 0 ? BIG : g === 0 && p === 1 ? 2 ** 53 + 2 : undefined);
    const report = sampleReport({ cluster: 'prod', groups: 2, topicsPerGroup: 1, partitionsPerTopic: 3, at: AT, cycle: 0, committed, lag: (g, _t, p) => (g === 0 && p === 0 ? 7 : 0) });
    s.write(report, []);
    expect(await s.flush()).toBe(true);
    expect(s.stats().docsRefused).toBe(1);
    expect(lines.join('\n')).toMatch(/refused 1 document\(s\) of cluster prod: prod\/group-0000\/topic-00\/1: committed_offset = 9007199254740994 is not a safe integer/);
    const pattern = `${prefix}-partition-*`;
    expect(await countDocs(admin, pattern)).toBe(5);
    expect(await countDocs(admin, pattern, { term: { partition: 1 } })).toBe(1); // only group-0001's partition 1

    const hit = await admin.search<PartitionDoc>({ index: pattern, query: { term: { committed_offset: BIG } }, docvalue_fields: ['committed_offset', 'log_end_offset'] });
    expect(hit.hits.hits).toHaveLength(1);
    expect(hit.hits.hits[0]!._source).toMatchObject({ committed_offset: BIG, log_end_offset: BIG + 7, lag: 7 });
    expect(hit.hits.hits[0]!.fields).toEqual({ committed_offset: [BIG], log_end_offset: [BIG + 7] });

    const aggs = await admin.search({
      index: pattern,
      size: 0,
      aggs: {
        max: { max: { field: 'committed_offset' } },
        maxString: { max: { field: 'committed_offset', format: '0' } },
        min: { min: { field: 'committed_offset', format: '0' } },
        maxEnd: { max: { field: 'log_end_offset', format: '0' } },
        bigOnly: { filter: { range: { committed_offset: { gte: BIG } } }, aggs: { min: { min: { field: 'committed_offset', format: '0' } } } },
      },
    });
    const a = aggs.aggregations as Record<string, { value: number; value_as_string?: string; min?: { value: number; value_as_string: string } }>;
    expect(a.max!.value).toBe(BIG);
    expect(a.maxString).toEqual({ value: BIG, value_as_string: '5000000007' });
    expect(a.maxEnd).toEqual({ value: BIG + 7, value_as_string: '5000000014' });
    expect(a.min!.value_as_string).toBe(String(1_000_000 + 0 * 100 + 0)); // group-0001 partition 0
    expect(a.bigOnly!.min).toEqual({ value: BIG, value_as_string: '5000000007' });
    // A float mapping (Telegraf's) would have returned 4999999488 here.
    expect(Math.fround(BIG)).not.toBe(BIG);
  });

  it('retries only the items Elasticsearch answers 429 for, and loses or duplicates nothing', async () => {
    const prefix = newPrefix('429');
    const { logger } = capture();
    const s = sink(prefix, logger, { retry: { initialDelay: '100ms', maxDelay: '300ms', itemAttempts: 1000 } });
    const report = (cycle: number) => sampleReport({ cluster: 'prod', groups: 3, topicsPerGroup: 1, partitionsPerTopic: 4, at: AT + cycle * 30_000, cycle });
    s.write(report(0), []);
    expect(await s.flush()).toBe(true);
    const partitionIndex = indexName(prefix, 'partition', AT);
    // The flood-stage block: Elasticsearch answers 429 for each partition document; other kinds go through.
    await admin.indices.putSettings({ index: partitionIndex, settings: { 'index.blocks.read_only_allow_delete': true } });
    try {
      s.write(report(1), []);
      for (let i = 0; i < 200 && s.stats().itemRetries < 24; i++) await new Promise((r) => setTimeout(r, 25));
      expect(s.stats().itemRetries).toBeGreaterThanOrEqual(24); // 12 partition items, at least twice
      expect(await countDocs(admin, `${prefix}-group-*`)).toBe(6);
      expect(await countDocs(admin, `${prefix}-partition-*`)).toBe(12);
    } finally {
      await admin.indices.putSettings({ index: partitionIndex, settings: { 'index.blocks.read_only_allow_delete': null } });
    }
    expect(await s.flush()).toBe(true);
    expect(await countDocs(admin, `${prefix}-partition-*`)).toBe(24);
    expect(await countDocs(admin, `${prefix}-heartbeat-*`)).toBe(2);
    expect(s.stats()).toMatchObject({ docsDeadLettered: 0, docsDuplicate: 0, docsIndexed: 24 + 6 + 2 });
  });

  it('sends a document Elasticsearch rejects for a bad value to the dead-letter file and loses nothing else', async () => {
    const prefix = newPrefix('dlq');
    const { logger, lines } = capture();
    const s = sink(prefix, logger);
    const report = sampleReport({ cluster: 'prod', groups: 2, topicsPerGroup: 1, partitionsPerTopic: 3, at: AT, cycle: 0 });
    // A partition number beyond the `integer` mapping: a safe integer, but a bad value for Elasticsearch.
    const bad = report.groups[1]!.result.partitions[2]!;
    bad.partition = 2 ** 31;
    report.groups[1]!.details[2]!.partition = 2 ** 31;
    s.write(report, []);
    expect(await s.flush()).toBe(true);
    expect(s.stats()).toMatchObject({ docsDeadLettered: 1, docsIndexed: 6 + 2 + 1 - 1 });
    expect(await countDocs(admin, `${prefix}-partition-*`)).toBe(5);
    expect(await countDocs(admin, `${prefix}-group-*`)).toBe(2);
    expect(await countDocs(admin, `${prefix}-heartbeat-*`)).toBe(1);
    const letters = readFileSync(join(s.config.spool.dir, 'dead-letter.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ index: indexName(prefix, 'partition', AT), status: 400, doc: { group: 'group-0001', partition: 2 ** 31 } });
    expect(letters[0].id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(letters[0].error.type).toMatch(/parsing_exception/);
    expect(JSON.stringify(letters[0].error)).toMatch(/partition/);
    expect(lines.join('\n')).toMatch(/rejected 1 document\(s\) \(400: .*\); kept in .*dead-letter\.ndjson/);
  });

  it('deletes expired daily indices by name and nothing else', async () => {
    const prefix = newPrefix('ret');
    const { logger } = capture();
    const s = sink(prefix, logger, { retention: { days: { partition: 7, group: 30, event: 0, heartbeat: 1 } } });
    await s.whenReady();
    const today = indexName(prefix, 'partition', Date.now());
    const yesterdayHeartbeat = indexName(prefix, 'heartbeat', Date.now() - 86_400_000);
    const names = [`${prefix}-partition-2020.01.01`, `${prefix}-heartbeat-2020.01.01`, `${prefix}-event-2020.01.01`, `${prefix}-group-2020.01.01`, today, yesterdayHeartbeat, `${prefix}-x-partition-2020.01.01`, `${prefix}-partition-2020.01.01-restored`];
    for (const index of names) await admin.indices.create({ index });
    const run = await s.runRetention();
    expect(run.error).toBeUndefined();
    expect(run.deleted).toEqual([`${prefix}-group-2020.01.01`, `${prefix}-heartbeat-2020.01.01`, `${prefix}-partition-2020.01.01`]);
    expect(await listIndices(admin, `${prefix}-*`)).toEqual(
      [`${prefix}-event-2020.01.01`, today, yesterdayHeartbeat, `${prefix}-x-partition-2020.01.01`, `${prefix}-partition-2020.01.01-restored`].sort(),
    );
    expect(s.stats().retentionDeleted).toBe(3);
    // The index made from Warren's template has its mapping; the foreign one does not.
    const mapping = await admin.indices.getMapping({ index: today });
    expect(mapping[today]!.mappings.properties).toHaveProperty('lag');
  });
});
