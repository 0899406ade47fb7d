// Consumer group: one group of one cluster, partition by partition.
import { dashboard, esAnnotation, termsVariable } from '../dashboard.ts';
import { stat, statusCodeMapping, statusTimeline, table, timeseries } from '../panels.ts';
import type { PanelSpec } from '../panels.ts';
import { and, max, min, overTime, perValue, terms, uniqueCount, varFilter } from '../query.ts';
import { CURRENT_WINDOW } from './overview.ts';

export const CONSUMER_GROUP_UID = 'warren-consumer-group';

const GROUP = varFilter('cluster', 'group');
const PARTITIONS = varFilter('cluster', 'group', 'topic');
const PER_PARTITION = [terms('topic', { size: 100 }), perValue('partition')];

function latest(title: string, field: string, unit: string): PanelSpec {
  return stat(
    { title, w: 6, h: 4, timeFrom: CURRENT_WINDOW, color: 'blue', from: 0, calc: 'lastNotNull', unit },
    { kind: 'group', query: GROUP, metrics: [max(field)], buckets: [overTime()] },
  );
}

function currentStatus(): PanelSpec {
  const panel = stat(
    { title: 'Status', description: 'The latest status the group reported.', w: 6, h: 4, timeFrom: CURRENT_WINDOW, color: 'green', from: 0, calc: 'lastNotNull' },
    { kind: 'group', query: GROUP, metrics: [max('status_code')], buckets: [overTime()] },
  );
  panel.fieldConfig.defaults.mappings = [statusCodeMapping()];
  return panel;
}

export function consumerGroup(): Record<string, unknown> {
  return dashboard({
    uid: CONSUMER_GROUP_UID,
    title: 'Warren / Consumer group',
    description: 'One consumer group: lag and offsets per partition, partition status, owners, and why a partition is not OK.',
    tags: ['warren', 'kafka', 'consumer-lag'],
    time: { from: 'now-3h', to: 'now' },
    variables: [
      termsVariable('cluster', 'Cluster', 'group', { field: 'cluster' }, { multi: false, includeAll: false }),
      termsVariable('group', 'Consumer group', 'group', { field: 'group', query: 'cluster:$cluster' }, { multi: false, includeAll: false }),
      termsVariable('topic', 'Topic', 'partition', { field: 'topic', query: GROUP }, { multi: true, includeAll: true }),
    ],
    annotations: [esAnnotation('Status changes', 'event', GROUP, 'message', 'to_status', 'orange')],
    links: [{ title: 'Overview', url: '/d/warren-overview' }],
    rows: [
      [currentStatus(), latest('Total lag', 'total_lag', 'short'), latest('Max partition lag', 'max_lag', 'short'), latest('Members', 'member_count', 'none')],
      [
        timeseries(
          { title: 'Lag per partition', w: 24, h: 9, min: 0, maxDataPoints: 200 },
          { kind: 'partition', query: PARTITIONS, alias: '{{term topic}} / {{term partition}}', metrics: [max('lag')], buckets: [...PER_PARTITION, overTime()] },
        ),
      ],
      [
        timeseries(
          { title: 'Committed vs log-end offset', description: 'The gap between the two lines is the lag.', w: 24, h: 9, maxDataPoints: 200 },
          {
            kind: 'partition',
            query: PARTITIONS,
            alias: '{{term topic}} / {{term partition}} {{field}}',
            metrics: [max('committed_offset'), max('log_end_offset')],
            buckets: [...PER_PARTITION, overTime()],
          },
        ),
      ],
      [
        statusTimeline(
          { title: 'Partition status', description: 'Worst status of each partition per interval. Gaps: no document (the sink may skip OK partitions).', w: 24, h: 9, maxDataPoints: 200 },
          { kind: 'partition', query: PARTITIONS, alias: '{{term topic}} / {{term partition}}', metrics: [max('status_code')], buckets: [...PER_PARTITION, overTime()] },
        ),
      ],
      [
        table(
          {
            title: 'Owners and client ids',
            description: 'Which consumer (host and client id) owned how many partitions of each topic in the time range.',
            w: 12,
            h: 9,
            columns: [
              { from: 'owner', to: 'Owner' },
              { from: 'client_id', to: 'Client id' },
              { from: 'topic', to: 'Topic' },
              { from: 'Unique Count', to: 'Partitions' },
              { from: 'Max', to: 'Last seen', unit: 'dateTimeAsIso' },
            ],
            sortBy: { column: 'Last seen', desc: true },
          },
          {
            kind: 'partition',
            query: PARTITIONS,
            metrics: [uniqueCount('partition'), max('@timestamp')],
            buckets: [terms('owner', { size: 200 }), terms('client_id', { size: 200 }), terms('topic', { size: 100 })],
          },
        ),
        table(
          {
            title: 'Why not OK',
            description: 'Every partition status other than OK in the time range, with the rule that decided it.',
            w: 12,
            h: 9,
            columns: [
              { from: 'topic', to: 'Topic' },
              { from: 'partition', to: 'Partition' },
              { from: 'status', to: 'Status', status: 'name', width: 100 },
              { from: 'reason', to: 'Reason' },
              { from: 'Max lag', to: 'Peak lag', unit: 'short' },
              { from: 'Min', to: 'First seen', unit: 'dateTimeAsIso' },
              { from: 'Max @timestamp', to: 'Last seen', unit: 'dateTimeAsIso' },
            ],
            sortBy: { column: 'Last seen', desc: true },
          },
          {
            kind: 'partition',
            query: and(PARTITIONS, 'NOT status:OK'),
            metrics: [max('lag'), min('@timestamp'), max('@timestamp')],
            buckets: [...PER_PARTITION, terms('status', { size: 10 }), terms('reason', { size: 20 })],
          },
        ),
      ],
    ],
  });
}
