// The one place where the evaluator's camelCase results become Burrow's JSON: the status object
// `{cluster, group, status, complete, partitions[], partition_count, maxlag, totallag}`, the partition
// `{topic, partition, owner, client_id, status, start, end, current_lag, complete}` (+ Warren's `reason`), the
// offset `{offset, timestamp, observedAt, lag}` and the consumer detail (whose key is `current-lag`).
// Keys are written in Burrow's order (its Go structs); `complete` is printed as Go prints a float32.
import { onlyProblems, type GroupResult, type OffsetEntry, type PartitionReason, type PartitionResult } from '../../evaluator/index.ts';
import type { ConsumerPartitionView } from '../types.ts';

export interface OffsetJson {
  offset: number;
  timestamp: number;
  observedAt: number;
  lag: number | null;
}

export interface PartitionJson {
  topic: string;
  partition: number;
  owner: string;
  client_id: string;
  status: PartitionResult['status'];
  start: OffsetJson | null;
  end: OffsetJson | null;
  current_lag: number;
  complete: number;
  /** Warren's extra: the rule that decided the status and the numbers it saw. */
  reason: PartitionReason;
}

export interface StatusJson {
  cluster: string;
  group: string;
  status: GroupResult['status'];
  complete: number;
  partitions: PartitionJson[];
  partition_count: number;
  maxlag: PartitionJson | null;
  totallag: number;
}

export interface ConsumerPartitionJson {
  offsets: (OffsetJson | null)[];
  owner: string;
  client_id: string;
  'current-lag': number;
}

/**
 * A number as Go's encoding/json prints a float32: the shortest decimal that reads back as the same float32
 * (2/3 → 0.6666667, not 0.6666666865348816).
 */
export function float32(value: number): number {
  const f = Math.fround(value);
  if (Number.isInteger(f) || !Number.isFinite(f)) return f;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

export function offsetJson(entry: OffsetEntry): OffsetJson {
  return { offset: entry.offset, timestamp: entry.timestamp, observedAt: entry.observedAt, lag: entry.lag };
}

export function partitionJson(p: PartitionResult): PartitionJson {
  return {
    topic: p.topic,
    partition: p.partition,
    owner: p.owner,
    client_id: p.clientId,
    status: p.status,
    start: p.start === null ? null : offsetJson(p.start),
    end: p.end === null ? null : offsetJson(p.end),
    current_lag: p.currentLag,
    complete: float32(p.complete),
    reason: p.reason,
  };
}

const byTopicPartition = (a: PartitionResult, b: PartitionResult): number =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;

/** The partitions ordered by topic, then partition (a copy only when they are not already in that order). */
export function sortedPartitions(partitions: readonly PartitionResult[]): readonly PartitionResult[] {
  for (let i = 1; i < partitions.length; i++) {
    if (byTopicPartition(partitions[i - 1]!, partitions[i]!) > 0) return [...partitions].sort(byTopicPartition);
  }
  return partitions;
}

/** The partition with the most current lag; on a tie the first by topic, then partition. Null when none. */
export function maxLagPartition(sorted: readonly PartitionResult[]): PartitionResult | null {
  let max: PartitionResult | null = null;
  for (const p of sorted) if (max === null || p.currentLag > max.currentLag) max = p;
  return max;
}

interface Mapped {
  all?: StatusJson;
  problems?: StatusJson;
}

/** Mapped statuses by result: results are replaced, never changed, so a result maps to the same JSON. */
const cache = new WeakMap<GroupResult, Mapped>();

function mapStatus(result: GroupResult, problemsOnly: boolean): StatusJson {
  const sorted = sortedPartitions(result.partitions);
  const max = maxLagPartition(sorted);
  const shown = problemsOnly ? sortedPartitions(onlyProblems(result).partitions) : sorted;
  const partitions = shown.map(partitionJson);
  return {
    cluster: result.cluster,
    group: result.group,
    status: result.status,
    complete: float32(result.complete),
    partitions,
    partition_count: result.partitionCount,
    maxlag: max === null ? null : (partitions.find((p) => p.topic === max.topic && p.partition === max.partition) ?? partitionJson(max)),
    totallag: result.totallag,
  };
}

/**
 * Burrow's status object of a group: every partition (`/lag`) or only those worse than OK (`/status`, the
 * evaluator's `onlyProblems`). The group's numbers (maxlag, totallag, partition_count, complete) are the same
 * in both.
 */
export function statusJson(result: GroupResult, problemsOnly: boolean): StatusJson {
  let mapped = cache.get(result);
  if (!mapped) cache.set(result, (mapped = {}));
  if (problemsOnly) return (mapped.problems ??= mapStatus(result, true));
  return (mapped.all ??= mapStatus(result, false));
}

/** Burrow's consumer detail: topic (sorted) → partitions by id, each with its padded window of offsets. */
export function consumerDetailJson(detail: ReadonlyMap<string, readonly ConsumerPartitionView[]>): Record<string, ConsumerPartitionJson[]> {
  const topics: Record<string, ConsumerPartitionJson[]> = {};
  for (const topic of [...detail.keys()].sort()) {
    // Array.from, not map: a partition missing from a sparse array still gets its (empty) entry.
    topics[topic] = Array.from(detail.get(topic)!, (view) =>
      view === undefined
        ? { offsets: [], owner: '', client_id: '', 'current-lag': 0 }
        : {
            offsets: view.offsets.map((entry) => (entry === null ? null : offsetJson(entry))),
            owner: view.owner,
            client_id: view.clientId,
            'current-lag': view.currentLag,
          },
    );
  }
  return topics;
}
