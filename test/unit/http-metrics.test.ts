// /metrics: Burrow's gauges with Burrow's labels, Warren's collector health, promtool's checks, and scrapes that
// reuse the last build until a cycle (or a delete) changes something.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../collector/http/metrics.ts';
import { Tracker } from '../../collector/tracker.ts';
import type { GroupReport, StateView, WarrenEvent } from '../../collector/types.ts';
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

  it('lag in time, velocity, catch-up and data-loss times per group, time lag per partition (when asked): the tracker\'s values, absent when unknown', async () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 10, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
    const metrics = createMetrics({ state: tracker, processMetrics: false, partitionTimeLag: true });
    const defaults = createMetrics({ state: tracker, processMetrics: false });
    const member = (clientId: string) => [{ host: '/10.0.0.1', clientId, topic: 't', partitions: [0, 1] }];
    for (let i = 0; i < 8; i++) {
      const end = 10_000 + i * 100;
      const scrape = buildScrape('c', T0 + i * STEP, {
        topics: { t: [end, end] },
        groups: {
          // Commits 300 a cycle while the log grows 100: catching up.
          catching: { committed: { t: { 0: 7_000 + i * 300, 1: 7_000 + i * 300 } }, members: member('catching-1') },
          // Commits 20 a cycle: falling behind, with retention 4000 records behind the log end.
          behind: { committed: { t: { 0: 9_000 + i * 20, 1: end } }, members: member('behind-1') },
          fresh: { committed: { t: { 0: end, 1: end } }, members: member('fresh-1') },
          // A group that only committed on partition 1: partition 0 has no time lag.
          half: { committed: { t: { 1: end - 50 } }, members: member('half-1') },
        },
      });
      scrape.logStart = new Map([['t', [end - 4_000, end - 4_000]]]);
      const { report, events } = tracker.ingest(scrape);
      metrics.sink.write(report, events);
    }
    const text = await metrics.render();
    const groupSeries = (name: string) => series(text, name);
    const report = (g: string): GroupReport => tracker.groupReport('c', g)!;
    const trend = (g: string) => report(g).result.trend;
    // What the tracker judged (the premises of this test).
    expect(trend('catching').kind).toBe('catching-up');
    expect(trend('behind').kind).toBe('falling-behind');
    expect(trend('fresh').kind).toBe('steady');
    expect(report('behind').result.maxTimeLagMs).toBeGreaterThan(0);
    expect(report('fresh').result.maxTimeLagMs).toBe(0);
    expect(report('half').result.partitions[0]!.timeLag.kind).toBe('unknown');

    const labels = (g: string) => `{cluster="c",group="${g}"}`;
    for (const g of ['catching', 'behind', 'fresh', 'half']) {
      const r = report(g).result;
      const t = r.trend;
      expect(groupSeries('warren_consumer_time_lag_seconds').get(labels(g)), g).toBe(r.maxTimeLagMs === null ? undefined : r.maxTimeLagMs / 1000);
      expect(groupSeries('warren_consumer_lag_velocity').get(labels(g)), g).toBe(t.kind === 'unknown' ? undefined : t.velocity);
      expect(groupSeries('warren_consumer_catch_up_seconds').get(labels(g)), g).toBe(t.kind === 'catching-up' ? t.catchUpMs / 1000 : undefined);
      expect(groupSeries('warren_consumer_data_loss_seconds').get(labels(g)), g).toBe(t.kind === 'falling-behind' && t.dataLossMs !== null ? t.dataLossMs / 1000 : undefined);
      for (const p of r.partitions) {
        const key = `{cluster="c",group="${g}",topic="t",partition="${p.partition}"}`;
        expect(series(text, 'warren_partition_time_lag_seconds').get(key), `${g} ${p.partition}`).toBe(p.timeLag.kind === 'unknown' ? undefined : p.timeLag.ms / 1000);
      }
    }
    expect(groupSeries('warren_consumer_velocity')).toEqual(new Map());
    expect(groupSeries('warren_consumer_lag_velocity').get(labels('catching'))).toBeLessThan(0);
    expect(groupSeries('warren_consumer_lag_velocity').get(labels('behind'))).toBeGreaterThan(0);
    expect(groupSeries('warren_consumer_lag_velocity').get(labels('fresh'))).toBe(0);
    // Only the catching-up group has a catch-up time, only the one falling behind a data-loss time.
    expect([...groupSeries('warren_consumer_catch_up_seconds').keys()]).toEqual([labels('catching')]);
    expect([...groupSeries('warren_consumer_data_loss_seconds').keys()]).toEqual([labels('behind')]);
    expect(groupSeries('warren_consumer_data_loss_seconds').get(labels('behind'))).toBeGreaterThan(0);
    // No time lag for the partition that was never committed; the other partition of that group has one.
    expect(series(text, 'warren_partition_time_lag_seconds').has('{cluster="c",group="half",topic="t",partition="0"}')).toBe(false);
    expect(series(text, 'warren_partition_time_lag_seconds').has('{cluster="c",group="half",topic="t",partition="1"}')).toBe(true);
    expectPromtoolPasses(text);
    // By default (api.partitionTimeLagMetrics false) no per-partition time lag; the per-group series are the same.
    const plain = await defaults.render();
    expect(series(plain, 'warren_partition_time_lag_seconds')).toEqual(new Map());
    expect(series(plain, 'warren_consumer_time_lag_seconds')).toEqual(groupSeries('warren_consumer_time_lag_seconds'));
  });

  it('rebalancing 1 while a group rebalances, 0 when stable; events counted by kind, once per cycle', async () => {
    // Grace of one cycle: the group has settled (its client ids are the deploy baseline) by the second cycle.
    const tracker = new Tracker({ clusters: ['c'], intervals: 5, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 }, rebalanceGraceMs: STEP });
    const metrics = createMetrics({ state: tracker, processMetrics: false });
    const all: WarrenEvent[] = [];
    const cycle = (i: number, rollingMembers: { host: string; clientId: string; topic: string; partitions: number[] }[]) => {
      const { report, events } = tracker.ingest(
        buildScrape('c', T0 + i * STEP, {
          topics: { t: [1000 + i * 10, 1000 + i * 10] },
          groups: {
            steady: { committed: { t: { 0: 1000 + i * 10, 1: 1000 + i * 10 } }, members: [{ host: '/10.0.0.1', clientId: 'steady-1', topic: 't', partitions: [0, 1] }] },
            rolling: { committed: { t: { 0: 1000 + i * 10, 1: 1000 + i * 10 } }, members: rollingMembers },
          },
        }),
      );
      all.push(...events);
      metrics.sink.write(report, events);
      metrics.sink.write(report, events); // a second delivery counts nothing twice
    };
    const v1 = [{ host: '/10.0.0.2', clientId: 'rolling-v1', topic: 't', partitions: [0, 1] }];
    const v2 = [
      { host: '/10.0.0.2', clientId: 'rolling-v1', topic: 't', partitions: [0] },
      { host: '/10.0.0.3', clientId: 'rolling-v2', topic: 't', partitions: [1] },
    ];
    cycle(0, v1);
    cycle(1, v1);
    let text = await metrics.render();
    expect(series(text, 'warren_consumer_rebalancing')).toEqual(new Map([['{cluster="c",group="rolling"}', 0], ['{cluster="c",group="steady"}', 0]]));
    // Every kind has its series from the first cycle on, at 0.
    expect(series(text, 'warren_group_events_total')).toEqual(
      new Map(['status-change', 'group-gone', 'rebalance', 'deploy'].map((kind) => [`{cluster="c",kind="${kind}"}`, 0])),
    );
    cycle(2, v2); // a canary joins: rebalance and deploy
    text = await metrics.render();
    expect(tracker.groupReport('c', 'rolling')!.rebalance.kind).not.toBe('stable');
    expect(series(text, 'warren_consumer_rebalancing')).toEqual(new Map([['{cluster="c",group="rolling"}', 1], ['{cluster="c",group="steady"}', 0]]));
    const counted = (kind: string) => all.filter((e) => e.kind === kind).length;
    expect(counted('rebalance')).toBe(1);
    expect(counted('deploy')).toBe(1);
    const events = series(text, 'warren_group_events_total');
    for (const kind of ['status-change', 'group-gone', 'rebalance', 'deploy']) expect(events.get(`{cluster="c",kind="${kind}"}`), kind).toBe(counted(kind));
    expectPromtoolPasses(text);
  });

  it('promtool is the Debian package the setup script installs', () => {
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool, version 2\./);
  });
});
