// Pipeline health: the collector and its Elasticsearch sink, from the heartbeat documents (one per cluster
// per cycle). The sink's counters are totals since the collector started; they are shown as they are.
import { dashboard, termsVariable } from '../dashboard.ts';
import { stat, timeseries } from '../panels.ts';
import { and, count, max, overTime, terms, varFilter } from '../query.ts';
import { CURRENT_WINDOW } from './overview.ts';

export const PIPELINE_UID = 'warren-pipeline';

const CLUSTER = varFilter('cluster');

export function pipelineHealth(): Record<string, unknown> {
  return dashboard({
    uid: PIPELINE_UID,
    title: 'Warren / Pipeline health',
    description: "The collector's cycles and the Elasticsearch sink: is Warren itself working?",
    tags: ['warren', 'kafka', 'pipeline'],
    time: { from: 'now-6h', to: 'now' },
    variables: [termsVariable('cluster', 'Cluster', 'heartbeat', { field: 'cluster' }, { multi: true, includeAll: true })],
    annotations: [],
    links: [{ title: 'Overview', url: '/d/warren-overview' }],
    rows: [
      [
        stat(
          {
            title: 'Clusters failing',
            description: `Clusters with a heartbeat "ok: false" (the cluster could not be read) in the last ${CURRENT_WINDOW}.`,
            w: 6, h: 4, timeFrom: CURRENT_WINDOW, color: 'red', from: 1, calc: 'count', noValue: '0',
          },
          { kind: 'heartbeat', query: and(CLUSTER, 'ok:false'), metrics: [count()], buckets: [terms('cluster', { size: 100 })] },
        ),
        stat(
          { title: 'Slowest cycle', w: 6, h: 4, timeFrom: CURRENT_WINDOW, color: 'orange', from: 30000, calc: 'lastNotNull', unit: 'ms' },
          { kind: 'heartbeat', query: CLUSTER, metrics: [max('cycle_duration_ms')], buckets: [overTime()] },
        ),
        stat(
          { title: 'Spool', description: 'Bytes waiting in the disk spool for Elasticsearch.', w: 6, h: 4, timeFrom: CURRENT_WINDOW, color: 'orange', from: 1, calc: 'lastNotNull', unit: 'bytes' },
          { kind: 'heartbeat', query: CLUSTER, metrics: [max('spool_bytes')], buckets: [overTime()] },
        ),
        stat(
          { title: 'Documents dropped', description: 'Total since the collector started.', w: 6, h: 4, timeFrom: CURRENT_WINDOW, color: 'red', from: 1, calc: 'lastNotNull' },
          { kind: 'heartbeat', query: CLUSTER, metrics: [max('docs_dropped_total')], buckets: [overTime()] },
        ),
      ],
      [
        timeseries(
          { title: 'Cycle duration', w: 12, h: 8, unit: 'ms', min: 0 },
          { kind: 'heartbeat', query: CLUSTER, alias: '{{term cluster}}', metrics: [max('cycle_duration_ms')], buckets: [terms('cluster', { size: 100 }), overTime()] },
        ),
        timeseries(
          { title: 'Clusters failing', description: 'Heartbeats with "ok: false" per cluster and interval.', w: 12, h: 8, min: 0 },
          { kind: 'heartbeat', query: and(CLUSTER, 'ok:false'), alias: '{{term cluster}}', metrics: [count()], buckets: [terms('cluster', { size: 100 }), overTime()] },
        ),
      ],
      [
        timeseries(
          { title: 'Documents indexed', description: 'Total since the collector started.', w: 8, h: 8, min: 0, legend: 'list' },
          { kind: 'heartbeat', query: CLUSTER, alias: 'indexed', metrics: [max('docs_indexed_total')], buckets: [overTime()] },
        ),
        timeseries(
          { title: 'Bulk failures and dropped documents', description: 'Totals since the collector started.', w: 8, h: 8, min: 0, legend: 'list' },
          { kind: 'heartbeat', query: CLUSTER, alias: '{{field}}', metrics: [max('bulk_failures_total'), max('docs_dropped_total')], buckets: [overTime()] },
        ),
        timeseries(
          { title: 'Spool depth', w: 8, h: 8, unit: 'bytes', min: 0, legend: 'list' },
          { kind: 'heartbeat', query: CLUSTER, alias: 'spool', metrics: [max('spool_bytes')], buckets: [overTime()] },
        ),
      ],
      [
        timeseries(
          { title: 'Scrape errors per cycle', w: 24, h: 7, min: 0 },
          { kind: 'heartbeat', query: CLUSTER, alias: '{{term cluster}}', metrics: [max('errors')], buckets: [terms('cluster', { size: 100 }), overTime()] },
        ),
      ],
    ],
  });
}
