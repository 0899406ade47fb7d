// `warren offsets snapshot|diff`: a group's committed offsets at one moment, saved as a small versioned JSON
// file, and what moved between two such moments (before and after a deploy, a replay, a reset). The file
// format is public: scripts may write and read it.
//
//   {"version": 1, "cluster": "prod", "group": "orders", "takenAt": "2026-01-01T12:00:00.000Z",
//    "partitions": [{"topic": "orders", "partition": 0, "committed": 1200, "logEnd": 1250}, ...]}
//
// `partitions` is sorted by topic, then partition; `committed` is null for a partition of the group with no
// commit, `logEnd` null when the broker's log end could not be read.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { formatColumns, numberCell, type Column } from './describe.ts';
import type { GroupReport } from './types.ts';

export const SNAPSHOT_VERSION = 1;

export interface SnapshotPartition {
  topic: string;
  partition: number;
  committed: number | null;
  logEnd: number | null;
}

export interface OffsetSnapshot {
  version: 1;
  cluster: string;
  group: string;
  /** ISO 8601, UTC. */
  takenAt: string;
  partitions: SnapshotPartition[];
}

/** A snapshot file that cannot be read or is not a valid snapshot; the message names the file and the field. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  readonly file: string;
  constructor(file: string, message: string) {
    super(message);
    this.file = file;
  }
}

const byTopicPartition = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;

/** The group's committed and log-end offsets as the report saw them; `takenAt` is the report's observation time. */
export function snapshotFromReport(report: GroupReport): OffsetSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    cluster: report.cluster,
    group: report.group,
    takenAt: new Date(report.observedAt).toISOString(),
    partitions: report.details
      .map((d) => ({ topic: d.topic, partition: d.partition, committed: d.committed, logEnd: d.logEnd }))
      .sort(byTopicPartition),
  };
}

const offset = z.number().int('expected a whole number').min(0, 'expected an offset of at least 0').max(Number.MAX_SAFE_INTEGER, 'expected an offset below 2^53');

const snapshotSchema = z
  .object({
    version: z.literal(SNAPSHOT_VERSION, { error: (issue) => `expected ${SNAPSHOT_VERSION} (this Warren reads snapshot version ${SNAPSHOT_VERSION}), got ${JSON.stringify(issue.input)}` }),
    cluster: z.string().min(1, 'expected a cluster name'),
    group: z.string().min(1, 'expected a group name'),
    takenAt: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-01-01T12:00:00.000Z' }),
    partitions: z.array(
      z.object({
        topic: z.string().min(1, 'expected a topic name'),
        partition: z.number().int('expected a whole number').min(0, 'expected a partition id of at least 0'),
        committed: offset.nullable(),
        logEnd: offset.nullable(),
      }),
    ),
  })
  .superRefine((snapshot, ctx) => {
    const seen = new Set<string>();
    snapshot.partitions.forEach((p, i) => {
      const key = `${p.topic}\0${p.partition}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['partitions', i], message: `${p.topic}/${p.partition} appears more than once` });
      seen.add(key);
    });
  });

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment)), '');
}

/** Validates a parsed snapshot; `source` names it in errors. Partitions come back sorted. */
export function parseSnapshot(value: unknown, source: string): OffsetSnapshot {
  const result = snapshotSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 5).map((issue) => `${fieldPath(issue.path) || '(root)'}: ${issue.message}`);
    const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
    throw new SnapshotError(source, `snapshot file ${source} is not a valid offsets snapshot: ${lines.join('; ')}${more}`);
  }
  return { ...result.data, version: SNAPSHOT_VERSION, partitions: [...result.data.partitions].sort(byTopicPartition) };
}

/** Reads and validates a snapshot file. Throws SnapshotError naming the file, and the field when one is wrong. */
export function readSnapshot(path: string): OffsetSnapshot {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SnapshotError(path, code === 'ENOENT' ? `snapshot file ${path} does not exist` : `cannot read snapshot file ${path}: ${code ?? String(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SnapshotError(path, `snapshot file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseSnapshot(value, path);
}

/** The snapshot as its file holds it: two-space JSON and a final newline. */
export function snapshotText(snapshot: OffsetSnapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/** Writes a snapshot file (to a temporary file first, then renamed, so a reader never sees half a file). */
export function writeSnapshot(path: string, snapshot: OffsetSnapshot): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, snapshotText(snapshot));
    renameSync(temporary, path);
  } catch (error) {
    throw new SnapshotError(path, `cannot write snapshot file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Diff

export interface PartitionDiff {
  topic: string;
  partition: number;
  /** Committed offsets; null where that side has no commit or does not have the partition. */
  before: number | null;
  after: number | null;
  /** after − before: messages the group consumed in between (negative: it was rewound); null when either is missing. */
  moved: number | null;
  logEndBefore: number | null;
  logEndAfter: number | null;
  /** log end − committed, never below 0; null when either is missing. */
  lagBefore: number | null;
  lagAfter: number | null;
}

export interface PartitionRef {
  topic: string;
  partition: number;
}

export interface SnapshotSide {
  cluster: string;
  group: string;
  takenAt: string;
}

export interface SnapshotDiff {
  before: SnapshotSide;
  after: SnapshotSide;
  /** Time between the two snapshots (ms); negative when `after` was taken first. */
  elapsedMs: number;
  /** Every partition of either snapshot, sorted by topic, then partition. */
  partitions: PartitionDiff[];
  totals: {
    /** Sum of the known `moved`. */
    moved: number;
    /** Sum of the log ends' moves where both are known: messages produced in between. */
    produced: number;
    /** Sums of the known lags. */
    lagBefore: number;
    lagAfter: number;
  };
  /** Partitions only one snapshot has. */
  onlyBefore: PartitionRef[];
  onlyAfter: PartitionRef[];
}

const lag = (logEnd: number | null, committed: number | null) => (logEnd === null || committed === null ? null : Math.max(0, logEnd - committed));
const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

/** What moved between two snapshots, partition by partition. Pure. */
export function diffSnapshots(before: OffsetSnapshot, after: OffsetSnapshot): SnapshotDiff {
  const key = (p: PartitionRef) => `${p.topic}\0${p.partition}`;
  const left = new Map(before.partitions.map((p) => [key(p), p]));
  const right = new Map(after.partitions.map((p) => [key(p), p]));
  const refs = new Map<string, PartitionRef>();
  for (const p of [...before.partitions, ...after.partitions]) refs.set(key(p), { topic: p.topic, partition: p.partition });

  const partitions: PartitionDiff[] = [];
  const onlyBefore: PartitionRef[] = [];
  const onlyAfter: PartitionRef[] = [];
  const totals = { moved: 0, produced: 0, lagBefore: 0, lagAfter: 0 };
  for (const [k, ref] of [...refs].sort((a, b) => byTopicPartition(a[1], b[1]))) {
    const b = left.get(k);
    const a = right.get(k);
    if (!a) onlyBefore.push(ref);
    if (!b) onlyAfter.push(ref);
    const diff: PartitionDiff = {
      ...ref,
      before: b?.committed ?? null,
      after: a?.committed ?? null,
      moved: minus(a?.committed ?? null, b?.committed ?? null),
      logEndBefore: b?.logEnd ?? null,
      logEndAfter: a?.logEnd ?? null,
      lagBefore: lag(b?.logEnd ?? null, b?.committed ?? null),
      lagAfter: lag(a?.logEnd ?? null, a?.committed ?? null),
    };
    totals.moved += diff.moved ?? 0;
    totals.produced += minus(diff.logEndAfter, diff.logEndBefore) ?? 0;
    totals.lagBefore += diff.lagBefore ?? 0;
    totals.lagAfter += diff.lagAfter ?? 0;
    partitions.push(diff);
  }
  const side = (s: OffsetSnapshot): SnapshotSide => ({ cluster: s.cluster, group: s.group, takenAt: s.takenAt });
  return {
    before: side(before),
    after: side(after),
    elapsedMs: Date.parse(after.takenAt) - Date.parse(before.takenAt),
    partitions,
    totals,
    onlyBefore,
    onlyAfter,
  };
}

const DIFF_COLUMNS: readonly Column<PartitionDiff>[] = [
  ['TOPIC', (r) => r.topic],
  ['PARTITION', (r) => String(r.partition)],
  ['BEFORE', (r) => numberCell(r.before)],
  ['AFTER', (r) => numberCell(r.after)],
  ['MOVED', (r) => numberCell(r.moved)],
  ['LOG-END-BEFORE', (r) => numberCell(r.logEndBefore)],
  ['LOG-END-AFTER', (r) => numberCell(r.logEndAfter)],
  ['LAG-BEFORE', (r) => numberCell(r.lagBefore)],
  ['LAG-AFTER', (r) => numberCell(r.lagAfter)],
];

const sideName = (s: SnapshotSide) => `${s.cluster}/${s.group} at ${s.takenAt}`;
const refList = (refs: readonly PartitionRef[]) => refs.map((r) => `${r.topic}/${r.partition}`).join(', ');

/** The diff as text: a header, the table (like describe's), the totals and the partitions only one side has. */
export function formatDiff(diff: SnapshotDiff): string {
  const lines = [`before: ${sideName(diff.before)}`, `after:  ${sideName(diff.after)} (${(diff.elapsedMs / 1000).toFixed(1)} s later)`, ''];
  lines.push(formatColumns(DIFF_COLUMNS, diff.partitions), '');
  lines.push(`moved ${diff.totals.moved}, produced ${diff.totals.produced}, lag ${diff.totals.lagBefore} -> ${diff.totals.lagAfter}`);
  if (diff.onlyBefore.length > 0) lines.push(`only before: ${refList(diff.onlyBefore)}`);
  if (diff.onlyAfter.length > 0) lines.push(`only after: ${refList(diff.onlyAfter)}`);
  const rewound = diff.partitions.filter((p) => p.moved !== null && p.moved < 0);
  if (rewound.length > 0) lines.push(`rewound: ${refList(rewound)}`);
  return lines.join('\n');
}
