// Alerting as Grafana file provisioning (apiVersion 1, grafana.md §4): the rule groups, the Slack contact
// point, the message templates and the notification policy.
//
// How the rules read the data (all on 1-minute histogram buckets, evaluated every minute):
// - `trimEdges: 1` drops the first and the last (still filling) bucket, so "last" is the newest complete
//   minute. The collector writes every 30 s by default, so a complete minute holds at least one report of
//   every group it sees; ALERT_BUCKET must stay at least as long as the collector's interval.
// - Status rules split groups by the `reason` keyword so the alert can say why; an empty bucket of an old
//   reason counts as 0 (replaceNN), so only the reason of the newest minute can fire.
// - `for` = (N − 1) × interval fires on the N-th consecutive true evaluation (grafana.md §4.1, §9.4).
// - Grafana treats a rule as "no data" as soon as any of its queries returns nothing (ngalert eval), so
//   rules whose bad case is "documents exist" (partition STOP/STALL, failing scrapes) say noDataState OK, and
//   the heartbeat rule, whose bad case is silence, says Alerting.
import type { DocKind } from '../../collector/types.ts';
import { DATASOURCES } from './datasources.ts';
import { CONSUMER_GROUP_UID } from './dashboards/consumer-group.ts';
import { PIPELINE_UID } from './dashboards/pipeline-health.ts';
import { and, count, max, overTime, quoted, target, terms, uniqueCount } from './query.ts';
import type { BucketDecl, MetricDecl } from './query.ts';
import { DEFAULT_TIME_LAG_MS, formatDuration } from './thresholds.ts';
import type { GroupThreshold, LagThresholds } from './thresholds.ts';

export const ALERT_FOLDER = 'Warren';
export const ALERT_INTERVAL = '1m';
export const ALERT_BUCKET = '1m';
const BUCKET_MS = 60_000;
/** Four minutes of 1-minute buckets: after trimming both edges, the newest complete minute is last. */
const STATUS_RANGE_S = 240;
export const CONTACT_POINT = 'warren-slack';
export const TEMPLATE_NAME = 'warren-slack';

// ---------------------------------------------------------------------------------------------------
// Rule model, as written in the provisioning file

export interface RelativeTimeRange {
  from: number;
  to: number;
}

export interface RuleQuery {
  refId: string;
  queryType: '';
  relativeTimeRange: RelativeTimeRange;
  datasourceUid: string;
  model: Record<string, unknown>;
}

export type NoDataState = 'NoData' | 'Alerting' | 'OK' | 'KeepLast';
export type ExecErrState = 'Error' | 'Alerting' | 'OK' | 'KeepLast';

export interface Rule {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  for: string;
  noDataState: NoDataState;
  execErrState: ExecErrState;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  dashboardUid?: string;
  panelId?: number;
  isPaused: boolean;
}

export interface RuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: Rule[];
}

const EXPR = { type: '__expr__', uid: '__expr__' } as const;

function esQuery(refId: string, kind: DocKind, query: string, metrics: MetricDecl[], buckets: BucketDecl[], rangeSeconds: number): RuleQuery {
  return {
    refId,
    queryType: '',
    relativeTimeRange: { from: rangeSeconds, to: 0 },
    datasourceUid: DATASOURCES[kind].uid,
    model: { ...target({ kind, query, metrics, buckets }, refId), intervalMs: BUCKET_MS, maxDataPoints: 43200 },
  };
}

type ReduceMode = { mode: 'dropNN' } | { mode: 'replaceNN'; replaceWithValue: number };

function reduce(refId: string, expression: string, reducer: 'last' | 'max' | 'min' | 'sum' | 'mean' | 'count', settings: ReduceMode): RuleQuery {
  return {
    refId,
    queryType: '',
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: '__expr__',
    model: { refId, datasource: EXPR, type: 'reduce', expression, reducer, settings },
  };
}

export type EvaluatorType = 'gt' | 'lt' | 'within_range' | 'outside_range';

function threshold(refId: string, expression: string, type: EvaluatorType, params: number[]): RuleQuery {
  return {
    refId,
    queryType: '',
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: '__expr__',
    model: { refId, datasource: EXPR, type: 'threshold', expression, conditions: [{ evaluator: { type, params } }] },
  };
}

function math(refId: string, expression: string): RuleQuery {
  return {
    refId,
    queryType: '',
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: '__expr__',
    model: { refId, datasource: EXPR, type: 'math', expression },
  };
}

const LATEST: ReduceMode = { mode: 'dropNN' };
const NEWEST_MINUTE_ONLY: ReduceMode = { mode: 'replaceNN', replaceWithValue: 0 };
const PER_GROUP: BucketDecl[] = [terms('cluster', { size: 100 }), terms('group', { size: 5000 })];
const MINUTES = overTime(ALERT_BUCKET, 1);

/** D/E: total lag and F/G: max lag of the group's newest complete minute, for the message. */
function lagValues(query = ''): RuleQuery[] {
  return [
    esQuery('D', 'group', query, [max('total_lag')], [...PER_GROUP, MINUTES], STATUS_RANGE_S),
    reduce('E', 'D', 'last', LATEST),
    esQuery('F', 'group', query, [max('max_lag')], [...PER_GROUP, MINUTES], STATUS_RANGE_S),
    reduce('G', 'F', 'last', LATEST),
  ];
}

const LAG_ANNOTATIONS = {
  total_lag: '{{ printf "%.0f" $values.E.Value }}',
  max_lag: '{{ printf "%.0f" $values.G.Value }}',
};

const STATUS_OF_CODE =
  '{{ $c := $values.S.Value }}{{ if eq $c 3.0 }}ERR{{ else if eq $c 2.0 }}WARN{{ else if eq $c 1.0 }}OK{{ else }}NOTFOUND{{ end }}';

function groupStatusRule(
  uid: string,
  title: string,
  status: 'ERR' | 'WARN',
  condition: RuleQuery,
  forDuration: string,
  severity: string,
  panelId: number,
): Rule {
  return {
    uid,
    title,
    condition: 'C',
    data: [
      esQuery('A', 'group', '', [max('status_code')], [...PER_GROUP, terms('reason', { size: 50 }), MINUTES], STATUS_RANGE_S),
      reduce('B', 'A', 'last', NEWEST_MINUTE_ONLY),
      condition,
      ...lagValues(),
    ],
    for: forDuration,
    // The query reads every group document: no data means no documents at all, which the heartbeat rule reports.
    noDataState: 'OK',
    execErrState: 'Error',
    labels: { severity, team: 'kafka', source: 'warren' },
    annotations: {
      summary: `Consumer group {{ $labels.group }} on {{ $labels.cluster }} is ${status}`,
      description: `Burrow's evaluation put the group in ${status} because of the rule {{ $labels.reason }}.`,
      status,
      reason: '{{ $labels.reason }}',
      ...LAG_ANNOTATIONS,
    },
    dashboardUid: CONSUMER_GROUP_UID,
    panelId,
    isPaused: false,
  };
}

/** `<prefix><slug of cluster-group, at most slugLength>-<7-character hash>`: short, unique, a valid rule uid. */
function groupRuleUid(prefix: string, slugLength: number, cluster: string, group: string): string {
  const slug = `${cluster}-${group}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, slugLength);
  let h = 2166136261;
  for (const ch of `${cluster}\u0000${group}`) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return `${prefix}${slug}-${h.toString(36).padStart(7, '0')}`;
}

/** A short, unique, valid rule uid for a group's lag rule. */
export function lagRuleUid(cluster: string, group: string): string {
  return groupRuleUid('warren-lag-', 20, cluster, group);
}

function lagRule(uid: string, title: string, query: string, limit: number, panelId: number): Rule {
  return {
    uid,
    title,
    condition: 'C',
    data: [
      esQuery('A', 'group', query, [max('total_lag')], [...PER_GROUP, MINUTES], 300),
      reduce('B', 'A', 'last', LATEST),
      threshold('C', 'B', 'gt', [limit]),
      esQuery('F', 'group', query, [max('max_lag')], [...PER_GROUP, MINUTES], 300),
      reduce('G', 'F', 'last', LATEST),
      esQuery('R', 'group', query, [max('status_code')], [...PER_GROUP, MINUTES], 300),
      reduce('S', 'R', 'last', LATEST),
    ],
    for: '5m',
    noDataState: 'OK',
    execErrState: 'Error',
    labels: { severity: 'warning', team: 'kafka', source: 'warren', lag_threshold: String(limit) },
    annotations: {
      summary: `Total lag of {{ $labels.group }} on {{ $labels.cluster }} is above ${limit}`,
      description: `Total lag {{ humanize $values.B.Value }} for 5 minutes; the threshold for this group is ${limit} (grafana/lag-thresholds.yaml).`,
      status: STATUS_OF_CODE,
      reason: 'lag-above-threshold',
      total_lag: '{{ printf "%.0f" $values.B.Value }}',
      max_lag: '{{ printf "%.0f" $values.G.Value }}',
    },
    dashboardUid: CONSUMER_GROUP_UID,
    panelId,
    isPaused: false,
  };
}

/** A short, unique, valid rule uid for a group's time-lag rule (at most 40 characters). */
export function timeLagRuleUid(cluster: string, group: string): string {
  return groupRuleUid('warren-time-lag-', 16, cluster, group);
}

/**
 * Time lag above threshold: the group's `max_time_lag_ms` (its most delayed partition) in its newest complete
 * minute, above the threshold two evaluations after it first was (`for` 2m: a single estimate that jumps does
 * not page). T is the time lag in seconds for the message; S, E, G the status and lags every group alert shows.
 */
function timeLagRule(uid: string, title: string, query: string, limitMs: number, panelId: number): Rule {
  const limit = formatDuration(limitMs);
  return {
    uid,
    title,
    condition: 'C',
    data: [
      esQuery('A', 'group', query, [max('max_time_lag_ms')], [...PER_GROUP, MINUTES], STATUS_RANGE_S),
      reduce('B', 'A', 'last', LATEST),
      threshold('C', 'B', 'gt', [limitMs]),
      math('T', '$B / 1000'),
      esQuery('D', 'group', query, [max('total_lag')], [...PER_GROUP, MINUTES], STATUS_RANGE_S),
      reduce('E', 'D', 'last', LATEST),
      esQuery('F', 'group', query, [max('max_lag')], [...PER_GROUP, MINUTES], STATUS_RANGE_S),
      reduce('G', 'F', 'last', LATEST),
      esQuery('R', 'group', query, [max('status_code')], [...PER_GROUP, MINUTES], STATUS_RANGE_S),
      reduce('S', 'R', 'last', LATEST),
    ],
    for: '2m',
    // No time lag known (no group document has one yet) is not an alarm; the heartbeat rule covers silence.
    noDataState: 'OK',
    execErrState: 'Error',
    labels: { severity: 'warning', team: 'kafka', source: 'warren', time_lag_threshold: limit },
    annotations: {
      summary: `Consumer group {{ $labels.group }} on {{ $labels.cluster }} is {{ humanizeDuration $values.T.Value }} behind (threshold ${limit})`,
      description: `The committed offset of its most delayed partition was produced {{ humanizeDuration $values.T.Value }} ago; the threshold for this group is ${limit} (grafana/lag-thresholds.yaml, timeLag).`,
      status: STATUS_OF_CODE,
      reason: 'time-lag-above-threshold',
      ...LAG_ANNOTATIONS,
    },
    dashboardUid: CONSUMER_GROUP_UID,
    panelId,
    isPaused: false,
  };
}

/**
 * One rule per listed group plus a default rule for every group not listed: `Consumer group <what> above
 * threshold`, with ` (<cluster>/<group>)` for a listed one.
 */
function perGroupRules(
  thresholds: { default: number; groups: readonly GroupThreshold[] },
  what: string,
  defaultUid: string,
  uidOf: (cluster: string, group: string) => string,
  rule: (uid: string, title: string, query: string, limit: number) => Rule,
): Rule[] {
  const title = `Consumer group ${what} above threshold`;
  const listed = thresholds.groups.map((g) => `(cluster:${quoted(g.cluster)} AND group:${quoted(g.group)})`);
  return [
    rule(defaultUid, title, listed.length === 0 ? '' : `*:* AND NOT (${listed.join(' OR ')})`, thresholds.default),
    ...thresholds.groups.map((g) =>
      rule(uidOf(g.cluster, g.group), `${title} (${g.cluster}/${g.group})`, and(`cluster:${quoted(g.cluster)}`, `group:${quoted(g.group)}`), g.threshold),
    ),
  ];
}

export interface PanelIds {
  groupStatus: number;
  partitionStatus: number;
  partitionLag: number;
  cycleDuration: number;
  clustersFailing: number;
  /** The consumer group's time-lag panel (the time-lag rules link to it); partitionLag when absent. */
  timeLag?: number;
}

export function ruleGroups(thresholds: LagThresholds, panels: PanelIds): RuleGroup[] {
  const consumer: Rule[] = [
    groupStatusRule('warren-group-err', 'Consumer group in ERR', 'ERR', threshold('C', 'B', 'gt', [2]), '1m', 'critical', panels.groupStatus),
    groupStatusRule('warren-group-warn', 'Consumer group in WARN for 10 minutes', 'WARN', math('C', '$B == 2'), '10m', 'warning', panels.groupStatus),
    {
      uid: 'warren-partition-stop-stall',
      title: 'Partition stopped or stalled',
      condition: 'C',
      data: [
        esQuery(
          'A',
          'partition',
          'status_code:(4 OR 5)',
          [uniqueCount('partition')],
          [...PER_GROUP, terms('topic', { size: 500 }), terms('status', { size: 5 }), terms('reason', { size: 10 }), MINUTES],
          STATUS_RANGE_S,
        ),
        reduce('B', 'A', 'last', NEWEST_MINUTE_ONLY),
        threshold('C', 'B', 'gt', [0]),
        ...lagValues(),
      ],
      for: '0s',
      // No STOP/STALL document is the healthy case.
      noDataState: 'OK',
      execErrState: 'Error',
      labels: { severity: 'critical', team: 'kafka', source: 'warren' },
      annotations: {
        summary: '{{ printf "%.0f" $values.B.Value }} partition(s) of {{ $labels.topic }} in {{ $labels.status }} for group {{ $labels.group }} on {{ $labels.cluster }}',
        description: 'Burrow rule {{ $labels.reason }}: the consumer is not moving on these partitions.',
        status: '{{ $labels.status }}',
        reason: '{{ $labels.reason }}',
        ...LAG_ANNOTATIONS,
      },
      dashboardUid: CONSUMER_GROUP_UID,
      panelId: panels.partitionStatus,
      isPaused: false,
    },
  ];

  const lag = perGroupRules(thresholds, 'lag', 'warren-lag-default', lagRuleUid, (uid, title, query, limit) => lagRule(uid, title, query, limit, panels.partitionLag));
  const timeLagPanel = panels.timeLag ?? panels.partitionLag;
  const timeLag = perGroupRules(
    thresholds.timeLag ?? { default: DEFAULT_TIME_LAG_MS, groups: [] },
    'time lag',
    'warren-time-lag-default',
    timeLagRuleUid,
    (uid, title, query, limit) => timeLagRule(uid, title, query, limit, timeLagPanel),
  );

  const pipeline: Rule[] = [
    {
      uid: 'warren-heartbeat-missing',
      title: 'Warren collector heartbeat missing',
      condition: 'C',
      data: [
        // 30 minutes back, so a cluster whose heartbeats stop keeps its own alert for half an hour; when no
        // heartbeat at all is left in the range, the rule has no data and noDataState keeps it alerting.
        esQuery('A', 'heartbeat', '', [count()], [terms('cluster', { size: 100 }), MINUTES], 1800),
        reduce('B', 'A', 'last', LATEST),
        threshold('C', 'B', 'lt', [1]),
      ],
      for: '1m',
      noDataState: 'Alerting',
      execErrState: 'Error',
      labels: { severity: 'critical', team: 'kafka', source: 'warren' },
      annotations: {
        summary: 'No heartbeat from the Warren collector{{ with index $labels "cluster" }} for cluster {{ . }}{{ end }} for 2 minutes',
        description:
          'The collector writes one heartbeat per cluster per cycle. None arrived: the collector, its Elasticsearch sink or Elasticsearch is down, or the cluster was removed from its configuration.',
        reason: 'heartbeat-missing',
      },
      dashboardUid: PIPELINE_UID,
      panelId: panels.cycleDuration,
      isPaused: false,
    },
    {
      uid: 'warren-cluster-scrape-failing',
      title: 'Kafka cluster failing to scrape',
      condition: 'C',
      data: [
        esQuery('A', 'heartbeat', 'ok:false', [count()], [terms('cluster', { size: 100 }), MINUTES], STATUS_RANGE_S),
        reduce('B', 'A', 'last', LATEST),
        threshold('C', 'B', 'gt', [0]),
      ],
      for: '1m',
      noDataState: 'OK',
      execErrState: 'Error',
      labels: { severity: 'critical', team: 'kafka', source: 'warren' },
      annotations: {
        summary: 'Warren cannot read Kafka cluster {{ $labels.cluster }}',
        description: '{{ printf "%.0f" $values.B.Value }} failed cycle(s) in the last complete minute (heartbeat ok: false), two minutes in a row.',
        reason: 'scrape-failed',
      },
      dashboardUid: PIPELINE_UID,
      panelId: panels.clustersFailing,
      isPaused: false,
    },
  ];

  const group = (name: string, rules: Rule[]): RuleGroup => ({ orgId: 1, name, folder: ALERT_FOLDER, interval: ALERT_INTERVAL, rules });
  return [group('warren-consumer-status', consumer), group('warren-consumer-lag', lag), group('warren-consumer-time-lag', timeLag), group('warren-pipeline', pipeline)];
}

export function rulesProvisioning(thresholds: LagThresholds, panels: PanelIds): Record<string, unknown> {
  return { apiVersion: 1, groups: ruleGroups(thresholds, panels) };
}

// ---------------------------------------------------------------------------------------------------
// Notifications

/** Slack message templates. Referenced fields: labels alertname, cluster, group; annotations summary,
 * status, reason, total_lag, max_lag (the last three only where the rule has them). */
export const SLACK_TEMPLATES = `{{ define "warren.slack.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ with .CommonLabels.alertname }}{{ . }}{{ else }}Warren alerts{{ end }}{{ with .CommonLabels.cluster }} · {{ . }}{{ end }}{{ with .CommonLabels.group }} / {{ . }}{{ end }}
{{- end }}

{{ define "warren.slack.text" -}}
{{ range .Alerts }}{{ if eq .Status "firing" }}:red_circle:{{ else }}:large_green_circle:{{ end }} *{{ .Labels.alertname }}* ({{ .Status }}) — {{ .Annotations.summary }}
{{ with .Labels.cluster }}• Cluster: {{ . }}{{ else }}• Cluster: none reporting{{ end }}
{{ with .Labels.group }}• Group: {{ . }}
{{ end }}{{ with .Annotations.status }}• Status: {{ . }}
{{ end }}{{ with .Annotations.total_lag }}• Total lag: {{ . }}
{{ end }}{{ with .Annotations.max_lag }}• Max lag: {{ . }}
{{ end }}• Reason: {{ .Annotations.reason }}
• Dashboard: <{{ if .Labels.group }}{{ $.ExternalURL }}/d/${CONSUMER_GROUP_UID}/warren-consumer-group?orgId=1&var-cluster={{ urlquery .Labels.cluster }}&var-group={{ urlquery .Labels.group }}{{ else }}{{ $.ExternalURL }}/d/${PIPELINE_UID}/warren-pipeline-health?orgId=1{{ end }}|open in Grafana>

{{ end }}
{{- end }}
`;

export function notificationsProvisioning(): Record<string, unknown> {
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [
          {
            uid: CONTACT_POINT,
            type: 'slack',
            disableResolveMessage: false,
            settings: {
              url: '${SLACK_WEBHOOK_URL}',
              username: 'Warren',
              title: '{{ template "warren.slack.title" . }}',
              text: '{{ template "warren.slack.text" . }}',
            },
          },
        ],
      },
    ],
    templates: [{ orgId: 1, name: TEMPLATE_NAME, template: SLACK_TEMPLATES }],
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINT,
        group_by: ['cluster', 'group'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
      },
    ],
  };
}
