// Blue/green deploys: a new version of a consumer reads the same topics under a new group id (green) while the
// old one (blue) keeps running; the switch is safe once green has committed at least as far as blue on every
// partition blue reads. `compareGroups` says, partition by partition, how far green is behind blue. Pure.
import { formatColumns, numberCell, type Column } from './describe.ts';
import type { GroupReport } from './types.ts';

export interface PartitionComparison {
  topic: string;
  partition: number;
  blueCommitted: number | null;
  greenCommitted: number | null;
  logEnd: number | null;
  behind: number | null;
  caughtUp: boolean;
}

export type GroupComparison =
  | {
      verdict: 'caught-up' | 'behind';
      blue: string;
      green: string;
      tolerance: number;
      partitions: PartitionComparison[];
      partitionsBehind: number;
      totalBehind: number /* sum of positive behind */;
    }
  | {
      verdict: 'no-common-partitions';
      blue: string;
      green: string;
      tolerance: number;
      partitions: PartitionComparison[];
      partitionsBehind: number;
      totalBehind: number;
    };

export interface CompareOptions {
  /** Green has caught up on a partition when it is at most this many messages behind blue. Default 0. */
  tolerance?: number;
}

interface Side {
  committed: number | null;
  logEnd: number | null;
}

function sides(report: GroupReport): Map<string, Side & { topic: string; partition: number }> {
  return new Map(report.details.map((d) => [`${d.topic}\0${d.partition}`, { topic: d.topic, partition: d.partition, committed: d.committed, logEnd: d.logEnd }]));
}

const newest = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null ? (b ?? null) : b == null ? a : Math.max(a, b);

/**
 * Compares the committed offsets of two groups over the union of their partitions (sorted by topic, then
 * partition). Per partition, `behind` = blue's committed − green's (negative when green is ahead), null when
 * either has no commit there; `caughtUp` when `behind` is known and at most `tolerance`.
 *
 * The verdict:
 * - `no-common-partitions`: the groups share no partition (they read different topics; nothing to compare);
 * - `behind`: on some partition where blue has committed, green has not caught up (that includes partitions
 *   green has not committed on, or does not read at all); `partitionsBehind` counts them;
 * - `caught-up` otherwise. Partitions blue never committed on do not count: green cannot be behind there.
 *
 * `totalBehind` sums the positive `behind`; partitions green never committed on count in `partitionsBehind`
 * only (how far behind they are is not known).
 */
export function compareGroups(blue: GroupReport, green: GroupReport, options: CompareOptions = {}): GroupComparison {
  const tolerance = options.tolerance ?? 0;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0) throw new RangeError(`tolerance must be a whole number of at least 0, got ${tolerance}`);
  const left = sides(blue);
  const right = sides(green);
  const keys = new Set([...left.keys(), ...right.keys()]);
  let common = 0;
  let partitionsBehind = 0;
  let totalBehind = 0;
  const partitions: PartitionComparison[] = [];
  for (const key of keys) {
    const b = left.get(key);
    const g = right.get(key);
    if (b && g) common++;
    const ref = (b ?? g)!;
    const blueCommitted = b?.committed ?? null;
    const greenCommitted = g?.committed ?? null;
    const behind = blueCommitted === null || greenCommitted === null ? null : blueCommitted - greenCommitted;
    const caughtUp = behind !== null && behind <= tolerance;
    if (blueCommitted !== null && !caughtUp) partitionsBehind++;
    if (behind !== null && behind > 0) totalBehind += behind;
    partitions.push({ topic: ref.topic, partition: ref.partition, blueCommitted, greenCommitted, logEnd: newest(b?.logEnd, g?.logEnd), behind, caughtUp });
  }
  partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  const base = { blue: blue.group, green: green.group, tolerance, partitions, partitionsBehind, totalBehind };
  if (common === 0) return { verdict: 'no-common-partitions', ...base };
  return { verdict: partitionsBehind > 0 ? 'behind' : 'caught-up', ...base };
}

const COLUMNS: readonly Column<PartitionComparison>[] = [
  ['TOPIC', (r) => r.topic],
  ['PARTITION', (r) => String(r.partition)],
  ['BLUE', (r) => numberCell(r.blueCommitted)],
  ['GREEN', (r) => numberCell(r.greenCommitted)],
  ['LOG-END-OFFSET', (r) => numberCell(r.logEnd)],
  ['BEHIND', (r) => numberCell(r.behind)],
  ['CAUGHT-UP', (r) => (r.caughtUp ? 'yes' : 'no')],
];

/** One line saying what the comparison found. */
export function comparisonSummary(c: GroupComparison): string {
  const within = c.tolerance > 0 ? ` (within ${c.tolerance})` : '';
  switch (c.verdict) {
    case 'caught-up':
      return `green ${c.green} has caught up with blue ${c.blue}${within}`;
    case 'behind':
      return `green ${c.green} is behind blue ${c.blue} on ${c.partitionsBehind} partition${c.partitionsBehind === 1 ? '' : 's'}, ${c.totalBehind} message${c.totalBehind === 1 ? '' : 's'} in all`;
    case 'no-common-partitions':
      return `green ${c.green} and blue ${c.blue} have no partition in common: nothing to compare`;
  }
}

/** The comparison as text: the table, then the summary line. */
export function formatComparison(c: GroupComparison): string {
  return `${formatColumns(COLUMNS, c.partitions)}\n\n${comparisonSummary(c)}`;
}
