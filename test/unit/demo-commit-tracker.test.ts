// The safe multi-worker form's commit rule: per partition, only the contiguous run of finished records (in the
// order they were handed out) may be committed.
import { describe, expect, it } from 'vitest';
import { CommitTracker } from '../../demo/commit-tracker.ts';

function tracked(offsets: number[], topic = 't', partition = 0): CommitTracker {
  const tracker = new CommitTracker();
  for (const o of offsets) expect(tracker.track(topic, partition, BigInt(o))).toBe(true);
  return tracker;
}

describe('CommitTracker', () => {
  it('commits nothing before the oldest record finished', () => {
    const tracker = tracked([10, 11, 12]);
    expect(tracker.complete('t', 0, 12n)).toBeNull();
    expect(tracker.complete('t', 0, 11n)).toBeNull();
    expect(tracker.pending()).toEqual([]);
    expect(tracker.committable('t', 0)).toBeNull();
    expect(tracker.inFlight).toBe(1);
  });

  it('jumps over records that finished early once the gap closes', () => {
    const tracker = tracked([10, 11, 12, 13]);
    tracker.complete('t', 0, 12n);
    tracker.complete('t', 0, 11n);
    expect(tracker.complete('t', 0, 10n)).toBe(13n);
    expect(tracker.pending()).toEqual([{ topic: 't', partition: 0, offset: 13n }]);
    expect(tracker.complete('t', 0, 13n)).toBe(14n);
    expect(tracker.inFlight).toBe(0);
  });

  it('commits one past the last finished record, across holes in the offsets (markers, compaction)', () => {
    const tracker = tracked([5, 9, 20]);
    expect(tracker.complete('t', 0, 5n)).toBe(6n);
    expect(tracker.complete('t', 0, 20n)).toBeNull();
    expect(tracker.complete('t', 0, 9n)).toBe(21n);
  });

  it('keeps partitions apart: a stuck record holds back only its own partition', () => {
    const tracker = new CommitTracker();
    tracker.track('t', 0, 0n);
    tracker.track('t', 1, 0n);
    tracker.track('t', 0, 1n);
    tracker.track('t', 1, 1n);
    tracker.track('u', 0, 7n);
    tracker.complete('t', 0, 1n);
    tracker.complete('t', 1, 0n);
    tracker.complete('t', 1, 1n);
    tracker.complete('u', 0, 7n);
    expect(tracker.pending()).toEqual(
      expect.arrayContaining([
        { topic: 't', partition: 1, offset: 2n },
        { topic: 'u', partition: 0, offset: 8n },
      ]),
    );
    expect(tracker.pending()).toHaveLength(2);
    expect(tracker.inFlightOf('t', 0)).toBe(1);
  });

  it('offers each committable offset once, until it grows', () => {
    const tracker = tracked([0, 1, 2]);
    tracker.complete('t', 0, 0n);
    const [first] = tracker.pending();
    expect(first?.offset).toBe(1n);
    tracker.committed('t', 0, 1n);
    expect(tracker.pending()).toEqual([]);
    tracker.complete('t', 0, 2n);
    expect(tracker.pending()).toEqual([]);
    tracker.complete('t', 0, 1n);
    expect(tracker.pending()).toEqual([{ topic: 't', partition: 0, offset: 3n }]);
  });

  it('a commit older than the last one does not move the committed mark back', () => {
    const tracker = tracked([0, 1]);
    tracker.complete('t', 0, 0n);
    tracker.complete('t', 0, 1n);
    tracker.committed('t', 0, 2n);
    tracker.committed('t', 0, 1n);
    expect(tracker.pending()).toEqual([]);
  });

  it('refuses redeliveries (offsets at or below one already handed out) and ignores unknown completions', () => {
    const tracker = tracked([3, 4]);
    expect(tracker.track('t', 0, 4n)).toBe(false);
    expect(tracker.track('t', 0, 2n)).toBe(false);
    expect(tracker.complete('t', 0, 99n)).toBeNull();
    expect(tracker.complete('t', 1, 3n)).toBeNull();
    expect(tracker.complete('t', 0, 3n)).toBe(4n);
    expect(tracker.complete('t', 0, 3n)).toBeNull();
    expect(tracker.inFlight).toBe(1);
  });

  it('forgets a revoked partition: its late completions commit nothing, its in-flight count is dropped', () => {
    const tracker = tracked([0, 1, 2]);
    tracker.track('t', 1, 0n);
    tracker.complete('t', 0, 1n);
    expect(tracker.inFlight).toBe(3);
    tracker.retain([{ topic: 't', partition: 1 }]);
    expect(tracker.inFlight).toBe(1);
    expect(tracker.complete('t', 0, 0n)).toBeNull();
    expect(tracker.pending()).toEqual([]);
    expect(tracker.partitions()).toEqual([{ topic: 't', partition: 1 }]);
    // Assigned again later: starts afresh from what the stream delivers.
    expect(tracker.track('t', 0, 0n)).toBe(true);
  });

  it('never offers an offset past an unfinished record, whatever the finishing order (exhaustive, 6 records)', () => {
    const permutations = (items: number[]): number[][] =>
      items.length <= 1 ? [items] : items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
    for (const order of permutations([0, 1, 2, 3, 4, 5])) {
      const tracker = tracked([0, 1, 2, 3, 4, 5]);
      const finished = new Set<number>();
      for (const offset of order) {
        tracker.complete('t', 0, BigInt(offset));
        finished.add(offset);
        let run = 0;
        while (finished.has(run)) run++;
        expect(tracker.committable('t', 0)).toBe(run === 0 ? null : BigInt(run));
      }
    }
  });

  it('stays correct over long runs (queue compaction)', () => {
    const tracker = new CommitTracker();
    for (let i = 0; i < 5000; i++) tracker.track('t', 0, BigInt(i));
    for (let i = 0; i < 5000; i += 2) tracker.complete('t', 0, BigInt(i + 1));
    expect(tracker.committable('t', 0)).toBeNull();
    for (let i = 0; i < 4000; i += 2) tracker.complete('t', 0, BigInt(i));
    expect(tracker.committable('t', 0)).toBe(4000n);
    for (let i = 5000; i < 5010; i++) tracker.track('t', 0, BigInt(i));
    for (let i = 4000; i < 5010; i += 2) tracker.complete('t', 0, BigInt(i));
    expect(tracker.committable('t', 0)).toBe(5001n);
    expect(tracker.inFlight).toBe(5);
  });
});
