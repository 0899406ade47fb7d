// What Grafana's Elasticsearch datasource makes of a search response (grafana.md §3.2 step 6): a walk over
// the bucket aggregations in target order that collects `field=key` labels; a date histogram as the last
// bucket gives one time series per metric, anything else gives rows of one table. Series are named from the
// alias ({{term field}}, {{metric}}, {{field}}) or from their label values. In alerting the labels stay on
// the series (they become the alert's labels); in dashboards the name is what shows.
import type { BucketAgg, EsTarget, MetricAgg } from '../query.ts';

export interface Series {
  kind: 'series';
  name: string;
  labels: Record<string, string>;
  times: number[];
  values: (number | null)[];
}

export interface Table {
  kind: 'table';
  columns: string[];
  rows: (string | number | null)[][];
}

export type Frame = Series | Table;

const METRIC_NAMES: Record<string, string> = {
  count: 'Count',
  avg: 'Average',
  sum: 'Sum',
  max: 'Max',
  min: 'Min',
  cardinality: 'Unique Count',
};

export function metricName(type: string): string {
  return METRIC_NAMES[type] ?? type;
}

type Json = Record<string, unknown>;

function keyString(bucket: Json): string | undefined {
  if (typeof bucket.key_as_string === 'string') return bucket.key_as_string;
  if (typeof bucket.key === 'string') return bucket.key;
  if (typeof bucket.key === 'number') return String(Math.trunc(bucket.key));
  return undefined;
}

function metricValue(bucket: Json, m: MetricAgg): number | null {
  if (m.type === 'count') return typeof bucket.doc_count === 'number' ? bucket.doc_count : null;
  const agg = bucket[m.id] as Json | undefined;
  const v = agg?.value;
  return typeof v === 'number' ? v : null;
}

/** Column name of a metric in a table: "Max", or "Max lag" when another max metric exists (+ id if same field). */
export function tableMetricName(m: MetricAgg, target: EsTarget): string {
  let name = metricName(m.type);
  const others = target.metrics.filter((o) => o.id !== m.id && o.type === m.type);
  if (others.length > 0) {
    name += ` ${m.field ?? ''}`;
    if (others.some((o) => o.field === m.field)) name += ` ${m.id}`;
  }
  return name;
}

interface RawSeries {
  labels: Record<string, string>;
  metric: MetricAgg;
  times: number[];
  values: (number | null)[];
}

export function toFrames(target: EsTarget, response: Json, keepLabels: boolean): Frame[] {
  const aggs = (response.aggregations ?? {}) as Json;
  const maxDepth = target.bucketAggs.length - 1;
  const raw: RawSeries[] = [];
  let table: Table | null = null;

  const walk = (node: Json, depth: number, props: Record<string, string>): void => {
    for (const aggId of Object.keys(node).sort()) {
      const def: BucketAgg | undefined = target.bucketAggs.find((b) => b.id === aggId);
      if (!def) continue;
      const agg = node[aggId] as Json;
      const buckets = (agg.buckets ?? []) as Json[];
      if (depth === maxDepth) {
        if (def.type === 'date_histogram') {
          for (const m of target.metrics) {
            if (m.hide) continue;
            raw.push({ labels: { ...props }, metric: m, times: buckets.map((b) => Number(b.key)), values: buckets.map((b) => metricValue(b, m)) });
          }
        } else if (buckets.length > 0) {
          const propKeys = Object.keys(props).sort();
          table ??= { kind: 'table', columns: [...propKeys, def.field, ...target.metrics.map((m) => tableMetricName(m, target))], rows: [] };
          for (const b of buckets) {
            const key = typeof b.key === 'number' ? b.key : (keyString(b) ?? null);
            table.rows.push([...propKeys.map((k) => props[k]!), key, ...target.metrics.map((m) => metricValue(b, m))]);
          }
        }
      } else {
        for (const b of buckets) {
          const key = keyString(b);
          walk(b, depth + 1, key === undefined ? props : { ...props, [def.field]: key });
        }
      }
    }
  };
  walk(aggs, 0, {});
  if (table) return [table];

  const histogram = target.bucketAggs.find((b) => b.type === 'date_histogram');
  const trim = histogram?.type === 'date_histogram' ? Number(histogram.settings.trimEdges ?? 0) || 0 : 0;
  const metricTypes = new Set(raw.map((r) => r.metric.type));
  return raw.map((r) => {
    let times = r.times;
    let values = r.values;
    if (trim > 0 && times.length > trim * 2) {
      times = times.slice(trim, times.length - trim);
      values = values.slice(trim, values.length - trim);
    }
    const name = seriesName(target, r, metricTypes.size);
    return { kind: 'series', name, labels: keepLabels ? { ...r.labels } : {}, times, values };
  });
}

function seriesName(target: EsTarget, r: RawSeries, metricTypeCount: number): string {
  const mName = metricName(r.metric.type);
  const field = r.metric.type === 'count' ? '' : (r.metric.field ?? '');
  if (target.alias) {
    return target.alias.replace(/\{\{\s*(.+?)\s*\}\}/g, (whole, group: string) => {
      if (group.startsWith('term ')) return r.labels[group.slice(5)] ?? '';
      if (group in r.labels) return r.labels[group]!;
      if (group === 'metric') return mName;
      if (group === 'field') return field;
      return whole;
    });
  }
  const metric = field ? `${mName} ${field}` : mName;
  const keys = Object.keys(r.labels).sort();
  if (keys.length === 0) return metric;
  const labels = keys.map((k) => r.labels[k]).join(' ');
  return metricTypeCount === 1 ? labels : `${labels} ${metric}`;
}
