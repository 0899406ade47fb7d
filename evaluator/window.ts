// Building a partition's window from samples (Warren's counterpart of Burrow's commit ring).
//
// Burrow reads every commit from __consumer_offsets. Warren reads the committed offset of every
// group-partition once per cycle, so what it can see is the offset *moving*. An entry is added when the
// committed offset differs from the last entry's (a commit Warren observed), stamped with the time it was
// seen; a cycle where it did not move adds nothing. The window's span is then the time between the first and
// last observed commit, as in Burrow, whatever the cycle interval and however rarely the consumer commits.
// Whether a live member owns the partition is not part of the window: the rules take it separately, to tell
// STOP (nobody there) from STALL (somebody there, no progress).
import type { OffsetEntry } from './types.ts';

export interface PartitionHistory {
  /** Entries oldest first, at most `ringSize` of them. */
  offsets: OffsetEntry[];
  /** Log-end offsets of the last `ringSize` cycles, oldest first. */
  brokerOffsets: number[];
}

export interface Sample {
  /** Committed offset, or null when the group has no commit on the partition. */
  committed: number | null;
  /** Log-end offset, or null when it could not be read this cycle. */
  logEnd: number | null;
  observedAt: number;
}

export function emptyHistory(): PartitionHistory {
  return { offsets: [], brokerOffsets: [] };
}

/** Lag from a log-end and a committed offset: never negative, null when either is unknown. */
export function lagOf(logEnd: number | null, committed: number | null): number | null {
  if (logEnd === null || committed === null) return null;
  return logEnd > committed ? logEnd - committed : 0;
}

/** Whether a log-end below the committed offset had to be clamped (it should not happen: committed is read first). */
export function isNegativeLag(logEnd: number | null, committed: number | null): boolean {
  return logEnd !== null && committed !== null && logEnd < committed;
}

function pushBounded<T>(ring: T[], value: T, size: number): void {
  ring.push(value);
  while (ring.length > size) ring.shift();
}

/**
 * Adds one cycle's sample to the history (mutates it): the log end always, an entry only when the committed
 * offset moved (or is seen for the first time). Returns the entry added, if any.
 */
export function recordSample(history: PartitionHistory, sample: Sample, ringSize: number): OffsetEntry | null {
  if (sample.logEnd !== null) pushBounded(history.brokerOffsets, sample.logEnd, ringSize);
  if (sample.committed === null) return null;
  const last = history.offsets.length > 0 ? history.offsets[history.offsets.length - 1]! : null;
  if (last !== null && last.offset === sample.committed) return null;
  const entry: OffsetEntry = {
    offset: sample.committed,
    timestamp: sample.observedAt,
    observedAt: sample.observedAt,
    lag: lagOf(sample.logEnd, sample.committed),
  };
  pushBounded(history.offsets, entry, ringSize);
  return entry;
}

/** The newest log-end offset known for the partition, or null. */
export function newestLogEnd(history: PartitionHistory): number | null {
  const n = history.brokerOffsets.length;
  return n === 0 ? null : history.brokerOffsets[n - 1]!;
}

/** The time the committed offset was last seen to move; 0 when never. */
export function lastCommitTime(history: PartitionHistory): number {
  const n = history.offsets.length;
  return n === 0 ? 0 : history.offsets[n - 1]!.timestamp;
}

/** Burrow's ring as the API shows it: `ringSize` slots, oldest first, leading nulls; [] when never committed. */
export function paddedOffsets(offsets: readonly OffsetEntry[], ringSize: number): (OffsetEntry | null)[] {
  if (offsets.length === 0) return [];
  const padded: (OffsetEntry | null)[] = new Array(Math.max(0, ringSize - offsets.length)).fill(null);
  return padded.concat(offsets);
}
