// Every provisioned panel query, variable query and annotation query, turned into the `_msearch` Grafana
// would send (grafana.md §3) and run against a real Elasticsearch 8 and 9 holding the bad scenario of
// test/helpers/grafana-scenario.ts. Each returns data with the expected numbers, and the column names the
// table panels rename really are the names the Elasticsearch datasource gives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Series, Table } from '../../grafana/src/replay/frames.ts';
import { panelByTitle, runAnnotation, runPanel, runVariable } from '../../grafana/src/replay/dashboards.ts';
import type { ReplayContext } from '../../grafana/src/replay/dashboards.ts';
import type { VariableValue } from '../../grafana/src/replay/interpolate.ts';
import { badScenario, CYCLE_MS, CYCLES, seed } from '../helpers/grafana-scenario.ts';
import type { Seeded } from '../helpers/grafana-scenario.ts';
import { ES_VERSIONS, esUrl } from '../helpers/services.ts';

type Json = Record<string, any>;
const GRAFANA = join(import.meta.dirname, '../../grafana');
const board = (name: string): Json => JSON.parse(readFileSync(join(GRAFANA, 'dashboards', `${name}.json`), 'utf8'));
const OVERVIEW = board('overview');
const CONSUMER = board('consumer-group');
const PIPELINE = board('pipeline-health');
const ALL = { all: true } as const;

function series(frames: Frame[]): Series[] {
  return frames.filter((f): f is Series => f.kind === 'series');
}
function onlyTable(frames: Frame[]): Table {
  expect(frames.length).toBe(1);
  expect(frames[0]!.kind).toBe('table');
  return frames[0] as Table;
}
function lastNotNull(s: Series): number | null {
  for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) return s.values[i]!;
  return null;
}
function byName(frames: Frame[]): Map<string, Series> {
  return new Map(series(frames).map((s) => [s.name, s]));
}
function rowsAsObjects(t: Table): Record<string, unknown>[] {
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
}
function column(t: Table, name: string): unknown[] {
  const i = t.columns.indexOf(name);
  expect(i, `column ${name} in ${t.columns.join(', ')}`).toBeGreaterThanOrEqual(0);
  return t.rows.map((r) => r[i]);
}

/** Grafana's "merge" transformation for tables that share key columns. */
function merge(tables: Table[]): Table {
  const columns = [...new Set(tables.flatMap((t) => t.columns))];
  const rows: Record<string, unknown>[] = [];
  for (const t of tables) {
    for (const row of rowsAsObjects(t)) {
      const match = rows.find((r) => t.columns.every((c) => !(c in r) || typeof row[c] === 'number' || r[c] === row[c]) && t.columns.some((c) => typeof row[c] === 'string' && r[c] === row[c]));
      if (match) Object.assign(match, row);
      else rows.push({ ...row });
    }
  }
  return { kind: 'table', columns, rows: rows.map((r) => columns.map((c) => (r[c] ?? null) as string | number | null)) };
}

describe.each(ES_VERSIONS)('grafana panel, variable and annotation queries on %s', (es) => {
  let s: Seeded;
  let now: number;
  const ctx = (vars: Record<string, VariableValue>): ReplayContext => ({ nowMs: now, minIntervalMs: 30_000, defaultMaxDataPoints: 1000, vars, indexOf: s.indexOf, search: s.search });
  const overviewVars = (): ReplayContext => ctx({ cluster: ALL, group: ALL });
  const groupVars = (): ReplayContext => ctx({ cluster: 'prod', group: 'orders-app', topic: ALL });
  const pipelineVars = (): ReplayContext => ctx({ cluster: ALL });

  beforeAll(async () => {
    s = await seed(esUrl(es), badScenario(), 'queries');
    now = s.t0 + 5_000;
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  it('every target of every panel is accepted by Elasticsearch and returns data', async () => {
    const empty: string[] = [];
    for (const [dashboard, vars] of [
      [OVERVIEW, overviewVars()],
      [CONSUMER, groupVars()],
      [PIPELINE, pipelineVars()],
    ] as const) {
      for (const panel of dashboard.panels as Json[]) {
        for (const r of await runPanel(dashboard, panel, vars)) {
          expect(r.error, `${dashboard.uid} / ${panel.title} / ${r.refId}`).toBeNull();
          const hasValue = r.frames.some((f) => (f.kind === 'series' ? f.values.some((v) => v !== null) : f.rows.length > 0));
          if (!hasValue) empty.push(`${panel.title} / ${r.refId}`);
        }
      }
    }
    // No group is NOTFOUND in this scenario; every other target has data.
    expect(empty).toEqual(['Groups NOTFOUND / A']);
  });

  it('the bodies sent are NDJSON _msearch with one header per search', () => {
    const body = s.sent.at(-1)!;
    const lines = body.trimEnd().split('\n');
    expect(lines.length % 2).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ ignore_unavailable: true, search_type: 'query_then_fetch' });
    expect(JSON.parse(lines[0]!).index).toMatch(new RegExp(`^${s.prefix}-(partition|group|event|heartbeat)-\\*$`));
  });

  it('table panels: every column they rename exists in what the datasource returns', async () => {
    for (const [dashboard, vars] of [
      [OVERVIEW, overviewVars()],
      [CONSUMER, groupVars()],
    ] as const) {
      for (const panel of (dashboard.panels as Json[]).filter((p) => p.type === 'table')) {
        const results = await runPanel(dashboard, panel, vars);
        const columns = new Set(results.flatMap((r) => r.frames.flatMap((f) => (f.kind === 'table' ? f.columns : []))));
        const organize = (panel.transformations as Json[]).find((t) => t.id === 'organize')!;
        for (const from of Object.keys(organize.options.renameByName)) expect(columns.has(from), `${panel.title}: ${from} in ${[...columns].join(', ')}`).toBe(true);
      }
    }
  });

  describe('overview', () => {
    it('groups by status: distinct groups per cluster in the last 2 minutes, summed', async () => {
      const count = async (title: string): Promise<number | null> => {
        const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, title), overviewVars());
        if (r!.frames.length === 0) return null;
        return (column(onlyTable(r!.frames), 'Unique Count') as number[]).reduce((a, b) => a + b, 0);
      };
      expect(await count('Groups OK')).toBe(4); // prod audit, reports, inventory (OK until 1 min ago); staging orders-app
      expect(await count('Groups WARN')).toBe(2); // billing, shipping
      expect(await count('Groups ERR')).toBe(3); // orders-app, payments, inventory
      expect(await count('Groups NOTFOUND')).toBeNull(); // no data: the panel shows its noValue, 0
    });

    it('consumer groups table: current status, total and max lag, last report and last change', async () => {
      const [a, b, c] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Consumer groups'), overviewVars());
      const current = onlyTable(a!.frames);
      expect(current.columns).toEqual(['cluster', 'group', 'status', 'Max @timestamp', 'Max total_lag', 'Max max_lag']);
      const changes = onlyTable(b!.frames);
      expect(changes.columns).toEqual(['cluster', 'group', 'Max']);
      const time = onlyTable(c!.frames);
      expect(time.columns).toEqual(['cluster', 'group', 'Max max_time_lag_ms', 'Max lag_velocity']);
      const merged = rowsAsObjects(merge([current, changes, time]));
      const row = (cluster: string, group: string) => merged.find((r) => r.cluster === cluster && r.group === group);
      expect(merged.length).toBe(8);
      expect(row('prod', 'orders-app')).toEqual({
        cluster: 'prod',
        group: 'orders-app',
        status: 'ERR',
        'Max @timestamp': s.t0,
        'Max total_lag': 1205,
        'Max max_lag': 1200,
        Max: s.t0 - (CYCLES - 1) * CYCLE_MS,
        // The stuck partition, 24.5 minutes behind in the newest report (the max of the last 2 minutes).
        'Max max_time_lag_ms': 1_470_000,
        'Max lag_velocity': 0,
      });
      expect(row('prod', 'audit')).toMatchObject({ 'Max max_time_lag_ms': 200_000, 'Max lag_velocity': -40 });
      expect(row('prod', 'reports')).toMatchObject({ 'Max max_time_lag_ms': 150_000, 'Max lag_velocity': 5 });
      expect(row('prod', 'billing')).toMatchObject({ 'Max max_time_lag_ms': 7_000, 'Max lag_velocity': 0.5 });
      expect(row('prod', 'inventory')).toMatchObject({ status: 'ERR', 'Max total_lag': 50, Max: s.t0 - CYCLE_MS });
      expect(row('prod', 'shipping')).toMatchObject({ status: 'WARN', Max: s.t0 - 9 * CYCLE_MS });
      expect(row('prod', 'audit')).toMatchObject({ status: 'OK', 'Max total_lag': 20000, Max: null });
      expect(row('staging', 'orders-app')).toMatchObject({ status: 'OK', 'Max total_lag': 3, Max: s.t0 - 20 * CYCLE_MS });
    });

    it('status over time: one row per cluster/group with the worst status per interval', async () => {
      const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Status over time'), overviewVars());
      const named = byName(r!.frames);
      expect([...named.keys()].sort()).toEqual(
        ['prod / audit', 'prod / billing', 'prod / inventory', 'prod / orders-app', 'prod / payments', 'prod / reports', 'prod / shipping', 'staging / orders-app'].sort(),
      );
      // 6 hours in at most 200 points: 2-minute buckets (the datasource's 30 s floor does not bite here).
      const body = (await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Status over time'), overviewVars()))[0]!.body as Json;
      expect(body.aggs['2'].aggs['3'].aggs['4'].date_histogram.fixed_interval).toBe('120000ms');
      const inventory = named.get('prod / inventory')!.values.filter((v) => v !== null);
      expect(inventory.length).toBeGreaterThanOrEqual(CYCLES / 4);
      expect(inventory.at(-1)).toBe(3);
      expect(inventory.slice(0, -2).every((v) => v === 1)).toBe(true);
      expect(named.get('prod / billing')!.values.filter((v) => v !== null).every((v) => v === 2)).toBe(true);
    });

    it('top groups by lag: the highest total lag first', async () => {
      const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Top groups by total lag'), overviewVars());
      const all = series(r!.frames);
      expect(all.map((x) => x.name)).toEqual([
        'prod / audit',
        'prod / reports',
        'prod / orders-app',
        'prod / billing',
        'prod / payments',
        'prod / shipping',
        'prod / inventory',
        'staging / orders-app',
      ]);
      expect(all.map(lastNotNull)).toEqual([20000, 15000, 1205, 700, 300, 100, 50, 3]);
    });

    it('top groups by max time lag: the most delayed first, in ms', async () => {
      const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Top groups by max time lag'), overviewVars());
      const all = series(r!.frames);
      expect(all.map((x) => x.name)).toEqual([
        'prod / payments',
        'prod / orders-app',
        'prod / audit',
        'prod / reports',
        'prod / billing',
        'prod / shipping',
        'prod / inventory',
        'staging / orders-app',
      ]);
      expect(all.map(lastNotNull)).toEqual([1_770_000, 1_470_000, 200_000, 150_000, 7_000, 1_000, 500, 30]);
      // The stuck partitions fall further behind, interval after interval.
      const payments = all[0]!.values.filter((v): v is number => v !== null);
      expect(payments.every((v, i) => i === 0 || v > payments[i - 1]!)).toBe(true);
    });

    it('variables: clusters, and the groups of the chosen cluster', async () => {
      expect(await runVariable(OVERVIEW, 'cluster', overviewVars())).toEqual(['prod', 'staging']);
      expect(await runVariable(OVERVIEW, 'group', ctx({ cluster: 'staging' }))).toEqual(['orders-app']);
      expect(await runVariable(OVERVIEW, 'group', ctx({ cluster: ALL }))).toEqual(['audit', 'billing', 'inventory', 'orders-app', 'payments', 'reports', 'shipping']);
    });
  });

  describe('consumer group prod/orders-app', () => {
    it('latest status, total lag, max lag and members', async () => {
      const latest = async (title: string) => {
        const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, title), groupVars());
        const [only] = series(r!.frames);
        return lastNotNull(only!);
      };
      expect(await latest('Status')).toBe(3);
      expect(await latest('Total lag')).toBe(1205);
      expect(await latest('Max partition lag')).toBe(1200);
      expect(await latest('Members')).toBe(2);
    });

    it('lag per partition', async () => {
      const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Lag per partition'), groupVars());
      const named = byName(r!.frames);
      expect([...named.keys()]).toEqual(['orders / 0', 'orders / 1', 'orders / 2']);
      expect([...named.values()].map(lastNotNull)).toEqual([0, 5, 1200]);
    });

    it('committed vs log-end offsets: the stalled partition does not move, the others do', async () => {
      const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Committed vs log-end offset'), groupVars());
      const named = byName(r!.frames);
      expect(named.size).toBe(6);
      const values = (name: string) => named.get(name)!.values.filter((v): v is number => v !== null);
      expect(values('orders / 2 committed_offset').every((v) => v === 5000)).toBe(true);
      expect(values('orders / 2 log_end_offset').every((v) => v === 6200)).toBe(true);
      expect(values('orders / 0 committed_offset')[0]).toBe(1000);
      expect(values('orders / 0 committed_offset').at(-1)).toBe(1000 + 10 * (CYCLES - 1));
      expect(values('orders / 1 log_end_offset').at(-1)! - values('orders / 1 committed_offset').at(-1)!).toBe(5);
    });

    it('partition status timeline', async () => {
      const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Partition status'), groupVars());
      const named = byName(r!.frames);
      expect(lastNotNull(named.get('orders / 2')!)).toBe(5); // STALL
      expect(lastNotNull(named.get('orders / 0')!)).toBe(1);
    });

    it('owners and client ids', async () => {
      const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Owners and client ids'), groupVars());
      const t = onlyTable(r!.frames);
      expect(rowsAsObjects(t)).toEqual([
        { client_id: 'orders-1', owner: '/10.0.0.1', topic: 'orders', 'Unique Count': 2, Max: s.t0 },
        { client_id: 'orders-2', owner: '/10.0.0.2', topic: 'orders', 'Unique Count': 1, Max: s.t0 },
      ]);
    });

    it('why not OK: the reason of each non-OK partition status', async () => {
      const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Why not OK'), groupVars());
      expect(rowsAsObjects(onlyTable(r!.frames))).toEqual([
        { partition: '2', status: 'STALL', topic: 'orders', reason: 'stalled', 'Max lag': 1200, Min: s.t0 - (CYCLES - 1) * CYCLE_MS, 'Max @timestamp': s.t0 },
      ]);
      const [payments] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Why not OK'), ctx({ cluster: 'prod', group: 'payments', topic: ALL }));
      expect(rowsAsObjects(onlyTable(payments!.frames))).toMatchObject([{ partition: '0', status: 'STOP', reason: 'stopped', 'Max lag': 300 }]);
    });

    it('events as annotations', async () => {
      const events = await runAnnotation(CONSUMER, 'Status changes', groupVars());
      expect(events).toEqual([{ time: s.t0 - (CYCLES - 1) * CYCLE_MS, text: 'orders-app on prod: OK → ERR (orders/2: stalled)', tags: ['ERR'] }]);
    });

    it('rebalances and deploys as annotations: the message names the change and lists the offsets', async () => {
      const rebalances = (await runAnnotation(CONSUMER, 'Rebalances', groupVars())).sort((x, y) => x.time - y.time);
      expect(rebalances).toEqual([
        {
          time: s.t0 - (CYCLES - 1) * CYCLE_MS,
          text: 'group orders-app: rebalance, epoch 6 → 7, Stable → PreparingRebalance, 2 members; joined orders-2 (/10.0.0.2); offsets: orders p0=1000, p1=2000 (lag 5), p2=5000 (lag 1200)',
          tags: ['PreparingRebalance'],
        },
        {
          time: s.t0 - 5 * CYCLE_MS,
          text: `group orders-app: rebalance, epoch 7 → 8, Stable → CompletingRebalance, 2 members; joined orders-1 (/10.0.0.1); left orders-1 (/10.0.0.1); offsets: orders p0=${1000 + 10 * (CYCLES - 6)}, p1=${2000 + 10 * (CYCLES - 6)} (lag 5), p2=5000 (lag 1200)`,
          tags: ['CompletingRebalance'],
        },
      ]);
      expect(await runAnnotation(CONSUMER, 'Deploys', groupVars())).toEqual([
        {
          time: s.t0 - (CYCLES - 1) * CYCLE_MS,
          text: 'group orders-app: deploy, client ids orders-1 → orders-1, orders-2; hosts /10.0.0.1 → /10.0.0.1, /10.0.0.2; offsets: orders p0=1000, p1=2000 (lag 5), p2=5000 (lag 1200)',
          tags: ['orders-1', 'orders-2'],
        },
      ]);
      // Other groups had none; status changes are not shown as rebalances.
      expect(await runAnnotation(CONSUMER, 'Rebalances', ctx({ cluster: 'prod', group: 'payments', topic: ALL }))).toEqual([]);
      expect(await runAnnotation(CONSUMER, 'Deploys', ctx({ cluster: 'prod', group: 'payments', topic: ALL }))).toEqual([]);
    });

    it('max time lag now and over time, time lag per partition', async () => {
      const [stat] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Max time lag'), groupVars());
      expect(lastNotNull(series(stat!.frames)[0]!)).toBe(1_470_000);
      const [over] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Max time lag over time'), groupVars());
      const max = byName(over!.frames).get('max time lag')!;
      expect(lastNotNull(max)).toBe(1_470_000);
      const values = max.values.filter((v): v is number => v !== null);
      expect(values[0]).toBeGreaterThanOrEqual(600_000);
      expect(values.every((v, i) => i === 0 || v > values[i - 1]!)).toBe(true);
      const [per] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Time lag per partition'), groupVars());
      const named = byName(per!.frames);
      expect([...named.keys()]).toEqual(['orders / 0', 'orders / 1', 'orders / 2']);
      expect([...named.values()].map(lastNotNull)).toEqual([0, 50, 1_470_000]);
    });

    it('trend: velocity, catch-up and data-loss times of the latest report, each only where it applies', async () => {
      const trend = async (group: string) => {
        const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Trend'), ctx({ cluster: 'prod', group, topic: ALL }));
        return Object.fromEntries([...byName(r!.frames)].map(([name, x]) => [name, lastNotNull(x)]));
      };
      expect(await trend('orders-app')).toEqual({ lag_velocity: 0, catch_up_ms: null, data_loss_ms: null });
      expect(await trend('audit')).toEqual({ lag_velocity: -40, catch_up_ms: 500_000, data_loss_ms: null });
      expect(await trend('reports')).toEqual({ lag_velocity: 5, catch_up_ms: null, data_loss_ms: 3_600_000 });
      expect(await trend('billing')).toEqual({ lag_velocity: 0.5, catch_up_ms: null, data_loss_ms: 7_200_000 });
      // The names the stat's overrides rename are the names the datasource gives.
      const overrides = (panelByTitle(CONSUMER, 'Trend').fieldConfig.overrides as Json[]).map((o) => o.matcher.options);
      expect(overrides.sort()).toEqual(Object.keys(await trend('audit')).sort());
    });

    it('canary split: lag and time lag by client id and by host, the canary apart from the rest', async () => {
      const split = async (title: string) => {
        const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, title), groupVars());
        return Object.fromEntries([...byName(r!.frames)].map(([name, x]) => [name, lastNotNull(x)]));
      };
      // orders-2 on /10.0.0.2 is the canary deployed 15 minutes ago; its partition is stuck.
      expect(await split('Max lag by client id')).toEqual({ 'orders-1': 5, 'orders-2': 1200 });
      expect(await split('Max time lag by client id')).toEqual({ 'orders-1': 50, 'orders-2': 1_470_000 });
      expect(await split('Max lag by host')).toEqual({ '/10.0.0.1': 5, '/10.0.0.2': 1200 });
      expect(await split('Max time lag by host')).toEqual({ '/10.0.0.1': 50, '/10.0.0.2': 1_470_000 });
      // An unowned partition (payments/0 is STOP, nobody owns it) shows as its own, empty owner.
      const [payments] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Max time lag by host'), ctx({ cluster: 'prod', group: 'payments', topic: ALL }));
      expect(Object.fromEntries([...byName(payments!.frames)].map(([name, x]) => [name, lastNotNull(x)]))).toEqual({ '': 1_770_000, '/10.0.0.3': 0 });
    });

    it('variables: cluster, group, topic', async () => {
      expect(await runVariable(CONSUMER, 'cluster', groupVars())).toEqual(['prod', 'staging']);
      expect(await runVariable(CONSUMER, 'group', groupVars())).toContain('orders-app');
      expect(await runVariable(CONSUMER, 'topic', groupVars())).toEqual(['orders']);
      expect(await runVariable(CONSUMER, 'topic', ctx({ cluster: 'prod', group: 'billing' }))).toEqual(['billing-events']);
    });
  });

  describe('pipeline health', () => {
    it('clusters failing now, slowest cycle, spool, dropped documents', async () => {
      const [failing] = await runPanel(PIPELINE, panelByTitle(PIPELINE, 'Clusters failing'), pipelineVars());
      expect(rowsAsObjects(onlyTable(failing!.frames))).toEqual([{ cluster: 'staging', Count: 4 }]); // stat "count" of rows: 1 cluster
      const latest = async (title: string) => lastNotNull(series((await runPanel(PIPELINE, panelByTitle(PIPELINE, title), pipelineVars()))[0]!.frames)[0]!);
      expect(await latest('Slowest cycle')).toBe(1200);
      expect(await latest('Spool')).toBe(4096);
      expect(await latest('Documents dropped')).toBe(0);
    });

    it('cycle duration, failing scrapes and errors per cluster; sink counters', async () => {
      const run = async (title: string) => byName((await runPanel(PIPELINE, panelByTitle(PIPELINE, title), pipelineVars()))[0]!.frames);
      const cycle = await run('Cycle duration');
      expect(lastNotNull(cycle.get('prod')!)).toBe(1200);
      expect(lastNotNull(cycle.get('staging')!)).toBe(800);
      const failing = (await runPanel(PIPELINE, (PIPELINE.panels as Json[]).filter((p) => p.title === 'Clusters failing' && p.type === 'timeseries')[0]!, pipelineVars()))[0]!;
      const staging = byName(failing.frames).get('staging')!;
      expect(staging.values.reduce((a: number, b) => a + (b ?? 0), 0)).toBe(10);
      expect(byName(failing.frames).has('prod')).toBe(false);
      expect(lastNotNull((await run('Documents indexed')).get('indexed')!)).toBe(1000 + 100 * (CYCLES - 1));
      const sink = await run('Bulk failures and dropped documents');
      expect(lastNotNull(sink.get('bulk_failures_total')!)).toBe(2);
      expect(lastNotNull(sink.get('docs_dropped_total')!)).toBe(0);
      expect(lastNotNull((await run('Spool depth')).get('spool')!)).toBe(4096);
      const errors = await run('Scrape errors per cycle');
      expect(lastNotNull(errors.get('staging')!)).toBe(1);
      expect(lastNotNull(errors.get('prod')!)).toBe(0);
    });

    it('the cluster variable reads heartbeats', async () => {
      expect(await runVariable(PIPELINE, 'cluster', pipelineVars())).toEqual(['prod', 'staging']);
    });
  });
});
