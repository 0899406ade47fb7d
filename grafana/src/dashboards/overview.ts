// Overview: every consumer group of the selected clusters at a glance.
import { dashboard, termsVariable } from '../dashboard.ts';
import { statusTimeline, stat, table, timeseries, statusColor } from '../panels.ts';
import type { StatusName } from '../panels.ts';
import { and, max, overTime, terms, uniqueCount, varFilter } from '../query.ts';

/** "Now" for panels that show the current state: at least one collector cycle (default 30 s), with margin. */
export const CURRENT_WINDOW = '2m';
/** Messages per second, as Grafana's custom-suffix unit. */
export const RATE_UNIT = 'suffix: msg/s';
const RECENT = `@timestamp:[now-${CURRENT_WINDOW} TO *]`;

function groupsIn(status: StatusName, code: number) {
  return stat(
    {
      title: `Groups ${status}`,
      description: `Consumer groups with a ${status} report in the last ${CURRENT_WINDOW} (a group that changed status within that window counts in both).`,
      w: 6,
      h: 4,
      timeFrom: CURRENT_WINDOW,
      color: statusColor(status),
      from: status === 'OK' ? 0 : 1,
      calc: 'sum',
      noValue: '0',
    },
    {
      kind: 'group',
      query: and(varFilter('cluster', 'group'), `status_code:${code}`),
      // Distinct groups per cluster: the same group name in two clusters is two groups. The stat sums the rows.
      metrics: [uniqueCount('group')],
      buckets: [terms('cluster', { size: 100 })],
    },
  );
}

export function overview(): Record<string, unknown> {
  return dashboard({
    uid: 'warren-overview',
    title: 'Warren / Overview',
    description: 'Consumer groups by Burrow status, their lag in messages and in time, and how their status changed over time.',
    tags: ['warren', 'kafka', 'consumer-lag'],
    time: { from: 'now-6h', to: 'now' },
    variables: [
      termsVariable('cluster', 'Cluster', 'group', { field: 'cluster' }, { multi: true, includeAll: true }),
      termsVariable('group', 'Consumer group', 'group', { field: 'group', query: 'cluster:$cluster' }, { multi: true, includeAll: true }),
    ],
    annotations: [],
    links: [
      { title: 'Consumer group', url: '/d/warren-consumer-group' },
      { title: 'Pipeline health', url: '/d/warren-pipeline' },
    ],
    rows: [
      [groupsIn('OK', 1), groupsIn('WARN', 2), groupsIn('ERR', 3), groupsIn('NOTFOUND', 0)],
      [
        table(
          {
            title: 'Consumer groups',
            description:
              `Status, total and max lag, max time lag and lag velocity from each group's reports in the last ${CURRENT_WINDOW}; ` +
              'last change is the newest status transition in the dashboard time range (empty: none in range).',
            w: 24,
            h: 10,
            columns: [
              { from: 'cluster', to: 'Cluster' },
              { from: 'group', to: 'Group' },
              { from: 'status', to: 'Status', status: 'name', width: 110 },
              { from: 'Max total_lag', to: 'Total lag', unit: 'short' },
              { from: 'Max max_lag', to: 'Max lag', unit: 'short' },
              { from: 'Max max_time_lag_ms', to: 'Max time lag', unit: 'ms' },
              { from: 'Max lag_velocity', to: 'Velocity', unit: RATE_UNIT },
              { from: 'Max', to: 'Last change', unit: 'dateTimeAsIso' },
              { from: 'Max @timestamp', to: 'Last report', unit: 'dateTimeAsIso' },
            ],
            sortBy: { column: 'Total lag', desc: true },
          },
          {
            kind: 'group',
            query: and(varFilter('cluster', 'group'), RECENT),
            metrics: [max('@timestamp'), max('total_lag'), max('max_lag')],
            // The status bucket with the newest document is the current status.
            buckets: [terms('cluster', { size: 100 }), terms('group', { size: 1000 }), terms('status', { size: 1, order: 'desc', orderBy: { metric: 0 } })],
          },
          {
            kind: 'event',
            query: and(varFilter('cluster', 'group'), 'kind:"status-change"'),
            metrics: [max('@timestamp')],
            buckets: [terms('cluster', { size: 100 }), terms('group', { size: 1000 })],
          },
          {
            kind: 'group',
            query: and(varFilter('cluster', 'group'), RECENT),
            metrics: [max('max_time_lag_ms'), max('lag_velocity')],
            buckets: [terms('cluster', { size: 100 }), terms('group', { size: 1000 })],
          },
        ),
      ],
      [
        statusTimeline(
          { title: 'Status over time', description: 'Worst status each group reported in each interval (50 groups per cluster; pick groups to see others).', w: 24, h: 9, maxDataPoints: 200 },
          {
            kind: 'group',
            query: varFilter('cluster', 'group'),
            alias: '{{term cluster}} / {{term group}}',
            metrics: [max('status_code')],
            buckets: [terms('cluster', { size: 20 }), terms('group', { size: 50 }), overTime()],
          },
        ),
      ],
      [
        timeseries(
          { title: 'Top groups by total lag', description: 'The 10 groups of each cluster with the highest total lag in the time range.', w: 24, h: 9, min: 0, maxDataPoints: 300 },
          {
            kind: 'group',
            query: varFilter('cluster', 'group'),
            alias: '{{term cluster}} / {{term group}}',
            metrics: [max('total_lag')],
            buckets: [terms('cluster', { size: 10 }), terms('group', { size: 10, order: 'desc', orderBy: { metric: 0 } }), overTime()],
          },
        ),
      ],
      [
        timeseries(
          {
            title: 'Top groups by max time lag',
            description: "The 10 groups of each cluster whose most delayed partition was furthest behind in time in the time range.",
            w: 24,
            h: 9,
            min: 0,
            unit: 'ms',
            maxDataPoints: 300,
          },
          {
            kind: 'group',
            query: varFilter('cluster', 'group'),
            alias: '{{term cluster}} / {{term group}}',
            metrics: [max('max_time_lag_ms')],
            buckets: [terms('cluster', { size: 10 }), terms('group', { size: 10, order: 'desc', orderBy: { metric: 0 } }), overTime()],
          },
        ),
      ],
    ],
  });
}
