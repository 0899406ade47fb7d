// Elasticsearch targets in the shape Grafana stores them (grafana.md §2.2), built from a small declaration so
// that each query is written once: ids are assigned here (always strings), terms always carry orderBy + order,
// and the time histogram, when there is one, is always the last bucket aggregation.
import type { DocKind } from '../../collector/types.ts';
import { dsRef, TIME_FIELD } from './datasources.ts';
import type { DatasourceRef } from './datasources.ts';

export type MetricType = 'count' | 'avg' | 'sum' | 'max' | 'min' | 'cardinality';

export interface MetricAgg {
  id: string;
  type: MetricType;
  field?: string;
  hide?: boolean;
  settings?: Record<string, string>;
}

export interface TermsSettings {
  size: string;
  order: 'asc' | 'desc';
  /** `_term`, `_count`, or the id of a metric of the same target. */
  orderBy: string;
  min_doc_count: string;
}

export interface TermsAgg {
  id: string;
  type: 'terms';
  field: string;
  settings: TermsSettings;
}

export interface HistogramAgg {
  id: string;
  type: 'histogram';
  field: string;
  settings: { interval: string; min_doc_count: string };
}

export interface DateHistogramAgg {
  id: string;
  type: 'date_histogram';
  field: string;
  settings: { interval: string; min_doc_count: string; trimEdges?: string };
}

export type BucketAgg = TermsAgg | HistogramAgg | DateHistogramAgg;

export interface EsTarget {
  refId: string;
  datasource: DatasourceRef;
  queryType: 'lucene';
  query: string;
  alias?: string;
  metrics: MetricAgg[];
  bucketAggs: BucketAgg[];
  timeField: string;
}

// ---------------------------------------------------------------------------------------------------
// Declarations

export interface MetricDecl {
  type: MetricType;
  field?: string;
}

export type BucketDecl =
  | { type: 'terms'; field: string; size: number; order: 'asc' | 'desc'; orderBy: '_term' | '_count' | { metric: number } }
  | { type: 'histogram'; field: string; interval: number }
  | { type: 'date_histogram'; interval: string; trimEdges?: number };

export interface QueryDecl {
  kind: DocKind;
  /** Lucene query string; dashboard variables are interpolated by Grafana, never in alert rules. */
  query: string;
  metrics: MetricDecl[];
  buckets: BucketDecl[];
  alias?: string;
}

export const max = (field: string): MetricDecl => ({ type: 'max', field });
export const min = (field: string): MetricDecl => ({ type: 'min', field });
export const count = (): MetricDecl => ({ type: 'count' });
export const uniqueCount = (field: string): MetricDecl => ({ type: 'cardinality', field });

export function terms(
  field: string,
  options: { size?: number; order?: 'asc' | 'desc'; orderBy?: '_term' | '_count' | { metric: number } } = {},
): BucketDecl {
  return { type: 'terms', field, size: options.size ?? 500, order: options.order ?? 'asc', orderBy: options.orderBy ?? '_term' };
}

/** One bucket per integer value: how partitions are split without a terms aggregation on a number. */
export function perValue(field: string): BucketDecl {
  return { type: 'histogram', field, interval: 1 };
}

/** `auto` follows the panel's interval; alert rules pass an explicit one (grafana.md §4.7). */
export function overTime(interval = 'auto', trimEdges?: number): BucketDecl {
  return trimEdges === undefined ? { type: 'date_histogram', interval } : { type: 'date_histogram', interval, trimEdges };
}

/** The Grafana target for a declaration. Metric ids are 1…m, bucket ids follow. */
export function target(decl: QueryDecl, refId = 'A'): EsTarget {
  const metrics: MetricAgg[] = decl.metrics.map((m, i) => {
    const out: MetricAgg = { id: String(i + 1), type: m.type };
    if (m.field !== undefined) out.field = m.field;
    return out;
  });
  const bucketAggs: BucketAgg[] = decl.buckets.map((b, i) => {
    const id = String(decl.metrics.length + i + 1);
    switch (b.type) {
      case 'terms': {
        let orderBy: string;
        if (typeof b.orderBy === 'object') {
          const metric = metrics[b.orderBy.metric];
          if (!metric) throw new Error(`terms on ${b.field} orders by metric #${b.orderBy.metric}, which does not exist`);
          orderBy = metric.id;
        } else {
          orderBy = b.orderBy;
        }
        return { id, type: 'terms', field: b.field, settings: { size: String(b.size), order: b.order, orderBy, min_doc_count: '1' } };
      }
      case 'histogram':
        return { id, type: 'histogram', field: b.field, settings: { interval: String(b.interval), min_doc_count: '1' } };
      case 'date_histogram': {
        const settings: DateHistogramAgg['settings'] = { interval: b.interval, min_doc_count: '0' };
        if (b.trimEdges !== undefined) settings.trimEdges = String(b.trimEdges);
        return { id, type: 'date_histogram', field: TIME_FIELD, settings };
      }
    }
  });
  const out: EsTarget = {
    refId,
    datasource: dsRef(decl.kind),
    queryType: 'lucene',
    query: decl.query,
    metrics,
    bucketAggs,
    timeField: TIME_FIELD,
  };
  if (decl.alias !== undefined) out.alias = decl.alias;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Lucene helpers

/** A quoted Lucene phrase: exact on a keyword field, whatever characters the value has. */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The dashboard filter on the cluster/group variables, e.g. `cluster:$cluster AND group:$group`. */
export function varFilter(...names: string[]): string {
  return names.map((n) => `${n}:$${n}`).join(' AND ');
}

export function and(...parts: string[]): string {
  return parts.filter((p) => p.trim() !== '').map((p) => (/\s(OR|AND)\s/.test(p) && !/^\(.*\)$/.test(p) ? `(${p})` : p)).join(' AND ');
}
