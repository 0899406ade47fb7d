// Helpers for the end-to-end pipeline test (test/integration/pipeline.test.ts): Grafana's queries replayed
// against the indices a real Elasticsearch sink wrote under a test prefix, and the numbers Grafana should
// show, computed from what the real collector reported (bucketed the way a date_histogram buckets them).
import type { Client } from '@elastic/elasticsearch';
import { DATASOURCES } from '../../grafana/src/datasources.ts';
import type { Msearch, Step } from '../../grafana/src/replay/alerts.ts';
import type { Frame, Series, Table } from '../../grafana/src/replay/frames.ts';
import type { Body } from '../../grafana/src/replay/msearch.ts';
import { ndjson } from '../../grafana/src/replay/msearch.ts';

export interface Replay {
  /** Datasource uid → the index pattern of the test's prefix (the provisioned `warren-<kind>-*`, renamed). */
  indexOf: (uid: string) => string;
  search: Msearch;
  /** The NDJSON bodies sent, for inspection. */
  sent: string[];
}

/**
 * The provisioned datasources' index patterns with `warren-` replaced by the test's prefix (the same
 * rewrite as test/helpers/grafana-scenario.ts), and `_msearch` against the real Elasticsearch.
 */
export function replayOn(client: Client, prefix: string): Replay {
  const byUid = new Map(Object.values(DATASOURCES).map((d) => [d.uid, d.index.replace(/^warren-/, `${prefix}-`)]));
  const sent: string[] = [];
  const indexOf = (uid: string): string => {
    const index = byUid.get(uid);
    if (!index) throw new Error(`no provisioned datasource has uid ${uid}`);
    return index;
  };
  const search: Msearch = async (searches) => {
    const body = ndjson(searches);
    sent.push(body);
    const res = (await client.transport.request({
      method: 'POST',
      path: '/_msearch',
      querystring: { max_concurrent_shard_requests: 5 },
      bulkBody: body,
    })) as { responses: Record<string, unknown>[] };
    return res.responses;
  };
  return { indexOf, search, sent };
}

/** Evaluation times one minute apart, `offsetMs` into each minute, from `fromMinute` to `toMinute` (ms, inclusive). */
export function minuteSteps(replay: Replay, fromMinute: number, toMinute: number, offsetMs = 5_000): Step[] {
  const steps: Step[] = [];
  for (let m = fromMinute; m <= toMinute; m += 60_000) steps.push({ at: m + offsetMs, indexOf: replay.indexOf, search: replay.search });
  return steps;
}

export const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit;

// ---------------------------------------------------------------------------------------------------
// Frames

export function seriesOf(frames: Frame[]): Series[] {
  return frames.filter((f): f is Series => f.kind === 'series');
}

export function byName(frames: Frame[]): Map<string, Series> {
  return new Map(seriesOf(frames).map((s) => [s.name, s]));
}

export function onlyTable(frames: Frame[]): Table {
  if (frames.length !== 1 || frames[0]!.kind !== 'table') throw new Error(`expected one table, got ${JSON.stringify(frames.map((f) => f.kind))}`);
  return frames[0] as Table;
}

export function rowsAsObjects(t: Table): Record<string, unknown>[] {
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
}

export function lastNotNull(s: Series): number | null {
  for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) return s.values[i]!;
  return null;
}

/** A series' points as bucket time → value, leaving out empty buckets (null, or 0 for counts when `dropZero`). */
export function points(s: Series, dropZero = false): Map<number, number> {
  const out = new Map<number, number>();
  s.times.forEach((t, i) => {
    const v = s.values[i];
    if (v === null || v === undefined || (dropZero && v === 0)) return;
    out.set(t, v);
  });
  return out;
}

/** The `fixed_interval` of the (first) date_histogram in a search body, in ms. */
export function histogramInterval(body: Body): number {
  let found: string | undefined;
  const walk = (node: unknown): void => {
    if (found !== undefined || node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const dh = o.date_histogram as { fixed_interval?: string } | undefined;
    if (dh?.fixed_interval) {
      found = dh.fixed_interval;
      return;
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(body);
  const m = /^(\d+)ms$/.exec(found ?? '');
  if (!m) throw new Error(`no fixed_interval in ms in ${JSON.stringify(body)}`);
  return Number(m[1]);
}

// ---------------------------------------------------------------------------------------------------
// Expected numbers, from the collector's own reports

export interface Point {
  t: number;
  v: number;
}

/** What a date_histogram with `intervalMs` and a `max` (or `count`) metric gives over [fromMs, toMs]. */
export function bucketed(ps: readonly Point[], intervalMs: number, range: { fromMs: number; toMs: number }, how: 'max' | 'count' = 'max'): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of ps) {
    if (p.t < range.fromMs || p.t > range.toMs) continue;
    const key = floorTo(p.t, intervalMs);
    const prev = out.get(key);
    out.set(key, how === 'count' ? (prev ?? 0) + 1 : prev === undefined ? p.v : Math.max(prev, p.v));
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}
