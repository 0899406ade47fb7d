// The `_msearch` request Grafana's Elasticsearch datasource sends for a panel target, a template variable
// and an annotation (grafana.md §2.3, §2.7, §3), written from that description and the plugin's documented
// behaviour so the tests can replay every provisioned query against a real Elasticsearch.
import type { BucketAgg, EsTarget, MetricAgg } from '../query.ts';

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface SearchContext extends TimeRange {
  /** The panel's interval (`$__interval_ms`); alerting uses the model's intervalMs, 1000 ms when unset. */
  intervalMs?: number;
  timeField: string;
}

export interface MsearchHeader {
  ignore_unavailable: true;
  index: string;
  search_type: 'query_then_fetch';
}

export type Body = Record<string, unknown>;

export function header(index: string): MsearchHeader {
  return { ignore_unavailable: true, index, search_type: 'query_then_fetch' };
}

/** The NDJSON of `_msearch`: header and body per search, each line ending with a newline. */
export function ndjson(searches: { header: MsearchHeader; body: Body }[]): string {
  return searches.map((s) => `${JSON.stringify(s.header)}\n${JSON.stringify(s.body)}\n`).join('');
}

function rangeFilter(ctx: SearchContext): Body {
  return { range: { [ctx.timeField]: { gte: ctx.fromMs, lte: ctx.toMs, format: 'epoch_millis' } } };
}

function filters(ctx: SearchContext, query: string): Body {
  const list: Body[] = [rangeFilter(ctx)];
  if (query.trim() !== '') list.push({ query_string: { query, analyze_wildcard: true } });
  // With one filter the plugin writes an object, not an array; Elasticsearch accepts both.
  return { bool: { filter: list.length === 1 ? list[0] : list } };
}

function intSetting(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return fallback;
}

/** Terms size: a number, or a numeric string; anything else, and 0, means 500. */
function termsSize(value: unknown): number {
  const n = intSetting(value, 500);
  return n === 0 ? 500 : n;
}

function metricAgg(m: MetricAgg): Body {
  const inner: Body = {};
  if (m.field) inner.field = m.field;
  for (const [k, v] of Object.entries(m.settings ?? {})) inner[k] = v;
  return { [m.type]: inner };
}

function bucketAgg(b: BucketAgg, target: EsTarget, ctx: SearchContext): { agg: Body; extra: Record<string, Body> } {
  const extra: Record<string, Body> = {};
  switch (b.type) {
    case 'date_histogram': {
      const interval = b.settings.interval || 'auto';
      const inner: Body = { field: b.field || ctx.timeField };
      if (['1w', '1M', '1q', '1y'].includes(interval)) {
        inner.calendar_interval = interval;
      } else {
        inner.fixed_interval = interval === 'auto' ? `${ctx.intervalMs && ctx.intervalMs > 0 ? ctx.intervalMs : 1000}ms` : interval;
      }
      inner.min_doc_count = intSetting(b.settings.min_doc_count, 0);
      inner.extended_bounds = { min: ctx.fromMs, max: ctx.toMs };
      inner.format = 'epoch_millis';
      return { agg: { date_histogram: inner }, extra };
    }
    case 'histogram': {
      const interval = Number(b.settings.interval);
      const inner: Body = { field: b.field, interval: Number.isFinite(interval) && interval !== 0 ? interval : 1000 };
      inner.min_doc_count = intSetting(b.settings.min_doc_count, 0);
      return { agg: { histogram: inner }, extra };
    }
    case 'terms': {
      const inner: Body = { field: b.field, size: termsSize(b.settings.size) };
      const orderBy = b.settings.orderBy;
      if (!orderBy) throw new Error(`terms on ${b.field} has no orderBy: older Grafana sends "order": {} and Elasticsearch rejects it`);
      const order = b.settings.order || 'desc';
      if (orderBy === '_term' || orderBy === '_key') {
        inner.order = { _key: order };
      } else if (orderBy === '_count') {
        inner.order = { _count: order };
      } else {
        const id = /^(\d+)/.exec(orderBy)?.[1];
        const metric = target.metrics.find((m) => m.id === id);
        if (!metric) throw new Error(`terms on ${b.field} orders by metric ${orderBy}, which the target does not have`);
        if (metric.type === 'count') {
          inner.order = { _count: order };
        } else {
          inner.order = { [orderBy]: order };
          extra[metric.id] = metricAgg(metric);
        }
      }
      if (b.settings.min_doc_count !== undefined) inner.min_doc_count = intSetting(b.settings.min_doc_count, 1);
      return { agg: { terms: inner }, extra };
    }
  }
}

/** The search body of a metric target (size 0, aggregations nested in bucketAggs order, metrics innermost). */
export function targetBody(target: EsTarget, ctx: SearchContext): Body {
  const metrics: Record<string, Body> = {};
  for (const m of target.metrics) {
    if (m.type !== 'count') metrics[m.id] = metricAgg(m);
  }
  let inner: Record<string, Body> | null = null;
  for (let i = target.bucketAggs.length - 1; i >= 0; i--) {
    const b = target.bucketAggs[i]!;
    const { agg, extra } = bucketAgg(b, target, ctx);
    const subs: Record<string, Body> = { ...extra, ...(inner ?? metrics) };
    if (Object.keys(subs).length > 0) agg.aggs = subs;
    inner = { [b.id]: agg };
  }
  const body: Body = { size: 0, query: filters(ctx, target.query) };
  if (inner) body.aggs = inner;
  return body;
}

export interface TermsFind {
  find: 'terms';
  field: string;
  query?: string;
  size?: number;
  orderBy?: 'key' | 'term' | 'doc_count';
  order?: 'asc' | 'desc';
}

/** The body of a `{"find":"terms"}` template variable (grafana.md §2.3). */
export function variableBody(find: TermsFind, ctx: SearchContext): Body {
  const byCount = find.orderBy === 'doc_count';
  const order = find.order ?? (byCount ? 'desc' : 'asc');
  return {
    size: 0,
    query: { bool: { filter: [rangeFilter(ctx), ...(find.query ? [{ query_string: { analyze_wildcard: true, query: find.query } }] : [])] } },
    aggs: { '1': { terms: { field: find.field, size: find.size ?? 500, order: { [byCount ? '_count' : '_key']: order } } } },
  };
}

/** The body of an Elasticsearch annotation query (grafana.md §2.7). */
export function annotationBody(query: string, ctx: SearchContext): Body {
  return {
    query: {
      bool: {
        filter: [
          { bool: { should: [rangeFilter(ctx)], minimum_should_match: 1 } },
          { query_string: { query } },
        ],
      },
    },
    size: 10000,
  };
}
