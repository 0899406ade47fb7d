// Lag in time (issue 7): the log-end history and the estimate, on known offset/time series.
// Times in the examples are in seconds (S) and the evaluator works in ms.
import { describe, expect, it } from 'vitest';
import { emptyLogEnds, estimateTimeLag, evaluateGroup, evaluatePartition, exactTimeLag, recordLogEnd } from '../../evaluator/index.ts';
import type { LogEndHistory, OffsetEntry, PartitionInput } from '../../evaluator/index.ts';

const S = 1000;
const CYCLE = 30 * S;

/** A history from (offset, time in s) points, oldest first. */
function h(points: [number, number][]): LogEndHistory {
  return { offsets: points.map((p) => p[0]), times: points.map((p) => p[1] * S) };
}

/** A history built the way the tracker builds it: one recordLogEnd per cycle. */
function recorded(logEnds: number[], startMs = 0, capacity = 1000): LogEndHistory {
  const history = emptyLogEnds();
  logEnds.forEach((offset, i) => recordLogEnd(history, offset, startMs + i * CYCLE, capacity));
  return history;
}

describe('recordLogEnd', () => {
  it('appends moving offsets oldest first', () => {
    const history = recorded([0, 3000, 6000]);
    expect(history).toEqual(h([[0, 0], [3000, 30], [6000, 60]]));
  });

  it('keeps a flat run as two points: first seen and last seen', () => {
    const history = recorded([0, 1000, 1000, 1000, 1000, 2000]);
    expect(history).toEqual(h([[0, 0], [1000, 30], [1000, 120], [2000, 150]]));
  });

  it('ignores a sample not after the newest point', () => {
    const history = h([[0, 0], [1000, 30]]);
    recordLogEnd(history, 2000, 30 * S, 10);
    recordLogEnd(history, 2000, 10 * S, 10);
    expect(history).toEqual(h([[0, 0], [1000, 30]]));
  });

  it('restarts at the new point when the offset goes down (topic recreated or truncated), in place', () => {
    const history = h([[1000, 10], [2000, 20], [3000, 30]]);
    const { offsets, times } = history;
    recordLogEnd(history, 50, 40 * S, 10);
    expect(history).toEqual(h([[50, 40]]));
    expect(history.offsets).toBe(offsets);
    expect(history.times).toBe(times);
    recordLogEnd(history, 80, 70 * S, 10);
    expect(history).toEqual(h([[50, 40], [80, 70]]));
  });
});

describe('estimateTimeLag', () => {
  // 100 messages/s, sampled every 30 s: log end 0 at 0 s, 3000 at 30 s, … 30000 at 300 s.
  const steady = recorded(Array.from({ length: 11 }, (_, i) => i * 3000));

  it('steady rate: interpolation exact to the ms', () => {
    // The record at 4500 was produced at 45 s; at 4501, 45.01 s.
    expect(estimateTimeLag(steady, 4500, 100 * S)).toEqual({ kind: 'interpolated', ms: 55_000, producedAt: 45_000 });
    expect(estimateTimeLag(steady, 4501, 100 * S)).toEqual({ kind: 'interpolated', ms: 54_990, producedAt: 45_010 });
    // On a point: the log end was 3000 at 30 s, so the record at 3000 was produced right after.
    expect(estimateTimeLag(steady, 3000, 100 * S)).toEqual({ kind: 'interpolated', ms: 70_000, producedAt: 30_000 });
  });

  it('committed between two points of an uneven history', () => {
    // 600 messages between 10 s and 40 s; the record at 1150 is 150/600 of the way: 17.5 s.
    const history = h([[0, 0], [1000, 10], [1600, 40], [1700, 100]]);
    expect(estimateTimeLag(history, 1150, 60 * S)).toEqual({ kind: 'interpolated', ms: 42_500, producedAt: 17_500 });
  });

  it('caught up: committed at or past the newest log end', () => {
    expect(estimateTimeLag(steady, 30_000, 400 * S)).toEqual({ kind: 'caught-up', ms: 0 });
    expect(estimateTimeLag(steady, 30_001, 400 * S)).toEqual({ kind: 'caught-up', ms: 0 });
  });

  it('idle topic: committed at the log end is caught up; committed behind is as old as its record', () => {
    // 1000 → 2000 between 0 s and 10 s, then nothing for an hour.
    const idle = h([[1000, 0], [2000, 10], [2000, 3600]]);
    expect(estimateTimeLag(idle, 2000, 3630 * S)).toEqual({ kind: 'caught-up', ms: 0 });
    // The record at 1500 was produced at 5 s: the consumer is an hour behind, whatever the idle spell.
    expect(estimateTimeLag(idle, 1500, 3630 * S)).toEqual({ kind: 'interpolated', ms: 3_625_000, producedAt: 5_000 });
  });

  it('burst after an hour idle: a consumer 300 messages into the burst is seconds behind, not an hour', () => {
    // 10 messages/s for 300 s, an hour idle, then a burst of 1000 messages/s; sampled every 30 s.
    const logEnds: number[] = [];
    for (let i = 0; i <= 10; i++) logEnds.push(i * 300); // 0 … 3000 at 0 … 300 s
    for (let i = 0; i < 120; i++) logEnds.push(3000); // idle until 3900 s
    logEnds.push(33_000); // 3930 s: 30 000 burst messages
    const history = recorded(logEnds);
    // The flat run keeps both endpoints: 3000 first seen at 300 s and last seen at 3900 s.
    const n = history.offsets.length;
    expect(history.offsets.slice(n - 4)).toEqual([2700, 3000, 3000, 33_000]);
    expect(history.times.slice(n - 4)).toEqual([270 * S, 300 * S, 3900 * S, 3930 * S]);

    const now = 3930 * S;
    const estimate = estimateTimeLag(history, 3300, now);
    // Produced after 3900 s (the log end was still 3000 then): 3900 + 300/30000 × 30 s = 3900.3 s.
    expect(estimate).toEqual({ kind: 'interpolated', ms: 29_700, producedAt: 3_900_300 });

    // The naive history (a flat run keeps only its first point) puts the record along the idle hour.
    const naive: LogEndHistory = { offsets: history.offsets.slice(), times: history.times.slice() };
    naive.offsets.splice(n - 2, 1);
    naive.times.splice(n - 2, 1);
    const wrong = estimateTimeLag(naive, 3300, now);
    expect(wrong.kind).toBe('interpolated');
    // 300 + 300/30000 × 3630 s = 336.3 s: "3593.7 s behind", about an hour.
    expect(wrong).toMatchObject({ ms: 3_593_700 });
  });

  it('a stopped consumer: the estimate grows by exactly Δnow, whether the log end moves or not', () => {
    const history = emptyLogEnds();
    const committed = 1500;
    let logEnd = 0;
    let previous: number | null = null;
    for (let cycle = 0; cycle < 60; cycle++) {
      const now = cycle * CYCLE;
      // Moving for 20 cycles, idle for 20, moving again.
      if (cycle < 20 || cycle >= 40) logEnd += 1000;
      recordLogEnd(history, logEnd, now, 120);
      const estimate = estimateTimeLag(history, committed, now);
      if (logEnd <= committed) {
        expect(estimate.kind).toBe('caught-up');
        continue;
      }
      expect(estimate.kind).toBe('interpolated');
      const ms = (estimate as { ms: number }).ms;
      if (previous !== null) expect(ms - previous).toBe(CYCLE);
      previous = ms;
    }
    // The record at 1500 was produced between 0 s (1000) and 30 s (2000): at 15 s.
    expect(estimateTimeLag(history, committed, 59 * CYCLE)).toEqual({ kind: 'interpolated', ms: 59 * CYCLE - 15 * S, producedAt: 15 * S });
  });

  it('committed older than the history: extrapolated at the average rate, never below atLeastMs', () => {
    // 100 messages/s from 100 s to 130 s; the record at 9000 was produced 1000/100 = 10 s before 100 s.
    const history = h([[10_000, 100], [13_000, 130]]);
    expect(estimateTimeLag(history, 9000, 200 * S)).toEqual({ kind: 'extrapolated', ms: 110_000, atLeastMs: 100_000 });
    // The rate averages over the whole history: 3000 messages in 100 s here (30/s).
    const slower = h([[10_000, 100], [10_000, 170], [13_000, 200]]);
    expect(estimateTimeLag(slower, 9700, 300 * S)).toEqual({ kind: 'extrapolated', ms: 210_000, atLeastMs: 200_000 });
  });

  it('committed older than a flat history (no rate): atLeastMs only', () => {
    const flat = h([[10_000, 100], [10_000, 150]]);
    expect(estimateTimeLag(flat, 9000, 200 * S)).toEqual({ kind: 'extrapolated', ms: 100_000, atLeastMs: 100_000 });
    // Two points make a time span even when the log end has not moved: the lower bound holds from the first cycle after.
    const flatNow = recorded([10_000, 10_000]);
    expect(estimateTimeLag(flatNow, 9000, CYCLE)).toEqual({ kind: 'extrapolated', ms: CYCLE, atLeastMs: CYCLE });
  });

  it('committed older than a history spanning no time (one point): unknown, not 0 ms behind', () => {
    // The first cycle: the tracker records the log end and evaluates at the same time.
    const first = recorded([10_000], 100 * S);
    expect(estimateTimeLag(first, 9000, 100 * S)).toEqual({ kind: 'unknown', why: 'no-history' });
    // Later, with no second point yet (e.g. the log end could not be read since): still nothing to estimate from.
    expect(estimateTimeLag(first, 9000, 200 * S)).toEqual({ kind: 'unknown', why: 'no-history' });
    // At or past the point: caught up, as before.
    expect(estimateTimeLag(first, 10_000, 100 * S)).toEqual({ kind: 'caught-up', ms: 0 });
    // The first cycle after a restart (the log end went down): one point again.
    const restarted = recorded([10_000, 20_000, 500]);
    expect(estimateTimeLag(restarted, 400, 2 * CYCLE)).toEqual({ kind: 'unknown', why: 'no-history' });
    // The next cycle gives a span, and the estimate comes back.
    recordLogEnd(restarted, 800, 3 * CYCLE, 1000);
    expect(estimateTimeLag(restarted, 400, 3 * CYCLE)).toEqual({ kind: 'extrapolated', ms: 40_000, atLeastMs: CYCLE });
    // Through evaluatePartition too: a lagging partition on the first cycle is unknown, and left out of maxTimeLag.
    const lagging: PartitionInput = {
      topic: 't',
      partition: 0,
      offsets: [{ offset: 9000, timestamp: 100 * S, observedAt: 100 * S, lag: 1000 }],
      ringSize: 10,
      brokerOffsets: [10_000],
      currentLag: 1000,
      owner: '',
      clientId: '',
      owned: false,
      logEnds: first,
    };
    expect(evaluatePartition(lagging, 100 * S).timeLag).toEqual({ kind: 'unknown', why: 'no-history' });
    expect(evaluateGroup('c', 'g', [lagging], 100 * S)).toMatchObject({ maxTimeLagMs: null, maxTimeLag: null });
  });

  it('unknown without a commit or without a history', () => {
    expect(estimateTimeLag(steady, null, 100 * S)).toEqual({ kind: 'unknown', why: 'no-commit' });
    expect(estimateTimeLag(emptyLogEnds(), 5, 100 * S)).toEqual({ kind: 'unknown', why: 'no-history' });
  });

  it('never negative (now before the record, e.g. clock skew)', () => {
    expect(estimateTimeLag(steady, 4500, 40 * S)).toEqual({ kind: 'interpolated', ms: 0, producedAt: 45_000 });
    expect(estimateTimeLag(steady, -10, -5 * S)).toMatchObject({ kind: 'extrapolated', atLeastMs: 0 });
  });
});

describe('exactTimeLag', () => {
  it('now − the producer timestamp, never negative', () => {
    expect(exactTimeLag(40_000, 100_000)).toEqual({ kind: 'exact', ms: 60_000, producedAt: 40_000 });
    expect(exactTimeLag(100_500, 100_000)).toEqual({ kind: 'exact', ms: 0, producedAt: 100_500 });
  });
});

describe('thinning at capacity', () => {
  /** A deterministic jitter in [-2 s, 2 s]. */
  const jitter = (i: number): number => Math.round(Math.sin(i * 12.9898) * 2000);

  it('keeps the first and last points and the flat-run endpoints, and never exceeds capacity', () => {
    const history = emptyLogEnds();
    let logEnd = 0;
    const run: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const at = i * CYCLE + jitter(i);
      if (i < 500 || i >= 620) logEnd += 3000;
      if (i === 499 || i === 619) run.push(at);
      recordLogEnd(history, logEnd, at, 120);
      expect(history.offsets.length).toBeLessThanOrEqual(120);
    }
    expect(history.offsets[0]).toBe(3000);
    expect(history.times[0]).toBe(jitter(0));
    expect(history.offsets.at(-1)).toBe(logEnd);
    expect(history.times.at(-1)).toBe(1999 * CYCLE + jitter(1999));
    // The idle spell (cycles 499…619 at log end 1 500 000) keeps its first-seen and last-seen points.
    const i = history.offsets.indexOf(1_500_000);
    expect(i).toBeGreaterThan(0);
    expect(history.offsets[i + 1]).toBe(1_500_000);
    expect([history.times[i], history.times[i + 1]]).toEqual(run);
  });

  it('a steady producer: every estimate within 20 ms of the true production time after thinning 2000 points to 120', () => {
    // 100 messages/s exactly; sampled every 30 s ± 2 s, so no two points are the same distance apart.
    const history = emptyLogEnds();
    let last = 0;
    for (let i = 0; i < 2000; i++) {
      last = i * CYCLE + jitter(i);
      recordLogEnd(history, Math.floor(last / 10), last, 120);
    }
    expect(history.offsets.length).toBe(120);
    const now = last + 1000;
    let worst = 0;
    let compared = 0;
    for (let committed = Math.ceil(history.offsets[0]!) + 1; committed < history.offsets.at(-1)!; committed += 997) {
      const estimate = estimateTimeLag(history, committed, now);
      expect(estimate.kind).toBe('interpolated');
      const trueProducedAt = committed * 10; // the record at offset k was produced at k × 10 ms
      worst = Math.max(worst, Math.abs((estimate as { producedAt: number }).producedAt - trueProducedAt));
      compared++;
    }
    // The thinned history still spans most of the 2000 cycles (6 million offsets): thousands of estimates checked.
    expect(compared).toBeGreaterThan(1000);
    expect(worst).toBeLessThanOrEqual(20);
  });

  it('a varying producer with idle spells: estimates within 1% of the unthinned history, for lags of minutes as of hours', () => {
    const thin = emptyLogEnds();
    const full = emptyLogEnds();
    let logEnd = 0;
    for (let i = 0; i < 2000; i++) {
      const at = i * CYCLE + jitter(i);
      // A rate between 0 and 200 messages/s, with idle spells where it is below 40.
      const rate = 100 + 100 * Math.sin(i / 37);
      if (rate > 40) logEnd += Math.round(rate * 30);
      recordLogEnd(thin, logEnd, at, 120);
      recordLogEnd(full, logEnd, at, 1_000_000);
    }
    expect(thin.offsets.length).toBe(120);
    expect(full.offsets.length).toBeGreaterThan(1000);
    const now = thin.times.at(-1)! + 1000;
    let worst = 0;
    let compared = 0;
    for (let committed = 0; committed < logEnd; committed += 101) {
      const b = estimateTimeLag(full, committed, now);
      if (b.kind === 'caught-up') continue;
      const a = estimateTimeLag(thin, committed, now);
      expect(a.kind).toBe(b.kind);
      const ms = (b as { ms: number }).ms;
      worst = Math.max(worst, Math.abs((a as { ms: number }).ms - ms) / ms);
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
    expect(worst).toBeLessThanOrEqual(0.01);
  });
});

describe('evaluatePartition and evaluateGroup fill timeLag, trend and maxTimeLag', () => {
  // 100 messages/s: log end 0 at 0 s … 30000 at 300 s.
  const logEnds = recorded(Array.from({ length: 11 }, (_, i) => i * 3000));
  const entry = (tsSec: number, offset: number, lag: number | null): OffsetEntry => ({ offset, timestamp: tsSec * S, observedAt: tsSec * S, lag });
  // Committed 6000 at 240 s (lag 18000), 6000 → 9000 by 270 s.
  const window = [entry(240, 6000, 18_000), entry(270, 9000, 18_000)];

  function input(over: Partial<PartitionInput> = {}): PartitionInput {
    return {
      topic: 'orders',
      partition: 0,
      offsets: window,
      ringSize: 10,
      brokerOffsets: [24_000, 27_000],
      currentLag: 21_000,
      owner: '/10.0.0.1',
      clientId: 'c',
      owned: true,
      ...over,
    };
  }

  it('the estimate from logEnds at the committed offset, else at the newest window entry', () => {
    // Window: committed 9000, produced at 90 s; at 300 s that is 210 s behind.
    expect(evaluatePartition(input({ logEnds, currentLag: 21_000 }), 300 * S).timeLag).toEqual({ kind: 'interpolated', ms: 210_000, producedAt: 90_000 });
    // p.committed wins over the window.
    expect(evaluatePartition(input({ logEnds, committed: 12_000, currentLag: 18_000 }), 300 * S).timeLag).toEqual({
      kind: 'interpolated',
      ms: 180_000,
      producedAt: 120_000,
    });
  });

  it('caught-up at lag 0 with a known committed offset; unknown without logEnds, or without a commit', () => {
    const caughtUp = evaluatePartition(input({ currentLag: 0 }), 300 * S).timeLag;
    expect(caughtUp).toEqual({ kind: 'caught-up', ms: 0 });
    const a = evaluatePartition(input(), 300 * S).timeLag;
    expect(a).toEqual({ kind: 'unknown', why: 'no-history' });
    // One shared frozen object, not one per evaluation.
    expect(evaluatePartition(input({ partition: 1 }), 300 * S).timeLag).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(evaluatePartition(input({ offsets: [], currentLag: 0 }), 300 * S).timeLag).toEqual({ kind: 'unknown', why: 'no-history' });
    expect(evaluatePartition(input({ offsets: [], currentLag: 0, logEnds }), 300 * S).timeLag).toEqual({ kind: 'unknown', why: 'no-commit' });
  });

  it('committed: null is "no commit now", not the window\'s old offset (the lag is 0 by convention then, not caught up)', () => {
    const r = evaluatePartition(input({ committed: null, currentLag: 0, logEnds, logStart: 0 }), 300 * S);
    expect(r.timeLag).toEqual({ kind: 'unknown', why: 'no-commit' });
    expect(evaluatePartition(input({ committed: null, currentLag: 0 }), 300 * S).timeLag).toEqual({ kind: 'unknown', why: 'no-history' });
  });

  it('exact mode: the producer timestamp, caught-up at lag 0', () => {
    expect(evaluatePartition(input({ logEnds, exactProducedAt: 100 * S }), 300 * S).timeLag).toEqual({ kind: 'exact', ms: 200_000, producedAt: 100_000 });
    expect(evaluatePartition(input({ exactProducedAt: 100 * S, currentLag: 0 }), 300 * S).timeLag).toEqual({ kind: 'caught-up', ms: 0 });
  });

  it('the trend from the window, with the data-loss time from logStart and the committed offset', () => {
    // Lag 18000 at 240 s → 21000 at 300 s: +50 messages/s; 9000 − 3000 above the log start lasts 120 s.
    expect(evaluatePartition(input({ logStart: 3000 }), 300 * S).trend).toEqual({ kind: 'falling-behind', velocity: 50, spanMs: 60_000, dataLossMs: 120_000 });
    expect(evaluatePartition(input(), 300 * S).trend).toMatchObject({ kind: 'falling-behind', dataLossMs: null });
    expect(evaluatePartition(input({ offsets: [] }), 300 * S).trend).toEqual({ kind: 'unknown' });
  });

  it('evaluateGroup: the largest known time lag (first of ties, unknown left out) and the group trend', () => {
    const r = evaluateGroup(
      'c',
      'g',
      [
        input({ partition: 0 }), // unknown
        input({ partition: 1, logEnds, committed: 12_000, currentLag: 18_000 }), // 180 s
        input({ partition: 2, logEnds, currentLag: 21_000 }), // 210 s
        input({ partition: 3, exactProducedAt: 90 * S }), // 210 s, a tie: partition 2 keeps it
      ],
      300 * S,
    );
    expect(r.maxTimeLagMs).toBe(210_000);
    expect(r.maxTimeLag).toBe(r.partitions[2]);
    // +50 + (18000 − 18000 → 0) + 50 + 50 messages/s over 60 s
    expect(r.trend).toEqual({ kind: 'falling-behind', velocity: 150, spanMs: 60_000, dataLossMs: null });
  });

  it('evaluateGroup: nulls when no time lag is known; caught-up counts (0 ms)', () => {
    const none = evaluateGroup('c', 'g', [input(), input({ partition: 1, offsets: [] })], 300 * S);
    expect(none.maxTimeLagMs).toBeNull();
    expect(none.maxTimeLag).toBeNull();
    const zero = evaluateGroup('c', 'g', [input(), input({ partition: 1, currentLag: 0 })], 300 * S);
    expect(zero.maxTimeLagMs).toBe(0);
    expect(zero.maxTimeLag).toBe(zero.partitions[1]);
  });
});
