// /metrics: Burrow's gauges with Burrow's labels, Warren's collector health, promtool's checks, and scrapes that
// reuse the last build until a cycle (or a delete) changes something.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../collector/http/metrics.ts';
import { Tracker } from '../../collector/tracker.ts';
import type { StateView } from '../../collector/types.ts';
import { STEP, T0, buildScrape, demoServer, demoTracker, type ScrapeSpec } from '../contract/fixtures.ts';
import { ACCEPTED_LINT, promtool, series, withoutAcceptedFamilies } from '../contract/promtool.ts';

/** promtool passes: the text parses (exit 1 would be a parse error) and its only lint findings are accepted. */
function expectPromtoolPasses(text: string) {
  const { status, findings } = promtool(text);
  expect(findings.filter((f) => !ACCEPTED_LINT.has(f))).toEqual([]);
  expect(status === 0 || status === 3).toBe(true);
  // Without the families named in ACCEPTED_LINT, promtool has nothing to say at all.
  expect(promtool(withoutAcceptedFamilies(text))).toEqual({ status: 0, findings: [] });
}

/** A StateView that counts the reads the metrics make. */
function counting(state: StateView): { view: StateView; reads: () => number } {
  let reads = 0;
  const view = new Proxy(state, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key === 'groupReports') reads++;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { view, reads: () => reads };
}

describe('/metrics', () => {
  it('passes promtool check metrics', async () => {
    const { app, server } = demoServer();
    const response = await app.inject({ url: '/metrics' });
    await server.close();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expectPromtoolPasses(response.body);
  });

  it("Burrow's gauges with Burrow's labels and numbering", async () => {
    const text = await createMetrics({ state: demoTracker(), processMetrics: false }).render();
    expect(series(text, 'burrow_kafka_consumer_lag_total').get('{cluster="prod",consumer_group="lagging"}')).toBe(1100);
    const status = series(text, 'burrow_kafka_consumer_status');
    expect(status.get('{cluster="prod",consumer_group="orders-svc"}')).toBe(1);
    expect(status.get('{cluster="prod",consumer_group="lagging"}')).toBe(2);
    expect(status.get('{cluster="prod",consumer_group="stopped"}')).toBe(3);
    expect(series(text, 'burrow_kafka_consumer_partition_lag').get('{cluster="prod",consumer_group="lagging",topic="orders",partition="0"}')).toBe(550);
    // Offset and partition status only for partitions whose window is full (as Burrow).
    const offsets = series(text, 'burrow_kafka_consumer_current_offset');
    expect(offsets.get('{cluster="prod",consumer_group="partial",topic="orders",partition="1"}')).toBe(2100);
    expect(offsets.has('{cluster="prod",consumer_group="partial",topic="orders",partition="0"}')).toBe(false);
    const partitionStatus = series(text, 'burrow_kafka_topic_partition_status');
    expect(partitionStatus.get('{cluster="prod",consumer_group="lagging",topic="orders",partition="0"}')).toBe(2);
    // Topic offsets: labelled with the real partition id, unknown ones left out.
    const topic = series(text, 'burrow_kafka_topic_partition_offset');
    expect(topic.get('{cluster="prod",topic="payments",partition="0"}')).toBe(500);
    expect(topic.has('{cluster="prod",topic="payments",partition="1"}')).toBe(false);
    expect(topic.get('{cluster="staging",topic="events",partition="0"}')).toBe(211);
  });

  it('counts every cycle once through the sink: cycles, errors by stage, durations, clamped lags', async () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 5, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
    const metrics = createMetrics({ state: tracker, processMetrics: false });
    const spec = (i: number): ScrapeSpec => ({
      topics: { t: [100 + i] },
      groups: { g: { committed: { t: { 0: 100 } } } },
      errors: i === 1 ? [{ cluster: 'c', stage: 'list-offsets', message: 'x' }, { cluster: 'c', stage: 'offset-fetch', message: 'y' }] : [],
      reachable: i !== 2,
      durationMs: 300,
    });
    expect(series(await metrics.render(), 'warren_ready').get('')).toBe(0);
    for (let i = 0; i < 4; i++) {
      const { report } = tracker.ingest(buildScrape('c', T0 + i * STEP, spec(i)));
      metrics.sink.write(report, []);
      metrics.sink.write(report, []); // a second delivery is not a second cycle
    }
    const text = await metrics.render();
    expect(series(text, 'warren_cycles_total')).toEqual(new Map([['{cluster="c",outcome="ok"}', 3], ['{cluster="c",outcome="failed"}', 1]]));
    expect(series(text, 'warren_scrape_errors_total')).toEqual(new Map([['{cluster="c",stage="list-offsets"}', 1], ['{cluster="c",stage="offset-fetch"}', 1]]));
    expect(series(text, 'warren_cycle_duration_seconds_count').get('{cluster="c"}')).toBe(4);
    expect(series(text, 'warren_cycle_duration_seconds_bucket').get('{le="0.5",cluster="c"}')).toBe(4);
    expect(series(text, 'warren_negative_lag_clamped_total').get('{cluster="c"}')).toBe(0);
    expect(series(text, 'warren_groups_tracked').get('{cluster="c"}')).toBe(1);
    expect(series(text, 'warren_partitions_tracked').get('{cluster="c"}')).toBe(1);
    expect(series(text, 'warren_cluster_up').get('{cluster="c"}')).toBe(1);
    expect(series(text, 'warren_last_cycle_duration_seconds').get('{cluster="c"}')).toBe(0.3);
    expect(series(text, 'warren_ready').get('')).toBe(1);
    expectPromtoolPasses(text);
  });

  it('an unreadable cluster: up 0, its groups keep their last series', async () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 5, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
    const metrics = createMetrics({ state: tracker, processMetrics: false });
    tracker.ingest(buildScrape('c', T0, { topics: { t: [10] }, groups: { g: { committed: { t: { 0: 4 } } } } }));
    tracker.ingest(buildScrape('c', T0 + STEP, { topics: {}, groups: {}, reachable: false, errors: [{ cluster: 'c', stage: 'connect', message: 'refused' }] }));
    const text = await metrics.render();
    expect(series(text, 'warren_cluster_up').get('{cluster="c"}')).toBe(0);
    expect(series(text, 'burrow_kafka_consumer_lag_total').get('{cluster="c",consumer_group="g"}')).toBe(6);
  });

  it('reuses the last build until a cycle or a delete; a group gone from the broker loses its series', async () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 5, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
    const { view, reads } = counting(tracker);
    const metrics = createMetrics({ state: view, processMetrics: false });
    tracker.ingest(buildScrape('c', T0, { topics: { t: [10, 10] }, groups: { a: { committed: { t: { 0: 1 } } }, b: { committed: { t: { 1: 2 } } } } }));
    const first = await metrics.render();
    const built = reads();
    for (let i = 0; i < 20; i++) await metrics.render();
    expect(reads()).toBe(built);
    tracker.ingest(buildScrape('c', T0 + STEP, { topics: { t: [10, 10] }, groups: { a: { committed: { t: { 0: 1 } } } } }));
    const second = await metrics.render();
    expect(reads()).toBe(built + 1);
    expect(first).toContain('consumer_group="b"');
    expect(second).not.toContain('consumer_group="b"');
    tracker.deleteGroup('c', 'a');
    metrics.invalidate();
    expect(await metrics.render()).not.toContain('consumer_group="a"');
  });

  it('label values are escaped (quotes, backslashes, newlines in group names)', async () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 5, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
    tracker.ingest(buildScrape('c', T0, { topics: { t: [10] }, groups: { 'we"ird\\name\nx': { committed: { t: { 0: 1 } } }, 'ünï cödé': { committed: { t: { 0: 1 } } } } }));
    const text = await createMetrics({ state: tracker, processMetrics: false }).render();
    expect(text).toContain('consumer_group="we\\"ird\\\\name\\nx"');
    expectPromtoolPasses(text);
  });

  it("renders the Elasticsearch sink's counters when a source is given", async () => {
    const metrics = createMetrics({ state: demoTracker(2), processMetrics: false });
    expect(await metrics.render()).not.toContain('warren_es_');
    let indexed = 10;
    metrics.setSinkStats(() => ({ queueDocuments: 3, spoolBytes: 4096, documentsIndexedTotal: indexed, bulkFailuresTotal: 1, documentsDroppedTotal: 0 }));
    let text = await metrics.render();
    expect(series(text, 'warren_es_queue_documents').get('')).toBe(3);
    expect(series(text, 'warren_es_spool_bytes').get('')).toBe(4096);
    expect(series(text, 'warren_es_documents_indexed_total').get('')).toBe(10);
    expect(series(text, 'warren_es_bulk_failures_total').get('')).toBe(1);
    indexed = 25;
    text = await metrics.render();
    expect(series(text, 'warren_es_documents_indexed_total').get('')).toBe(25);
    expectPromtoolPasses(text);
    // A failing source does not fail the scrape.
    metrics.setSinkStats(() => {
      throw new Error('sink gone');
    });
    expect(await metrics.render()).toContain('warren_ready');
  });

  it('promtool is the Debian package the setup script installs', () => {
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool, version 2\./);
  });
});
