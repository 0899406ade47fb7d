// Consumer group: one group of one cluster, partition by partition.
import { dashboard, esAnnotation, termsVariable } from '../dashboard.ts';
import { stat, statusCodeMapping, statusTimeline, table, timeseries } from '../panels.ts';
import type { PanelSpec } from '../panels.ts';
import { and, max, min, overTime, perValue, terms, uniqueCount, varFilter } from '../query.ts';
import { DEFAULT_TIME_LAG_MS } from '../thresholds.ts';
import { CURRENT_WINDOW, RATE_UNIT } from './overview.ts';

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

/** The group's most delayed partition, now; orange from the time-lag alert's default threshold. */
function maxTimeLag(thresholdMs: number): PanelSpec {
  return stat(
    {
      title: 'Max time lag',
      description: 'How long ago the record at the committed offset of the most delayed partition was produced (the latest report).',
      w: 6,
      h: 4,
      timeFrom: CURRENT_WINDOW,
      color: 'orange',
      from: thresholdMs,
      calc: 'lastNotNull',
      unit: 'ms',
      noValue: 'unknown',
    },
    { kind: 'group', query: GROUP, metrics: [max('max_time_lag_ms')], buckets: [overTime()] },
  );
}

/** Velocity, catch-up time and data-loss time of the latest report: one query, three named values. */
function trend(): PanelSpec {
  const panel = stat(
    {
      title: 'Trend',
      description:
        'Velocity: change of the total lag in messages per second over the last three intervals (positive: falling behind). ' +
        'Catch-up in: when the lag reaches 0 at this pace (only while catching up). ' +
        'Data loss in: when retention deletes records not yet consumed at this pace (only while falling behind, with the log start known).',
      w: 18,
      h: 4,
      timeFrom: CURRENT_WINDOW,
      color: 'transparent',
      from: 0,
      calc: 'lastNotNull',
      noValue: '–',
    },
    { kind: 'group', query: GROUP, alias: '{{field}}', metrics: [max('lag_velocity'), max('catch_up_ms'), max('data_loss_ms')], buckets: [overTime()] },
  );
  panel.options.textMode = 'value_and_name';
  const named = (from: string, displayName: string, unit: string) => ({
    matcher: { id: 'byName', options: from },
    properties: [
      { id: 'displayName', value: displayName },
      { id: 'unit', value: unit },
    ],
  });
  panel.fieldConfig.overrides.push(named('lag_velocity', 'Velocity', RATE_UNIT), named('catch_up_ms', 'Catch-up in', 'ms'), named('data_loss_ms', 'Data loss in', 'ms'));
  return panel;
}

/** Lag (messages) or time lag (ms) per client id or per owner host: a canary instance next to the others. */
function split(what: 'lag' | 'time lag', by: 'client_id' | 'owner'): PanelSpec {
  const field = what === 'lag' ? 'lag' : 'time_lag_ms';
  const byName = by === 'client_id' ? 'client id' : 'host';
  return timeseries(
    {
      title: `Max ${what} by ${byName}`,
      description: `The largest ${what} of the partitions each ${byName} owned, per interval: a canary (its own client id or host) next to the rest of the group.`,
      w: 12,
      h: 8,
      min: 0,
      unit: what === 'lag' ? 'short' : 'ms',
      maxDataPoints: 200,
    },
    { kind: 'partition', query: PARTITIONS, alias: `{{term ${by}}}`, metrics: [max(field)], buckets: [terms(by, { size: 50 }), overTime()] },
  );
}

export interface ConsumerGroupOptions {
  /** The time-lag alert's default threshold (ms): the time-lag stat turns orange from there. */
  timeLagThresholdMs?: number;
}

export function consumerGroup(options: ConsumerGroupOptions = {}): Record<string, unknown> {
  return dashboard({
    uid: CONSUMER_GROUP_UID,
    title: 'Warren / Consumer group',
    description: 'One consumer group: lag in messages and in time per partition, its trend, offsets, partition status, owners and the canary split by client id and host, why a partition is not OK; status changes, rebalances and deploys as annotations.',
    tags: ['warren', 'kafka', 'consumer-lag'],
    time: { from: 'now-3h', to: 'now' },
    variables: [
      termsVariable('cluster', 'Cluster', 'group', { field: 'cluster' }, { multi: false, includeAll: false }),
      termsVariable('group', 'Consumer group', 'group', { field: 'group', query: 'cluster:$cluster' }, { multi: false, includeAll: false }),
      termsVariable('topic', 'Topic', 'partition', { field: 'topic', query: GROUP }, { multi: true, includeAll: true }),
    ],
    annotations: [
      esAnnotation('Status changes', 'event', and(GROUP, 'kind:("status-change" OR "group-gone")'), 'message', 'to_status', 'orange'),
      esAnnotation('Rebalances', 'event', and(GROUP, 'kind:"rebalance"'), 'message', 'state', 'blue'),
      esAnnotation('Deploys', 'event', and(GROUP, 'kind:"deploy"'), 'message', 'client_ids', 'purple'),
    ],
    links: [{ title: 'Overview', url: '/d/warren-overview' }],
    rows: [
      [currentStatus(), latest('Total lag', 'total_lag', 'short'), latest('Max partition lag', 'max_lag', 'short'), latest('Members', 'member_count', 'none')],
      [maxTimeLag(options.timeLagThresholdMs ?? DEFAULT_TIME_LAG_MS), trend()],
      [
        timeseries(
          { title: 'Lag per partition', w: 24, h: 9, min: 0, maxDataPoints: 200 },
          { kind: 'partition', query: PARTITIONS, alias: '{{term topic}} / {{term partition}}', metrics: [max('lag')], buckets: [...PER_PARTITION, overTime()] },
        ),
      ],
      [
        timeseries(
          {
            title: 'Max time lag over time',
            description: "The group's most delayed partition, per interval: how long ago the record at its committed offset was produced.",
            w: 8,
            h: 9,
            min: 0,
            unit: 'ms',
            legend: 'list',
            maxDataPoints: 200,
          },
          { kind: 'group', query: GROUP, alias: 'max time lag', metrics: [max('max_time_lag_ms')], buckets: [overTime()] },
        ),
        timeseries(
          {
            title: 'Time lag per partition',
            description: 'Lag in time of each partition: exact (record timestamps), interpolated or extrapolated from the log-end offsets Warren saw (time_lag_kind).',
            w: 16,
            h: 9,
            min: 0,
            unit: 'ms',
            maxDataPoints: 200,
          },
          { kind: 'partition', query: PARTITIONS, alias: '{{term topic}} / {{term partition}}', metrics: [max('time_lag_ms')], buckets: [...PER_PARTITION, overTime()] },
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
      [split('lag', 'client_id'), split('time lag', 'client_id')],
      [split('lag', 'owner'), split('time lag', 'owner')],
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
