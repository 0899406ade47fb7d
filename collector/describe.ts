// `warren describe`: the columns of `kafka-consumer-groups.sh --describe` plus Warren's STATUS, from live scrapes.
import type { GroupReport } from './types.ts';

export interface DescribeRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
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
  ['CURRENT-OFFSET', (r) => (r.currentOffset === null ? '-' : String(r.currentOffset))],
  ['LOG-END-OFFSET', (r) => (r.logEndOffset === null ? '-' : String(r.logEndOffset))],
  ['LAG', (r) => (r.lag === null ? '-' : String(r.lag))],
  ['CONSUMER-ID', (r) => r.consumerId || '-'],
  ['HOST', (r) => r.host || '-'],
  ['CLIENT-ID', (r) => r.clientId || '-'],
  ['STATUS', (r) => r.status],
];

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
    partitions: describeRows(report),
  };
}
