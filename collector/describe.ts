// `warren describe`: the columns of `kafka-consumer-groups.sh --describe` plus Warren's STATUS, from live scrapes.
import type { TimeLag } from '../evaluator/index.ts';
import type { GroupReport } from './types.ts';

export interface DescribeRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  /** How far behind in time (ms) and how it is known; null when unknown (one sample, no commit). */
  timeLagMs: number | null;
  timeLagKind: TimeLag['kind'];
  consumerId: string;
  host: string;
  clientId: string;
  status: string;
  reason: string;
}

export function describeRows(report: GroupReport): DescribeRow[] {
  return report.result.partitions.map((p, i) => {
    const detail = report.details[i]!;
    return {
      group: report.group,
      topic: p.topic,
      partition: p.partition,
      currentOffset: detail.committed,
      logEndOffset: detail.logEnd,
      lag: detail.committed === null || detail.logEnd === null ? null : p.currentLag,
      timeLagMs: p.timeLag.kind === 'unknown' ? null : p.timeLag.ms,
      timeLagKind: p.timeLag.kind,
      consumerId: detail.memberId,
      host: detail.host,
      clientId: detail.clientId,
      status: p.status,
      reason: p.reason.rule,
    };
  });
}

const COLUMNS: readonly Column<DescribeRow>[] = [
  ['GROUP', (r) => r.group],
  ['TOPIC', (r) => r.topic],
  ['PARTITION', (r) => String(r.partition)],
  ['CURRENT-OFFSET', (r) => numberCell(r.currentOffset)],
  ['LOG-END-OFFSET', (r) => numberCell(r.logEndOffset)],
  ['LAG', (r) => numberCell(r.lag)],
  ['TIME-LAG', (r) => (r.timeLagMs === null ? '-' : `${r.timeLagKind === 'extrapolated' ? '>=' : ''}${formatDuration(r.timeLagMs)}`)],
  ['CONSUMER-ID', (r) => r.consumerId || '-'],
  ['HOST', (r) => r.host || '-'],
  ['CLIENT-ID', (r) => r.clientId || '-'],
  ['STATUS', (r) => r.status],
];

/** A duration for people: 0s, 850ms, 12.4s, 3m05s, 2h01m, 3d04h. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/** A column of a text table: its title and how a row shows in it. */
export type Column<T> = readonly [title: string, cell: (row: T) => string];

/** A table like kafka-consumer-groups.sh prints: columns padded to their widest cell. */
export function formatColumns<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = [columns.map(([title]) => title), ...rows.map((row) => columns.map(([, get]) => get(row)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]! + 1))).join(' ').trimEnd()).join('\n');
}

/** An offset or lag as the tables show it: `-` when unknown. */
export const numberCell = (value: number | null): string => (value === null ? '-' : String(value));

/** `warren describe`'s table. */
export function formatTable(rows: readonly DescribeRow[]): string {
  return formatColumns(COLUMNS, rows);
}

/** The machine form: the group's status and every row. */
export function describeJson(report: GroupReport) {
  return {
    cluster: report.cluster,
    group: report.group,
    state: report.state,
    groupType: report.groupType,
    members: report.memberCount,
    status: report.result.status,
    totalLag: report.result.totallag,
    maxTimeLagMs: report.result.status === 'NOTFOUND' ? null : report.result.maxTimeLagMs,
    partitions: describeRows(report),
  };
}
