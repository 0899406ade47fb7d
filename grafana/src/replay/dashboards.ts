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
  /** The panel interval Grafana would compute ($__interval); its floor is the datasource's timeInterval. */
  intervalMs: number;
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
  const targets = (panel.targets as EsTarget[]).map((t) => ({ ...t, query: interpolate(t.query, ctx.vars) }));
  const searches = targets.map((t) => ({
    header: header(ctx.indexOf(t.datasource.uid)),
    body: targetBody(t, { ...range, intervalMs: ctx.intervalMs, timeField: '@timestamp' }),
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
