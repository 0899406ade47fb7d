// Building a partition's window from samples (Warren's counterpart of Burrow's commit ring).
//
// Burrow reads every commit from __consumer_offsets. Warren instead reads the committed offset of every
// group-partition once per cycle. Each cycle adds one entry; the entry's `timestamp` stands for the time of the
// commit it reflects:
//   - the offset moved since the last cycle, or a live member owns the partition → this cycle's time
//     (a live consumer re-commits its position, moving or not);
//   - otherwise → the previous entry's timestamp (nothing has committed since).
// So a consumer that is alive but stuck fills the window with one offset and fresh times (Burrow's STALL), and a
// partition nobody owns that stops moving keeps an old time, which Burrow's STOP rule catches.
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
  /** Whether a live member of the group has the partition assigned. */
  owned: boolean;
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

/** Adds one cycle's sample to the history (mutates it) and returns the entry added, if any. */
export function recordSample(history: PartitionHistory, sample: Sample, ringSize: number): OffsetEntry | null {
  if (sample.logEnd !== null) pushBounded(history.brokerOffsets, sample.logEnd, ringSize);
  if (sample.committed === null) return null;
  const last = history.offsets.length > 0 ? history.offsets[history.offsets.length - 1]! : null;
  const fresh = last === null || last.offset !== sample.committed || sample.owned;
  const entry: OffsetEntry = {
    offset: sample.committed,
    timestamp: fresh ? sample.observedAt : last.timestamp,
    observedAt: sample.observedAt,
    lag: lagOf(sample.logEnd, sample.committed),
  };
  pushBounded(history.offsets, entry, ringSize);
  return entry;
}

/** The time the committed offset last moved (or was last re-committed by a live member); 0 when never. */
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
