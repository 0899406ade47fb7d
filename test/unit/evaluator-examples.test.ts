// The worked examples of burrow-spec.md §2.5 (and the group example under the table), run through Warren's
// evaluator. The spec shows timestamps in seconds; the evaluator works in ms.
import { describe, expect, it } from 'vitest';
import { evaluateGroup, evaluatePartition, onlyProblems, stopped } from '../../evaluator/index.ts';
import type { OffsetEntry, PartitionInput, RuleConfig } from '../../evaluator/index.ts';

const S = 1000;
// No minSilenceMs: 0, Burrow's STOP timing.
const RULES: RuleConfig = { allowedLag: 0, minimumComplete: 0 };

/** One window entry from the spec's (ts in seconds, offset, commit-time lag). */
function e(tsSec: number, offset: number, lag: number | null): OffsetEntry {
  return { offset, timestamp: tsSec * S, observedAt: tsSec * S, lag };
}

/**
 * Burrow has no notion of ownership in its rules, so the examples run with `owned: false` (a stopped window is
 * STOP, not Warren's STALL `no-progress`) and with RULES' minSilenceMs unset (0, Burrow's timing).
 */
function input(offsets: OffsetEntry[], brokerOffsets: number[], currentLag: number, ringSize = 10, partition = 0): PartitionInput {
  return {
    topic: 'orders',
    partition,
    offsets,
    ringSize,
    brokerOffsets,
    currentLag,
    owner: '/10.1.2.3',
    clientId: 'orders-1',
    owned: false,
  };
}

/** Five entries 100 s apart (ts 100…500), with the given offsets and lags. */
function five(offsets: number[], lags: (number | null)[]): OffsetEntry[] {
  return offsets.map((offset, i) => e(100 * (i + 1), offset, lags[i]!));
}

// Example #1–#3: (100,1000,0)(200,2000,50)(300,3000,100)(400,4000,150)(500,5000,200)
const W1 = five([1000, 2000, 3000, 4000, 5000], [0, 50, 100, 150, 200]);
// Example #4–#5: (100,1000,50)…(500,5000,250)
const W4 = five([1000, 2000, 3000, 4000, 5000], [50, 100, 150, 200, 250]);
// Example #6 and #14: offsets all 1000, lags 100…300
const W6 = five([1000, 1000, 1000, 1000, 1000], [100, 150, 200, 250, 300]);

describe('burrow-spec §2.5 worked examples', () => {
  it('#1 OK: not stopped, no rewind, a lag of 0 exists', () => {
    const r = evaluatePartition(input(W1, [5200], 200), 600 * S, RULES);
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-reached-zero', index: 0, lag: 0, allowedLag: 0 });
    expect(r.currentLag).toBe(200);
    expect(r.start).toBe(W1[0]);
    expect(r.end).toBe(W1[4]);
    expect(r.complete).toBe(0.5);
  });

  it('#2 OK: 400 s since the last commit is not > the 400 s span', () => {
    const r = evaluatePartition(input(W1, [5200], 200), 900 * S, RULES);
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-reached-zero', index: 0, lag: 0, allowedLag: 0 });
    expect(stopped(W1, [5200], 900 * S)).toBeNull();
  });

  it('#3 STOP: 500 s since the last commit > 400 s span, 5200 > 5000 so no recent zero', () => {
    const r = evaluatePartition(input(W1, [5200], 200), 1000 * S, RULES);
    expect(r.status).toBe('STOP');
    expect(r.reason).toEqual({
      rule: 'stopped',
      sinceLastMs: 500 * S,
      windowSpanMs: 400 * S,
      lastOffset: 5000,
      newestBrokerOffset: 5200,
    });
  });

  it('#4 STOP: same timing with lags 50…250', () => {
    const r = evaluatePartition(input(W4, [5250], 250), 1000 * S, RULES);
    expect(r.status).toBe('STOP');
    expect(r.reason).toEqual({
      rule: 'stopped',
      sinceLastMs: 500 * S,
      windowSpanMs: 400 * S,
      lastOffset: 5000,
      newestBrokerOffset: 5250,
    });
  });

  it('#5 OK: current lag 0 short-circuits even a stopped window', () => {
    const r = evaluatePartition(input(W4, [5250], 0), 1000 * S, RULES);
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-within-allowed', currentLag: 0, allowedLag: 0 });
  });

  it('#6 STALL: lag never 0, offsets never move', () => {
    const r = evaluatePartition(input(W6, [1300], 300), 600 * S, RULES);
    expect(r.status).toBe('STALL');
    expect(r.reason).toEqual({ rule: 'stalled', offset: 1000, entries: 5, firstLag: 100, lastLag: 300 });
  });

  it('#7 OK: offsets frozen but a lag of 0 exists; STALL once a later commit pushes it out', () => {
    const w7 = five([1000, 1000, 1000, 1000, 1000], [0, 50, 100, 150, 200]);
    const r = evaluatePartition(input(w7, [1200], 200, 5), 600 * S, RULES);
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-reached-zero', index: 0, lag: 0, allowedLag: 0 });

    // Ring of 5: the next commit (600, 1000, 250) pushes the 0-lag entry out.
    const next = [...w7.slice(1), e(600, 1000, 250)];
    const later = evaluatePartition(input(next, [1200, 1250], 250, 5), 700 * S, RULES);
    expect(later.status).toBe('STALL');
    expect(later.reason).toEqual({ rule: 'stalled', offset: 1000, entries: 5, firstLag: 50, lastLag: 250 });
  });

  it('#8 WARN: moving, lag never 0, lag never decreases', () => {
    const r = evaluatePartition(input(W4, [5250], 250), 600 * S, RULES);
    expect(r.status).toBe('WARN');
    expect(r.reason).toEqual({ rule: 'lag-not-decreasing', entries: 5, firstLag: 50, lastLag: 250 });
  });

  it('#9 REWIND: drop at index 3, never regains 3000', () => {
    const w9 = five([1000, 2000, 3000, 2000, 2500], [100, 150, 200, 1250, 300]);
    const r = evaluatePartition(input(w9, [4300], 300), 600 * S, RULES);
    expect(r.status).toBe('REWIND');
    expect(r.reason).toEqual({ rule: 'rewind', index: 3, from: 3000, to: 2000 });
  });

  it('#10 OK: rewind recovered (4000 ≥ 3000) and the lag decreases 1250 → 300', () => {
    const w10 = five([1000, 2000, 3000, 2000, 4000], [100, 150, 200, 1250, 300]);
    const r = evaluatePartition(input(w10, [4300], 300), 600 * S, RULES);
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-decreasing', index: 4, from: 1250, to: 300 });
  });

  // #11/#12: 15 commits 1 s apart (span 14.0 s), all lag 0, last offset 792748093 at T; now = T + 17.6 s.
  // The spec lists B newest-first for these two rows (L = first listed − 792748093); here it is oldest first.
  const T = 1_760_000_000_000;
  const W11 = Array.from({ length: 15 }, (_, i): OffsetEntry => {
    const ts = T - (14 - i) * S;
    return { offset: 792748079 + i, timestamp: ts, observedAt: ts, lag: 0 };
  });

  it('#11 OK: stopped by timestamps, but a broker offset ≤ the last offset (recent zero)', () => {
    expect(W11[14]!.offset).toBe(792748093);
    const b = [792748093, 792748093, 792748093, 792748094];
    const r = evaluatePartition(input(W11, b, 1, 15), T + 17_600, RULES);
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-reached-zero', index: 0, lag: 0, allowedLag: 0 });
    expect(r.complete).toBe(1);
    // The timing alone says stopped: only the broker history keeps it from STOP.
    expect(stopped(W11, [], T + 17_600)).toMatchObject({ sinceLastMs: 17_600, windowSpanMs: 14_000 });
  });

  it('#12 STOP: same window, no broker offset ≤ 792748093', () => {
    const b = [792748500, 792748600, 792748800, 792749000, 792749024];
    const r = evaluatePartition(input(W11, b, 931, 15), T + 17_600, RULES);
    expect(r.status).toBe('STOP');
    expect(r.reason).toEqual({
      rule: 'stopped',
      sinceLastMs: 17_600,
      windowSpanMs: 14_000,
      lastOffset: 792748093,
      newestBrokerOffset: 792749024,
    });
  });

  it('#13 OK: current lag 1 within allowed-lag 1 (Kafka Streams EOS off-by-one)', () => {
    const w13 = [e(100, 1000, 2), e(200, 2000, 1), e(300, 2000, 1)];
    const late = 100_000 * S;
    const r = evaluatePartition(input(w13, [2001], 1), late, { allowedLag: 1, minimumComplete: 0 });
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-within-allowed', currentLag: 1, allowedLag: 1 });
    // With the default allowed-lag of 0 the same partition is STOP.
    expect(evaluatePartition(input(w13, [2001], 1), late, RULES).status).toBe('STOP');
  });

  it('#14 STALL: example 6 with allowed-lag 99 (only the ≤ comparisons change)', () => {
    const r = evaluatePartition(input(W6, [1300], 300), 600 * S, { allowedLag: 99, minimumComplete: 0 });
    expect(r.status).toBe('STALL');
    expect(r.reason).toEqual({ rule: 'stalled', offset: 1000, entries: 5, firstLag: 100, lastLag: 300 });
  });

  it('#15 OK: backfilled null lags are ignored', () => {
    const w15 = five([1000, 2000, 3000, 4000, 5000], [0, null, 50, null, 100]);
    const r = evaluatePartition(input(w15, [5200], 200), 600 * S, RULES);
    expect(r.status).toBe('OK');
    expect(r.reason).toEqual({ rule: 'lag-reached-zero', index: 0, lag: 0, allowedLag: 0 });
  });
});

describe('burrow-spec §2.5 group example', () => {
  // Ring of 10. p0: full, current lag 0. p1: full, lag growing, last commit now. p2: 5 commits, stopped.
  const now = 1000 * S;
  const p0 = input(
    Array.from({ length: 10 }, (_, i) => e(100 * (i + 1), 1000 * (i + 1), 0)),
    [10_000],
    0,
    10,
    0,
  );
  const p1 = input(
    Array.from({ length: 10 }, (_, i) => e(100 * (i + 1), 1000 * (i + 1), 30 * (i + 1))),
    [10_300],
    300,
    10,
    1,
  );
  const p2 = input(five([1000, 2000, 3000, 4000, 5000], [100, 200, 300, 400, 500]), [5900], 900, 10, 2);
  const result = evaluateGroup('prod', 'orders-svc', [p0, p1, p2], now, RULES);

  it('p0 OK, p1 WARN, p2 STOP → group ERR', () => {
    expect(result.partitions.map((p) => [p.partition, p.status, p.complete])).toEqual([
      [0, 'OK', 1],
      [1, 'WARN', 1],
      [2, 'STOP', 0.5],
    ]);
    expect(result.status).toBe('ERR');
    expect(result.cluster).toBe('prod');
    expect(result.group).toBe('orders-svc');
  });

  it('totallag 1200, maxlag p2, partition_count 3, complete float32(2/3)', () => {
    expect(result.totallag).toBe(1200);
    expect(result.maxlag).toBe(result.partitions[2]);
    expect(result.maxlag?.currentLag).toBe(900);
    expect(result.partitionCount).toBe(3);
    expect(result.complete).toBe(Math.fround(2 / 3));
    expect(result.complete).toBeCloseTo(0.6666667, 7);
    if (result.status === 'NOTFOUND') throw new Error('unexpected NOTFOUND');
    expect(result.worst).toBe(result.partitions[2]);
  });

  it('onlyProblems keeps p1 and p2 and leaves the group numbers unchanged', () => {
    const filtered = onlyProblems(result);
    expect(filtered.partitions.map((p) => p.partition)).toEqual([1, 2]);
    expect(filtered.status).toBe('ERR');
    expect(filtered.totallag).toBe(1200);
    expect(filtered.partitionCount).toBe(3);
    expect(filtered.complete).toBe(Math.fround(2 / 3));
    expect(filtered.maxlag).toBe(result.partitions[2]);
    // The full result (/lag) still lists all three.
    expect(result.partitions).toHaveLength(3);
  });
});
