// The safe multi-worker form's bookkeeping: which offsets were handed to workers and which finished, per
// partition, and the one offset it is safe to commit.
//
// Workers finish records in any order. Committing offset N tells Kafka "everything below N is done", so the
// only safe commit for a partition is one past the longest run of finished records from the oldest one handed
// out, in the order they were handed out. A finished record behind an unfinished one waits; a crash then
// replays it (a duplicate) instead of losing the unfinished one (the naive form's loss).
//
// Offsets are compared in hand-out order, not as "previous + 1": a partition's offsets can have holes
// (transaction markers, compacted records), so contiguity means "every record handed out before it finished".

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PendingCommit extends TopicPartition {
  /** The offset to commit: one past the last record of the finished run. */
  offset: bigint;
}

interface PartitionState {
  /** Offsets handed out and not yet part of the finished run, in hand-out order (a queue from `head`). */
  queue: bigint[];
  head: number;
  /** Offsets in the queue still running. */
  running: Set<bigint>;
  /** Offsets in the queue that have finished (behind an older one still running). */
  finished: Set<bigint>;
  /** Highest offset handed out so far (redeliveries at or below it are refused). */
  lastTracked: bigint | null;
  /** One past the last record of the finished run: what may be committed. Null before anything finished. */
  committable: bigint | null;
  /** What was last committed successfully. */
  committed: bigint | null;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function splitKey(key: string): TopicPartition {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export class CommitTracker {
  readonly #partitions = new Map<string, PartitionState>();
  #inFlight = 0;

  /** Records handed out and not finished, over all partitions. */
  get inFlight(): number {
    return this.#inFlight;
  }

  #state(topic: string, partition: number): PartitionState {
    const key = partitionKey(topic, partition);
    let state = this.#partitions.get(key);
    if (!state) {
      state = { queue: [], head: 0, running: new Set(), finished: new Set(), lastTracked: null, committable: null, committed: null };
      this.#partitions.set(key, state);
    }
    return state;
  }

  /**
   * A record is being handed to a worker. Returns false (and tracks nothing) for a redelivery: an offset at or
   * below one already handed out on this partition is either still running or finished, so it must not be
   * handed out again.
   */
  track(topic: string, partition: number, offset: bigint): boolean {
    const state = this.#state(topic, partition);
    if (state.lastTracked !== null && offset <= state.lastTracked) return false;
    state.queue.push(offset);
    state.running.add(offset);
    state.lastTracked = offset;
    this.#inFlight++;
    return true;
  }

  /**
   * A worker finished a record. Returns the new committable offset when the finished run grew, else null
   * (the record finished ahead of an older one, or the offset is unknown: e.g. its partition was revoked).
   */
  complete(topic: string, partition: number, offset: bigint): bigint | null {
    const state = this.#partitions.get(partitionKey(topic, partition));
    // Unknown offsets (forgotten partition, never tracked, finished twice) are ignored.
    if (!state || !state.running.delete(offset)) return null;
    state.finished.add(offset);
    this.#inFlight--;
    let advanced = false;
    while (state.head < state.queue.length && state.finished.has(state.queue[state.head]!)) {
      const done = state.queue[state.head]!;
      state.finished.delete(done);
      state.head++;
      state.committable = done + 1n;
      advanced = true;
    }
    if (state.head > 1024 && state.head * 2 > state.queue.length) {
      state.queue = state.queue.slice(state.head);
      state.head = 0;
    }
    return advanced ? state.committable : null;
  }

  /** Partitions whose committable offset is ahead of what was committed: what a commit should send now. */
  pending(): PendingCommit[] {
    const result: PendingCommit[] = [];
    for (const [key, state] of this.#partitions) {
      if (state.committable !== null && (state.committed === null || state.committable > state.committed)) {
        result.push({ ...splitKey(key), offset: state.committable });
      }
    }
    return result;
  }

  /** Records a successful commit. */
  committed(topic: string, partition: number, offset: bigint): void {
    const state = this.#partitions.get(partitionKey(topic, partition));
    if (state && (state.committed === null || offset > state.committed)) state.committed = offset;
  }

  /** The offset that may be committed for a partition (null when nothing finished yet). */
  committable(topic: string, partition: number): bigint | null {
    return this.#partitions.get(partitionKey(topic, partition))?.committable ?? null;
  }

  /** Records of one partition handed out and not finished. */
  inFlightOf(topic: string, partition: number): number {
    const state = this.#partitions.get(partitionKey(topic, partition));
    return state ? state.running.size : 0;
  }

  /**
   * Drops a partition (revoked in a rebalance): its records still running will finish unnoticed, and nothing
   * is committed for it any more. Another member commits it from now on.
   */
  forget(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    const state = this.#partitions.get(key);
    if (!state) return;
    this.#inFlight -= state.running.size;
    this.#partitions.delete(key);
  }

  /** Forgets every partition not in `keep`. */
  retain(keep: readonly TopicPartition[]): void {
    const wanted = new Set(keep.map((tp) => partitionKey(tp.topic, tp.partition)));
    for (const key of [...this.#partitions.keys()]) {
      if (!wanted.has(key)) {
        const { topic, partition } = splitKey(key);
        this.forget(topic, partition);
      }
    }
  }

  partitions(): TopicPartition[] {
    return [...this.#partitions.keys()].map(splitKey);
  }
}
