// Direct tests of each rule in evaluator/rules.ts and of the partition/group plumbing in evaluate.ts and status.ts.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  STATUS_CODE,
  STATUS_NAMES,
  evaluateGroup,
  evaluatePartition,
  groupStatusOf,
  judgeWindow,
  lagNotDecreasing,
  lagReachedZeroAt,
  lagWithinAllowed,
  newestLogEnd,
  notFound,
  onlyProblems,
  rewound,
  stalled,
  stopped,
  type PartitionHistory,
} from '../../evaluator/index.ts';
import type { OffsetEntry, PartitionInput } from '../../evaluator/index.ts';

/** A window entry; timestamps in ms. */
function e(ts: number, offset: number, lag: number | null = 0): OffsetEntry {
  return { offset, timestamp: ts, observedAt: ts, lag };
}

/** Entries 1000 ms apart starting at ts 1000, with the given offsets (and lags). */
function win(offsets: number[], lags?: (number | null)[]): OffsetEntry[] {
  return offsets.map((offset, i) => e(1000 * (i + 1), offset, lags ? lags[i]! : 0));
}

function input(over: Partial<PartitionInput> = {}): PartitionInput {
  return {
    topic: 't',
    partition: 0,
    offsets: [],
    ringSize: 10,
    brokerOffsets: [],
    currentLag: 0,
    owner: '',
    clientId: '',
    owned: false,
    ...over,
  };
}

describe('lagWithinAllowed (rule a)', () => {
  it('is true at and below allowed-lag, false above', () => {
    expect(lagWithinAllowed(0, 0)).toBe(true);
    expect(lagWithinAllowed(1, 0)).toBe(false);
    expect(lagWithinAllowed(5, 5)).toBe(true);
    expect(lagWithinAllowed(6, 5)).toBe(false);
  });
});

describe('stopped (rule b)', () => {
  const w = win([100, 200, 300]); // ts 1000, 2000, 3000: span 2000

  it('uses a strict >: since-last equal to the span is not stopped', () => {
    expect(stopped(w, [400], 5000)).toBeNull();
    expect(stopped(w, [400], 5001)).toEqual({
      rule: 'stopped',
      sinceLastMs: 2001,
      windowSpanMs: 2000,
      lastOffset: 300,
      newestBrokerOffset: 400,
    });
  });

  it('is suppressed by any broker offset at or below the last committed offset (recent zero)', () => {
    expect(stopped(w, [300, 400, 500], 10_000)).toBeNull(); // equal, oldest
    expect(stopped(w, [400, 250, 500], 10_000)).toBeNull(); // below, in the middle
    expect(stopped(w, [301, 400, 500], 10_000)).toMatchObject({ rule: 'stopped', newestBrokerOffset: 500 });
  });

  it('reports a null newest broker offset when there are none', () => {
    expect(stopped(w, [], 10_000)).toEqual({
      rule: 'stopped',
      sinceLastMs: 7000,
      windowSpanMs: 2000,
      lastOffset: 300,
      newestBrokerOffset: null,
    });
  });

  it('one-entry window: span 0, so any positive delay is stopped', () => {
    const one = [e(1000, 100)];
    expect(stopped(one, [200], 1000)).toBeNull();
    expect(stopped(one, [200], 1001)).toEqual({
      rule: 'stopped',
      sinceLastMs: 1,
      windowSpanMs: 0,
      lastOffset: 100,
      newestBrokerOffset: 200,
    });
    expect(stopped(one, [100], 1001)).toBeNull();
  });

  it('minSilenceMs defaults to 0 (Burrow): passing 0 changes nothing', () => {
    expect(stopped(w, [400], 5001, 0)).toEqual(stopped(w, [400], 5001));
    expect(stopped(w, [400], 5000, 0)).toBeNull();
  });

  it('minSilenceMs gate: stopped needs since-last > span AND since-last ≥ minSilenceMs', () => {
    // span 2000; minSilence 2500: 2001 and 2499 ms are > span but < minSilence.
    expect(stopped(w, [400], 5001, 2500)).toBeNull();
    expect(stopped(w, [400], 5499, 2500)).toBeNull();
    // ≥, not >: exactly minSilence is stopped.
    expect(stopped(w, [400], 5500, 2500)).toEqual({
      rule: 'stopped',
      sinceLastMs: 2500,
      windowSpanMs: 2000,
      lastOffset: 300,
      newestBrokerOffset: 400,
    });
    // A minSilence below the span changes nothing: the span (strict >) decides.
    expect(stopped(w, [400], 5000, 1000)).toBeNull();
    expect(stopped(w, [400], 5001, 1000)).toMatchObject({ sinceLastMs: 2001, windowSpanMs: 2000 });
    // Equal to the span: the strict > on the span still decides at exactly the span.
    expect(stopped(w, [400], 5000, 2000)).toBeNull();
    expect(stopped(w, [400], 5001, 2000)).not.toBeNull();
  });

  it('minSilenceMs does not lift the recent-zero guard', () => {
    expect(stopped(w, [300, 400], 100_000, 2500)).toBeNull();
  });

  it('one-entry window with minSilenceMs: silence must reach minSilenceMs, not just exceed the span of 0', () => {
    const one = [e(1000, 100)];
    expect(stopped(one, [200], 1001, 60_000)).toBeNull();
    expect(stopped(one, [200], 60_999, 60_000)).toBeNull();
    expect(stopped(one, [200], 61_000, 60_000)).toEqual({
      rule: 'stopped',
      sinceLastMs: 60_000,
      windowSpanMs: 0,
      lastOffset: 100,
      newestBrokerOffset: 200,
    });
  });
});

describe('rewound (rule c)', () => {
  it('equal offsets are not a rewind', () => {
    expect(rewound(win([100, 100, 100]))).toBeNull();
    expect(rewound(win([100, 200, 200, 300]))).toBeNull();
  });

  it('a drop that no later offset regains is a rewind (first drop reported)', () => {
    expect(rewound(win([100, 300, 200, 250]))).toEqual({ rule: 'rewind', index: 2, from: 300, to: 200 });
    expect(rewound(win([300, 100]))).toEqual({ rule: 'rewind', index: 1, from: 300, to: 100 });
  });

  it('recovery by an offset equal to the one before the drop clears it', () => {
    expect(rewound(win([100, 300, 200, 300]))).toBeNull();
    expect(rewound(win([100, 300, 200, 400]))).toBeNull();
  });

  it('only the first drop is judged (spec §2.3: r = first index)', () => {
    // 300→200 recovered by 500; the later 500→400 drop is not looked at.
    expect(rewound(win([100, 300, 200, 500, 400]))).toBeNull();
  });

  it('one-entry window is never a rewind', () => {
    expect(rewound([e(1000, 5)])).toBeNull();
  });
});

describe('lagReachedZeroAt (rule d)', () => {
  it('returns the index of the first lag ≤ allowed-lag, or -1', () => {
    expect(lagReachedZeroAt(win([1, 2, 3], [5, 0, 0]), 0)).toBe(1);
    expect(lagReachedZeroAt(win([1, 2, 3], [5, 4, 3]), 0)).toBe(-1);
    expect(lagReachedZeroAt(win([1, 2, 3], [5, 4, 3]), 3)).toBe(2);
    expect(lagReachedZeroAt(win([1, 2, 3], [5, 4, 3]), 2)).toBe(-1);
  });

  it('ignores null lags (null is not zero)', () => {
    expect(lagReachedZeroAt(win([1, 2, 3], [null, null, 0]), 0)).toBe(2);
    expect(lagReachedZeroAt(win([1, 2, 3], [null, 7, null]), 0)).toBe(-1);
    expect(lagReachedZeroAt(win([1, 2], [null, null]), 0)).toBe(-1);
  });

  it('one-entry window', () => {
    expect(lagReachedZeroAt([e(1000, 1, 0)], 0)).toBe(0);
    expect(lagReachedZeroAt([e(1000, 1, 1)], 0)).toBe(-1);
  });
});

describe('stalled (rule e)', () => {
  it('every offset identical → STALL reason with the lag ends (nulls skipped)', () => {
    expect(stalled(win([7, 7, 7, 7], [null, 10, 20, null]))).toEqual({
      rule: 'stalled',
      offset: 7,
      entries: 4,
      firstLag: 10,
      lastLag: 20,
    });
  });

  it('any different offset → not stalled', () => {
    expect(stalled(win([7, 7, 8]))).toBeNull();
    expect(stalled(win([8, 7, 7]))).toBeNull();
  });

  it('Warren difference: a one-entry window is not stalled (Burrow: vacuously true)', () => {
    expect(stalled([e(1000, 42, 3)])).toBeNull();
    expect(stalled([e(1000, 42, 3), e(2000, 42, 4)])).toEqual({
      rule: 'stalled',
      offset: 42,
      entries: 2,
      firstLag: 3,
      lastLag: 4,
    });
  });

  it('all lags null → lag ends null', () => {
    expect(stalled(win([7, 7], [null, null]))).toMatchObject({ firstLag: null, lastLag: null });
  });
});

describe('lagNotDecreasing (rule f)', () => {
  it('never decreasing (equal counts as not decreasing) → WARN reason', () => {
    expect(lagNotDecreasing(win([1, 2, 3, 4], [10, 10, 20, 20]))).toEqual({
      rule: 'lag-not-decreasing',
      entries: 4,
      firstLag: 10,
      lastLag: 20,
    });
  });

  it('a decrease → its index and values', () => {
    expect(lagNotDecreasing(win([1, 2, 3, 4], [10, 20, 15, 30]))).toEqual({ decreasedAt: 2, from: 20, to: 15 });
  });

  it('null lags are skipped: a decrease across a null counts, a null is not a decrease', () => {
    expect(lagNotDecreasing(win([1, 2, 3], [100, null, 50]))).toEqual({ decreasedAt: 2, from: 100, to: 50 });
    expect(lagNotDecreasing(win([1, 2, 3], [100, null, 150]))).toEqual({
      rule: 'lag-not-decreasing',
      entries: 3,
      firstLag: 100,
      lastLag: 150,
    });
  });

  it('zero or one known lag counts as never decreasing', () => {
    expect(lagNotDecreasing(win([1, 2], [null, null]))).toEqual({
      rule: 'lag-not-decreasing',
      entries: 2,
      firstLag: null,
      lastLag: null,
    });
    expect(lagNotDecreasing([e(1000, 1, 9)])).toEqual({ rule: 'lag-not-decreasing', entries: 1, firstLag: 9, lastLag: 9 });
  });
});

describe('judgeWindow (rule order)', () => {
  it('STOP comes before REWIND', () => {
    const w = win([300, 100]);
    expect(judgeWindow(w, [500], 100_000, 0).status).toBe('STOP');
    expect(judgeWindow(w, [500], 2000, 0).status).toBe('REWIND');
  });

  it('REWIND comes before lag-reached-zero', () => {
    const v = judgeWindow(win([300, 100], [0, 200]), [300], 2000, 0);
    expect(v).toEqual({ status: 'REWIND', reason: { rule: 'rewind', index: 1, from: 300, to: 100 } });
  });

  it('lag-reached-zero comes before STALL and WARN', () => {
    const v = judgeWindow(win([5, 5, 5], [3, 0, 4]), [9], 3000, 0);
    expect(v).toEqual({ status: 'OK', reason: { rule: 'lag-reached-zero', index: 1, lag: 0, allowedLag: 0 } });
  });

  it('STALL comes before WARN', () => {
    expect(judgeWindow(win([5, 5, 5], [3, 4, 5]), [10], 3000, 0).status).toBe('STALL');
  });

  it('WARN when moving with non-decreasing lag, OK when the lag decreases', () => {
    expect(judgeWindow(win([5, 6, 7], [3, 4, 5]), [12], 3000, 0).status).toBe('WARN');
    expect(judgeWindow(win([5, 6, 7], [3, 4, 2]), [9], 3000, 0)).toEqual({
      status: 'OK',
      reason: { rule: 'lag-decreasing', index: 2, from: 4, to: 2 },
    });
  });

  it('one-entry window: STOP after any delay; before that OK single-sample, not STALL or WARN (Warren differences)', () => {
    expect(judgeWindow([e(1000, 5, 3)], [8], 1001, 0).status).toBe('STOP');
    expect(judgeWindow([e(1000, 5, 3)], [8], 1000, 0)).toEqual({ status: 'OK', reason: { rule: 'single-sample', lag: 3 } });
    // STOP suppressed by the broker history, commit-time lag 0 → OK (lag-reached-zero comes before single-sample).
    expect(judgeWindow([e(1000, 5, 0)], [5, 8], 5000, 0)).toEqual({
      status: 'OK',
      reason: { rule: 'lag-reached-zero', index: 0, lag: 0, allowedLag: 0 },
    });
  });

  it('single-sample: a one-entry window that is not stopped is OK with its lag, null included', () => {
    // STOP suppressed by the broker history (5 ≤ 5), lag 3 > 0: Burrow says STALL, Warren before: WARN.
    expect(judgeWindow([e(1000, 5, 3)], [5, 8], 5000, 0)).toEqual({ status: 'OK', reason: { rule: 'single-sample', lag: 3 } });
    expect(judgeWindow([e(1000, 5, null)], [5, 8], 5000, 0)).toEqual({
      status: 'OK',
      reason: { rule: 'single-sample', lag: null },
    });
    // Held off by minSilenceMs instead of the broker history.
    expect(judgeWindow([e(1000, 5, 3)], [8], 1000 + 59_999, 0, null, 60_000)).toEqual({
      status: 'OK',
      reason: { rule: 'single-sample', lag: 3 },
    });
    // A lag within allowed-lag at the only entry is lag-reached-zero, not single-sample.
    expect(judgeWindow([e(1000, 5, 3)], [5, 8], 5000, 3).reason.rule).toBe('lag-reached-zero');
  });

  it('single-sample applies to one entry only: two entries with the same lag are WARN (Burrow)', () => {
    expect(judgeWindow(win([5, 6], [3, 3]), [9], 2000, 0)).toEqual({
      status: 'WARN',
      reason: { rule: 'lag-not-decreasing', entries: 2, firstLag: 3, lastLag: 3 },
    });
  });

  it('owner given: a stopped window is STALL no-progress, with the owner and the STOP numbers', () => {
    const w = win([100, 200, 300], [5, 6, 7]); // span 2000, last at 3000
    expect(judgeWindow(w, [400], 5001, 0, '/10.0.0.1')).toEqual({
      status: 'STALL',
      reason: {
        rule: 'no-progress',
        sinceLastMs: 2001,
        windowSpanMs: 2000,
        lastOffset: 300,
        newestBrokerOffset: 400,
        owner: '/10.0.0.1',
      },
    });
    // null owner (the default) is Burrow's STOP with the same numbers.
    expect(judgeWindow(w, [400], 5001, 0, null)).toEqual({
      status: 'STOP',
      reason: { rule: 'stopped', sinceLastMs: 2001, windowSpanMs: 2000, lastOffset: 300, newestBrokerOffset: 400 },
    });
    expect(judgeWindow(w, [400], 5001, 0)).toEqual(judgeWindow(w, [400], 5001, 0, null, 0));
    // An empty host string is still an owner: only null means nobody.
    expect(judgeWindow(w, [400], 5001, 0, '')).toMatchObject({ status: 'STALL', reason: { rule: 'no-progress', owner: '' } });
  });

  it('owner given, not stopped: the other rules decide as without an owner', () => {
    const w = win([100, 200, 300], [5, 6, 7]);
    // Not stopped at 5000 (= span): WARN, owner or not.
    expect(judgeWindow(w, [400], 5000, 0, '/10.0.0.1')).toEqual(judgeWindow(w, [400], 5000, 0, null));
    expect(judgeWindow(w, [400], 5000, 0, '/10.0.0.1').status).toBe('WARN');
    // Recent-zero guard: no no-progress either.
    expect(judgeWindow(w, [300, 400], 100_000, 0, '/10.0.0.1').status).toBe('WARN');
    // minSilenceMs holds off no-progress as it holds off STOP.
    expect(judgeWindow(w, [400], 5001, 0, '/10.0.0.1', 2500).status).toBe('WARN');
    expect(judgeWindow(w, [400], 5500, 0, '/10.0.0.1', 2500)).toMatchObject({
      status: 'STALL',
      reason: { rule: 'no-progress', sinceLastMs: 2500, owner: '/10.0.0.1' },
    });
  });

  it('no-progress takes STOP\'s place in the order: before REWIND', () => {
    const w = win([300, 100]);
    expect(judgeWindow(w, [500], 100_000, 0, 'h')).toMatchObject({ status: 'STALL', reason: { rule: 'no-progress' } });
    expect(judgeWindow(w, [500], 2000, 0, 'h').status).toBe('REWIND');
  });

  it('minSilenceMs gates STOP in judgeWindow: one entry is single-sample OK until the silence reaches it', () => {
    const one = [e(1000, 5, 3)];
    expect(judgeWindow(one, [8], 1001, 0, null, 60_000).status).toBe('OK');
    expect(judgeWindow(one, [8], 61_000, 0, null, 60_000)).toMatchObject({ status: 'STOP', reason: { sinceLastMs: 60_000 } });
    expect(judgeWindow(one, [8], 61_000, 0, 'h', 60_000)).toMatchObject({ status: 'STALL', reason: { rule: 'no-progress' } });
  });
});

describe('evaluatePartition: complete and minimum-complete', () => {
  it('no offsets: complete 0, OK (no-commits), start/end null', () => {
    const r = evaluatePartition(input({ currentLag: 0 }), 1000);
    expect(r).toMatchObject({ status: 'OK', reason: { rule: 'no-commits' }, complete: 0, start: null, end: null });
  });

  it('no offsets is OK even with a minimum-complete above 0', () => {
    const r = evaluatePartition(input(), 1000, { allowedLag: 0, minimumComplete: 0.5 });
    expect(r.reason).toEqual({ rule: 'no-commits' });
  });

  it('partial window: complete = n / ringSize; full window: 1', () => {
    expect(evaluatePartition(input({ offsets: win([1, 2, 3]) }), 3000).complete).toBe(0.3);
    expect(evaluatePartition(input({ offsets: win([1, 2, 3]), ringSize: 4 }), 3000).complete).toBe(0.75);
    expect(evaluatePartition(input({ offsets: win([1, 2, 3, 4]), ringSize: 4 }), 4000).complete).toBe(1);
    expect(evaluatePartition(input({ offsets: win([1, 2, 3, 4, 5]), ringSize: 4 }), 5000).complete).toBe(1);
  });

  it('minimum-complete gates the rules: below it the partition is OK', () => {
    // 5 of 10 entries, stopped long ago with lag: STOP when the rules run.
    const p = input({ offsets: win([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]), brokerOffsets: [100], currentLag: 95 });
    const now = 1_000_000;
    expect(evaluatePartition(p, now, { allowedLag: 0, minimumComplete: 0.6 })).toMatchObject({
      status: 'OK',
      reason: { rule: 'incomplete-window', complete: 0.5, minimumComplete: 0.6 },
    });
    // complete equal to minimum-complete runs the rules (≥).
    expect(evaluatePartition(p, now, { allowedLag: 0, minimumComplete: 0.5 }).status).toBe('STOP');
    expect(evaluatePartition(p, now, DEFAULT_RULES).status).toBe('STOP');
  });

  it('copies topic, partition, owner, clientId, currentLag; start/end are the window ends', () => {
    const offsets = win([10, 20, 30]);
    const r = evaluatePartition(
      input({ topic: 'orders', partition: 7, owner: '/10.0.0.1', clientId: 'c-1', offsets, currentLag: 0 }),
      3000,
    );
    expect(r).toMatchObject({ topic: 'orders', partition: 7, owner: '/10.0.0.1', clientId: 'c-1', currentLag: 0 });
    expect(r.start).toBe(offsets[0]);
    expect(r.end).toBe(offsets[2]);
  });

  it('uses DEFAULT_RULES (allowed-lag 0, minimum-complete 0) when no rules are given', () => {
    expect(DEFAULT_RULES).toEqual({ allowedLag: 0, minimumComplete: 0 });
    expect(Object.isFrozen(DEFAULT_RULES)).toBe(true);
    const p = input({ offsets: win([5, 5, 5], [1, 2, 3]), brokerOffsets: [8], currentLag: 3 });
    expect(evaluatePartition(p, 3000).status).toBe('STALL');
    expect(evaluatePartition(p, 3000, { allowedLag: 3, minimumComplete: 0 }).status).toBe('OK');
  });
});

describe('evaluatePartition: owned and minSilenceMs', () => {
  // Stopped since 5000 ms (span 2000 ms), lags growing, no broker offset ≤ 300.
  const stuck = { offsets: win([100, 200, 300], [5, 6, 7]), brokerOffsets: [400], currentLag: 100, owner: '/10.0.0.1', clientId: 'c-1' };

  it('owned → STALL no-progress with the owner (the host) in the reason', () => {
    const r = evaluatePartition(input({ ...stuck, owned: true }), 10_000);
    expect(r).toMatchObject({ status: 'STALL', owner: '/10.0.0.1', clientId: 'c-1', currentLag: 100 });
    expect(r.reason).toEqual({
      rule: 'no-progress',
      sinceLastMs: 7000,
      windowSpanMs: 2000,
      lastOffset: 300,
      newestBrokerOffset: 400,
      owner: '/10.0.0.1',
    });
    expect(groupStatusOf(r.status)).toBe('ERR');
  });

  it('not owned → STOP, even when an owner string is set (owned decides, not owner)', () => {
    const r = evaluatePartition(input({ ...stuck, owned: false }), 10_000);
    expect(r.status).toBe('STOP');
    expect(r.reason).toEqual({ rule: 'stopped', sinceLastMs: 7000, windowSpanMs: 2000, lastOffset: 300, newestBrokerOffset: 400 });
  });

  it('rules.minSilenceMs is passed through; absent (DEFAULT_RULES) means 0', () => {
    expect(DEFAULT_RULES.minSilenceMs).toBeUndefined();
    const p = input({ ...stuck, owned: false });
    expect(evaluatePartition(p, 5001).status).toBe('STOP');
    expect(evaluatePartition(p, 5001, { allowedLag: 0, minimumComplete: 0, minSilenceMs: 0 }).status).toBe('STOP');
    expect(evaluatePartition(p, 5001, { allowedLag: 0, minimumComplete: 0, minSilenceMs: 3000 }).status).toBe('WARN');
    expect(evaluatePartition(p, 5999, { allowedLag: 0, minimumComplete: 0, minSilenceMs: 3000 }).status).toBe('WARN');
    expect(evaluatePartition(p, 6000, { allowedLag: 0, minimumComplete: 0, minSilenceMs: 3000 })).toMatchObject({
      status: 'STOP',
      reason: { sinceLastMs: 3000 },
    });
    const owned = input({ ...stuck, owned: true });
    expect(evaluatePartition(owned, 5999, { allowedLag: 0, minimumComplete: 0, minSilenceMs: 3000 }).status).toBe('WARN');
    expect(evaluatePartition(owned, 6000, { allowedLag: 0, minimumComplete: 0, minSilenceMs: 3000 })).toMatchObject({
      status: 'STALL',
      reason: { rule: 'no-progress', sinceLastMs: 3000 },
    });
  });

  it('the short circuits still come first: current lag within allowed-lag, incomplete window', () => {
    expect(evaluatePartition(input({ ...stuck, owned: true, currentLag: 0 }), 10_000).reason.rule).toBe('lag-within-allowed');
    expect(
      evaluatePartition(input({ ...stuck, owned: true }), 10_000, { allowedLag: 0, minimumComplete: 0.5 }).reason.rule,
    ).toBe('incomplete-window');
  });

  it('one entry, lag > 0, not stopped: OK single-sample (owned or not)', () => {
    for (const owned of [true, false]) {
      const r = evaluatePartition(input({ offsets: [e(1000, 5, 40)], brokerOffsets: [45], currentLag: 40, owned }), 1000);
      expect(r).toMatchObject({ status: 'OK', reason: { rule: 'single-sample', lag: 40 }, complete: 0.1 });
    }
  });
});

describe('newestLogEnd', () => {
  const history = (brokerOffsets: number[]): PartitionHistory => ({ offsets: [], brokerOffsets });

  it('is null without broker offsets, else the newest (last) one', () => {
    expect(newestLogEnd(history([]))).toBeNull();
    expect(newestLogEnd(history([7]))).toBe(7);
    expect(newestLogEnd(history([9, 5, 7]))).toBe(7); // the newest, not the largest
    expect(newestLogEnd(history([0]))).toBe(0);
  });

  it('does not change the history', () => {
    const h = history([1, 2]);
    newestLogEnd(h);
    expect(h).toEqual({ offsets: [], brokerOffsets: [1, 2] });
  });
});

describe('notFound, STATUS_CODE, groupStatusOf', () => {
  it('NOTFOUND shape (spec §2.4)', () => {
    expect(notFound('prod', 'ghost')).toEqual({
      cluster: 'prod',
      group: 'ghost',
      status: 'NOTFOUND',
      complete: 1,
      partitions: [],
      partitionCount: 0,
      maxlag: null,
      totallag: 0,
      maxTimeLagMs: null,
      maxTimeLag: null,
      trend: { kind: 'unknown' },
    });
    const nf = notFound('prod', 'ghost');
    expect(onlyProblems(nf)).toBe(nf);
  });

  it("Burrow's numbering: NOTFOUND 0 … REWIND 6", () => {
    expect(STATUS_CODE).toEqual({ NOTFOUND: 0, OK: 1, WARN: 2, ERR: 3, STOP: 4, STALL: 5, REWIND: 6 });
    STATUS_NAMES.forEach((name, i) => expect(STATUS_CODE[name]).toBe(i));
    expect(STATUS_NAMES).toHaveLength(7);
  });

  it('STOP, STALL and REWIND count as ERR for the group', () => {
    expect(groupStatusOf('OK')).toBe('OK');
    expect(groupStatusOf('WARN')).toBe('WARN');
    expect(groupStatusOf('STOP')).toBe('ERR');
    expect(groupStatusOf('STALL')).toBe('ERR');
    expect(groupStatusOf('REWIND')).toBe('ERR');
  });
});

describe('evaluateGroup', () => {
  const ok = (partition: number, currentLag: number): PartitionInput =>
    input({ partition, currentLag, offsets: win([1, 2, 3]), brokerOffsets: [3 + currentLag] });

  it('maxlag tie → the first partition in input order', () => {
    const r = evaluateGroup('c', 'g', [ok(0, 5), ok(1, 9), ok(2, 9), ok(3, 1)], 3000);
    expect(r.maxlag).toBe(r.partitions[1]);
    expect(r.maxlag?.partition).toBe(1);
    expect(r.totallag).toBe(24);
  });

  it('maxlag is non-null (the first partition) when every lag is 0', () => {
    const r = evaluateGroup('c', 'g', [ok(3, 0), ok(1, 0)], 3000);
    expect(r.maxlag).toBe(r.partitions[0]);
    expect(r.maxlag?.partition).toBe(3);
    expect(r.status).toBe('OK');
  });

  it('zero partitions → OK, complete 0, maxlag null, totallag 0, worst null', () => {
    const r = evaluateGroup('c', 'g', [], 3000);
    expect(r).toEqual({
      cluster: 'c',
      group: 'g',
      status: 'OK',
      worst: null,
      complete: 0,
      partitions: [],
      partitionCount: 0,
      maxlag: null,
      totallag: 0,
      maxTimeLagMs: null,
      maxTimeLag: null,
      trend: { kind: 'unknown' },
    });
  });

  it('partitions that were never committed count in partition_count and lower complete', () => {
    const full = input({ partition: 0, offsets: win([1, 2, 3]), ringSize: 3 });
    const never = input({ partition: 1 });
    const r = evaluateGroup('c', 'g', [full, never, never], 3000);
    expect(r.partitionCount).toBe(3);
    expect(r.complete).toBe(Math.fround(1 / 3));
    expect(r.partitions.map((p) => p.complete)).toEqual([1, 0, 0]);
  });

  it('group status is the worst partition capped at ERR; worst is the first partition with the highest code', () => {
    const warn = input({ partition: 0, offsets: win([1, 2, 3], [1, 2, 3]), brokerOffsets: [6], currentLag: 3 });
    const stall = input({ partition: 1, offsets: win([5, 5, 5], [1, 2, 3]), brokerOffsets: [8], currentLag: 3 });
    const stall2 = input({ partition: 2, offsets: win([5, 5, 5], [1, 2, 3]), brokerOffsets: [8], currentLag: 3 });
    const r = evaluateGroup('c', 'g', [warn, stall, stall2], 3000);
    expect(r.partitions.map((p) => p.status)).toEqual(['WARN', 'STALL', 'STALL']);
    expect(r.status).toBe('ERR');
    if (r.status === 'NOTFOUND') throw new Error('unexpected NOTFOUND');
    expect(r.worst).toBe(r.partitions[1]);

    const onlyWarn = evaluateGroup('c', 'g', [ok(0, 0), warn], 3000);
    expect(onlyWarn.status).toBe('WARN');
  });

  it('an owned, stopped partition (STALL no-progress) makes the group ERR and is its worst partition', () => {
    const warn = input({ partition: 0, offsets: win([1, 2, 3], [1, 2, 3]), brokerOffsets: [6], currentLag: 3 });
    const stuck = input({ partition: 1, offsets: win([1, 2, 3], [1, 2, 3]), brokerOffsets: [6], currentLag: 3, owned: true, owner: 'h' });
    const r = evaluateGroup('c', 'g', [warn, stuck], 100_000);
    // The unowned one at the same time is STOP; the owned one STALL (STOP 4 < STALL 5, so it is the worst).
    expect(r.partitions.map((p) => [p.status, p.reason.rule])).toEqual([
      ['STOP', 'stopped'],
      ['STALL', 'no-progress'],
    ]);
    expect(r.status).toBe('ERR');
    if (r.status === 'NOTFOUND') throw new Error('unexpected NOTFOUND');
    expect(r.worst).toBe(r.partitions[1]);
  });

  it('all OK → worst null; onlyProblems keeps none but keeps the numbers', () => {
    const r = evaluateGroup('c', 'g', [ok(0, 0), ok(1, 0)], 3000);
    if (r.status === 'NOTFOUND') throw new Error('unexpected NOTFOUND');
    expect(r.worst).toBeNull();
    const f = onlyProblems(r);
    expect(f.partitions).toEqual([]);
    expect(f.partitionCount).toBe(2);
    expect(r.partitions).toHaveLength(2);
  });
});
