// Evaluation of a provisioned alert rule against a real Elasticsearch, the way Grafana's alerting does it
// (grafana.md §4.1): the datasource queries become one `_msearch`, their responses become labelled series,
// the server-side expressions (reduce, threshold, math) run in JavaScript, and the condition's numbers become
// alert instances. A rule is "no data" as soon as one of its queries returns nothing. Over several
// evaluations, `for` makes an instance Pending before it fires; a series that disappears resolves.
import type { EsTarget } from '../query.ts';
import type { Rule, RuleGroup } from '../alerting.ts';
import { toFrames } from './frames.ts';
import type { Frame, Series } from './frames.ts';
import { header, targetBody } from './msearch.ts';
import type { Body, MsearchHeader } from './msearch.ts';
import { Renderer } from './gotemplate.ts';

/** Runs searches as one `_msearch` and returns the responses in order. */
export type Msearch = (searches: { header: MsearchHeader; body: Body }[]) => Promise<Record<string, unknown>[]>;

export interface Num {
  labels: Record<string, string>;
  value: number | null;
}

export interface Capture {
  Labels: Record<string, string>;
  Value: number | null;
}

export type InstanceState = 'Alerting' | 'Normal' | 'NoData';

export interface Instance {
  labels: Record<string, string>;
  state: InstanceState;
  value: number | null;
  values: Record<string, Capture>;
}

export interface RuleEvaluation {
  /** Set when a datasource query returned no frames: Grafana then applies noDataState to the whole rule. */
  noData: { datasource_uid: string; ref_id: string } | null;
  error: string | null;
  instances: Instance[];
  /** Every query's frames and every expression's numbers, by refId, for assertions. */
  frames: Record<string, Frame[]>;
  numbers: Record<string, Num[]>;
  /** The `_msearch` bodies that were sent, by refId. */
  bodies: Record<string, Body>;
}

export function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');
}

function contains(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.entries(b).every(([k, v]) => a[k] === v);
}

export function parseDuration(s: string): number {
  const re = /(\d+)(ms|s|m|h|d|w)/g;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched += m[0];
  }
  if (matched !== s) throw new Error(`not a duration: "${s}"`);
  return total;
}

function reduceSeries(s: Series, reducer: string, settings: Record<string, unknown> | undefined): number | null {
  const mode = settings?.mode as string | undefined;
  let values: (number | null)[] = s.values;
  if (mode === 'dropNN') values = values.filter((v) => v !== null && !Number.isNaN(v));
  else if (mode === 'replaceNN') values = values.map((v) => (v === null || Number.isNaN(v) ? Number(settings?.replaceWithValue ?? 0) : v));
  else if (values.some((v) => v === null || Number.isNaN(v))) return reducer === 'count' ? values.length : NaN;
  const xs = values as number[];
  switch (reducer) {
    case 'count':
      return xs.length;
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'last':
      return xs.length ? xs[xs.length - 1]! : NaN;
    case 'max':
      return xs.length ? Math.max(...xs) : NaN;
    case 'min':
      return xs.length ? Math.min(...xs) : NaN;
    case 'mean':
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
    default:
      throw new Error(`reducer ${reducer} is not implemented here`);
  }
}

function evaluator(type: string, params: number[], v: number): boolean {
  const [a = NaN, b = NaN] = params;
  switch (type) {
    case 'gt':
      return v > a;
    case 'lt':
      return v < a;
    case 'within_range':
      return v > a && v < b;
    case 'outside_range':
      return v < a || v > b;
    default:
      throw new Error(`threshold ${type} is not implemented here`);
  }
}

/** `$X <op> number`, the form Warren's math expressions take (a comparison, or + - * / for display values). */
function mathOf(expression: string): { ref: string; op: string; n: number } {
  const m = /^\s*\$\{?(\w+)\}?\s*(==|!=|>=|<=|>|<|[-+*/])\s*(-?[\d.]+)\s*$/.exec(expression);
  if (!m) throw new Error(`math expression "${expression}" is not of the form $X <op> number`);
  return { ref: m[1]!, op: m[2]!, n: Number(m[3]) };
}

const ARITHMETIC: Record<string, (v: number, n: number) => number> = {
  '+': (v, n) => v + n,
  '-': (v, n) => v - n,
  '*': (v, n) => v * n,
  // Grafana's math: a division by 0 gives NaN or ±Inf, as in Go.
  '/': (v, n) => v / n,
};

function compare(op: string, v: number, n: number): boolean {
  switch (op) {
    case '==':
      return v === n;
    case '!=':
      return v !== n;
    case '>=':
      return v >= n;
    case '<=':
      return v <= n;
    case '>':
      return v > n;
    default:
      return v < n;
  }
}

/** One evaluation of a rule at `nowMs`, with the real Elasticsearch behind `search`. */
export async function evaluateRule(rule: Rule, indexOf: (uid: string) => string, search: Msearch, nowMs: number): Promise<RuleEvaluation> {
  const out: RuleEvaluation = { noData: null, error: null, instances: [], frames: {}, numbers: {}, bodies: {} };
  const dsQueries = rule.data.filter((d) => d.datasourceUid !== '__expr__');
  const searches = dsQueries.map((d) => {
    const model = d.model as unknown as EsTarget & { intervalMs?: number };
    const body = targetBody(model, {
      fromMs: nowMs - d.relativeTimeRange.from * 1000,
      toMs: nowMs - d.relativeTimeRange.to * 1000,
      intervalMs: model.intervalMs ?? 1000,
      timeField: '@timestamp',
    });
    out.bodies[d.refId] = body;
    return { header: header(indexOf(d.datasourceUid)), body };
  });
  const responses = searches.length ? await search(searches) : [];
  dsQueries.forEach((d, i) => {
    const r = responses[i]!;
    if (r.error) {
      out.error = `${d.refId}: ${JSON.stringify(r.error)}`;
      return;
    }
    out.frames[d.refId] = toFrames(d.model as unknown as EsTarget, r, true);
    if (out.frames[d.refId]!.length === 0 && !out.noData) out.noData = { datasource_uid: d.datasourceUid, ref_id: d.refId };
  });
  if (out.error) return out;

  const captures: { Var: string; Labels: Record<string, string>; Value: number | null }[] = [];
  for (const d of rule.data) {
    if (d.datasourceUid !== '__expr__') continue;
    const m = d.model as Record<string, unknown>;
    let nums: Num[];
    switch (m.type) {
      case 'reduce': {
        const input = out.frames[m.expression as string];
        if (!input) throw new Error(`${rule.uid}/${d.refId}: reduce of ${String(m.expression)}, which is not a query`);
        nums = (input.filter((f) => f.kind === 'series') as Series[]).map((s) => ({
          labels: s.labels,
          value: reduceSeries(s, m.reducer as string, m.settings as Record<string, unknown> | undefined),
        }));
        break;
      }
      case 'threshold': {
        const input = out.numbers[m.expression as string] ?? [];
        const ev = (m.conditions as { evaluator: { type: string; params: number[] } }[])[0]!.evaluator;
        nums = input.map((n) => ({ labels: n.labels, value: n.value === null ? null : evaluator(ev.type, ev.params, n.value) ? 1 : 0 }));
        break;
      }
      case 'math': {
        const { ref, op, n } = mathOf(m.expression as string);
        const arithmetic = ARITHMETIC[op];
        nums = (out.numbers[ref] ?? []).map((x) => ({
          labels: x.labels,
          value: x.value === null ? null : arithmetic ? arithmetic(x.value, n) : compare(op, x.value, n) ? 1 : 0,
        }));
        break;
      }
      default:
        throw new Error(`${rule.uid}/${d.refId}: expression type ${String(m.type)} is not implemented here`);
    }
    out.numbers[d.refId] = nums;
    for (const n of nums) captures.push({ Var: d.refId, Labels: n.labels, Value: n.value });
  }
  if (out.noData) return out;

  const seen = new Set<string>();
  for (const n of out.numbers[rule.condition] ?? []) {
    const key = labelKey(n.labels);
    if (seen.has(key)) {
      out.error = `frame cannot uniquely be identified by its labels: {${key}}`;
      return out;
    }
    seen.add(key);
    const values: Record<string, Capture> = {};
    for (const c of captures) {
      if (contains(n.labels, c.Labels) || contains(c.Labels, n.labels)) values[c.Var] = { Labels: c.Labels, Value: c.Value };
    }
    const state: InstanceState = n.value === null ? 'NoData' : n.value === 0 ? 'Normal' : 'Alerting';
    out.instances.push({ labels: n.labels, state, value: n.value, values });
  }
  if (out.instances.length === 0) out.noData = { datasource_uid: '', ref_id: rule.condition };
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Several evaluations: Pending, firing, resolved

export interface Alert {
  rule: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number | null;
  values: Record<string, Capture>;
}

interface Tracked {
  labels: Record<string, string>;
  state: 'Pending' | 'Alerting';
  startsAt: number;
  missing: number;
  values: Record<string, Capture>;
}

export interface Simulation {
  /** Per evaluation: instance key → Pending | Alerting. */
  history: { at: number; states: Record<string, 'Pending' | 'Alerting'>; evaluation: RuleEvaluation }[];
  firing: Alert[];
  resolved: Alert[];
}

const ANNOTATION_PRELUDE = '{{- $labels := .Labels -}}{{- $values := .Values -}}{{- $value := .Value -}}';

/** Renders a rule's annotations for one alert instance, as Grafana does (missing keys are errors). */
export function renderAnnotations(rule: Rule, labels: Record<string, string>, values: Record<string, Capture>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, text] of Object.entries(rule.annotations)) {
    const r = new Renderer({ missingKey: 'error' });
    out[k] = r.render(ANNOTATION_PRELUDE + text, { Labels: labels, Values: values, Value: '' });
  }
  return out;
}

export interface Step {
  at: number;
  indexOf: (uid: string) => string;
  search: Msearch;
}

/** Evaluates the rule at each step (ascending times) and runs Grafana's state machine over the results. */
export async function simulate(rule: Rule, group: RuleGroup, steps: Step[]): Promise<Simulation> {
  const forMs = parseDuration(rule.for);
  const tracked = new Map<string, Tracked>();
  const sim: Simulation = { history: [], firing: [], resolved: [] };
  const baseLabels = { ...rule.labels, alertname: rule.title, grafana_folder: group.folder };

  for (const { at, indexOf, search } of steps) {
    const ev = await evaluateRule(rule, indexOf, search, at);
    if (ev.error) throw new Error(`${rule.uid} at ${new Date(at).toISOString()}: ${ev.error}`);
    let results: Instance[] = ev.instances;
    if (ev.noData) {
      const noDataLabels: Record<string, string> = ev.noData.datasource_uid ? { datasource_uid: ev.noData.datasource_uid, ref_id: ev.noData.ref_id } : {};
      results =
        rule.noDataState === 'Alerting'
          ? [{ labels: noDataLabels, state: 'Alerting', value: null, values: {} }]
          : rule.noDataState === 'OK'
            ? []
            : [{ labels: { ...noDataLabels, alertname: 'DatasourceNoData' }, state: 'Alerting', value: null, values: {} }];
    }
    const current = new Set<string>();
    for (const r of results) {
      const key = labelKey(r.labels);
      current.add(key);
      const prev = tracked.get(key);
      if (r.state === 'Alerting') {
        if (!prev) {
          tracked.set(key, { labels: r.labels, state: forMs === 0 ? 'Alerting' : 'Pending', startsAt: at, missing: 0, values: r.values });
        } else {
          prev.missing = 0;
          prev.values = r.values;
          if (prev.state === 'Pending' && at - prev.startsAt >= forMs) {
            prev.state = 'Alerting';
            prev.startsAt = at;
          }
        }
      } else if (prev) {
        if (prev.state === 'Alerting') sim.resolved.push(toAlert(rule, baseLabels, prev, 'resolved', at));
        tracked.delete(key);
      }
    }
    for (const [key, t] of tracked) {
      if (current.has(key)) continue;
      t.missing += 1;
      // A series gone while Pending is Normal at once; a firing one resolves after 2 missing evaluations.
      if (t.state === 'Pending' || t.missing >= 2) {
        if (t.state === 'Alerting') sim.resolved.push(toAlert(rule, baseLabels, t, 'resolved', at));
        tracked.delete(key);
      }
    }
    const states: Record<string, 'Pending' | 'Alerting'> = {};
    for (const [key, t] of tracked) states[key] = t.state;
    sim.history.push({ at, states, evaluation: ev });
  }
  for (const t of tracked.values()) {
    if (t.state === 'Alerting') sim.firing.push(toAlert(rule, baseLabels, t, 'firing', null));
  }
  return sim;
}

function toAlert(rule: Rule, base: Record<string, string>, t: Tracked, status: 'firing' | 'resolved', endsAt: number | null): Alert {
  const labels = { ...t.labels, ...base };
  return {
    rule: rule.uid,
    status,
    labels,
    annotations: renderAnnotations(rule, t.labels, t.values),
    startsAt: t.startsAt,
    endsAt,
    values: t.values,
  };
}
