// Replays what a provisioned dashboard asks Elasticsearch for: every panel target (with the panel's relative
// time override), every template variable and every annotation, with dashboard variables interpolated.
import type { EsTarget } from '../query.ts';
import type { Msearch } from './alerts.ts';
import { parseDuration } from './alerts.ts';
import { toFrames } from './frames.ts';
import type { Frame } from './frames.ts';
import { interpolate } from './interpolate.ts';
import type { VariableValue } from './interpolate.ts';
import { annotationBody, header, targetBody, variableBody } from './msearch.ts';
import type { Body, TermsFind } from './msearch.ts';

type Json = Record<string, any>;

export interface ReplayContext {
  nowMs: number;
  /** The datasource's min interval (`timeInterval`), the floor of `$__interval`. */
  minIntervalMs: number;
  /** Points per series when the panel sets no maxDataPoints (Grafana uses the panel's width in pixels). */
  defaultMaxDataPoints: number;
  vars: Record<string, VariableValue>;
  indexOf: (uid: string) => string;
  search: Msearch;
}

/** `now-6h` → [now − 6 h, now]; only the relative forms the dashboards use. */
export function timeRange(from: string, nowMs: number): { fromMs: number; toMs: number } {
  const m = /^now-(\d+[smhdw])$/.exec(from);
  if (!m) throw new Error(`unsupported time range ${from}`);
  return { fromMs: nowMs - parseDuration(m[1]!), toMs: nowMs };
}

/** Grafana's rounding of a raw interval to a "nice" one (kbn.roundInterval). */
export function roundInterval(ms: number): number {
  const steps: [number, number][] = [
    [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000], [7500, 5000],
    [12500, 10000], [17500, 15000], [25000, 20000], [45000, 30000], [90000, 60000], [210000, 120000],
    [450000, 300000], [900000, 600000], [1200000, 900000], [2700000, 1200000], [5400000, 1800000],
    [9000000, 3600000], [16200000, 7200000], [32400000, 10800000], [86400000, 21600000], [604800000, 86400000],
    [1814400000, 604800000], [3628800000, 2592000000],
  ];
  for (const [below, value] of steps) if (ms < below) return value;
  return 31536000000;
}

/** `$__interval` of a panel: the range over its max data points, rounded, at least the min interval. */
export function panelInterval(range: { fromMs: number; toMs: number }, maxDataPoints: number, minIntervalMs: number): number {
  return Math.max(minIntervalMs, roundInterval((range.toMs - range.fromMs) / maxDataPoints));
}

export function panelByTitle(dashboard: Json, title: string): Json {
  const panel = (dashboard.panels as Json[]).find((p) => p.title === title);
  if (!panel) throw new Error(`${String(dashboard.uid)} has no panel "${title}"`);
  return panel;
}

export interface PanelResult {
  refId: string;
  frames: Frame[];
  body: Body;
  error: unknown;
}

export async function runPanel(dashboard: Json, panel: Json, ctx: ReplayContext): Promise<PanelResult[]> {
  const range = panel.timeFrom ? { fromMs: ctx.nowMs - parseDuration(panel.timeFrom as string), toMs: ctx.nowMs } : timeRange(dashboard.time.from as string, ctx.nowMs);
  const intervalMs = panelInterval(range, (panel.maxDataPoints as number | undefined) ?? ctx.defaultMaxDataPoints, ctx.minIntervalMs);
  const targets = (panel.targets as EsTarget[]).map((t) => ({ ...t, query: interpolate(t.query, ctx.vars) }));
  const searches = targets.map((t) => ({
    header: header(ctx.indexOf(t.datasource.uid)),
    body: targetBody(t, { ...range, intervalMs, timeField: '@timestamp' }),
  }));
  const responses = await ctx.search(searches);
  return targets.map((t, i) => {
    const r = responses[i]!;
    return { refId: t.refId, frames: r.error ? [] : toFrames(t, r, false), body: searches[i]!.body, error: r.error ?? null };
  });
}

/** The values a `{"find":"terms"}` variable offers. */
export async function runVariable(dashboard: Json, name: string, ctx: ReplayContext): Promise<string[]> {
  const v = (dashboard.templating.list as Json[]).find((x) => x.name === name);
  if (!v) throw new Error(`${String(dashboard.uid)} has no variable ${name}`);
  const find = JSON.parse(v.query as string) as TermsFind;
  if (find.query) find.query = interpolate(find.query, ctx.vars);
  const body = variableBody(find, { ...timeRange(dashboard.time.from as string, ctx.nowMs), timeField: '@timestamp' });
  const [r] = await ctx.search([{ header: header(ctx.indexOf(v.datasource.uid as string)), body }]);
  if (r!.error) throw new Error(`variable ${name}: ${JSON.stringify(r!.error)}`);
  return ((r as Json).aggregations['1'].buckets as Json[]).map((b) => String(b.key));
}

export interface AnnotationEvent {
  time: number;
  text: string;
  tags: string[];
}

/** The events an Elasticsearch annotation shows: time, text and tags from the configured fields. */
export async function runAnnotation(dashboard: Json, name: string, ctx: ReplayContext): Promise<AnnotationEvent[]> {
  const a = (dashboard.annotations.list as Json[]).find((x) => x.name === name);
  if (!a) throw new Error(`${String(dashboard.uid)} has no annotation ${name}`);
  const query = interpolate(a.target.query as string, ctx.vars);
  const body = annotationBody(query, { ...timeRange(dashboard.time.from as string, ctx.nowMs), timeField: a.timeField as string });
  const [r] = await ctx.search([{ header: header(ctx.indexOf(a.datasource.uid as string)), body }]);
  if (r!.error) throw new Error(`annotation ${name}: ${JSON.stringify(r!.error)}`);
  return ((r as Json).hits.hits as Json[]).map((h) => {
    const src = h._source as Json;
    const tags = src[a.tagsField as string];
    return {
      time: Date.parse(src[a.timeField as string] as string),
      text: String(src[a.textField as string] ?? ''),
      tags: Array.isArray(tags) ? tags.map(String) : tags === undefined || tags === null ? [] : String(tags).split(',').map((s) => s.trim()),
    };
  });
}
