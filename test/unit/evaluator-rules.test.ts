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
  notFound,
  onlyProblems,
  rewound,
  stalled,
  stopped,
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

  it('one-entry window: STOP after any delay, not STALL (Warren difference), OK when its lag was 0', () => {
    expect(judgeWindow([e(1000, 5, 3)], [8], 1001, 0).status).toBe('STOP');
    expect(judgeWindow([e(1000, 5, 3)], [8], 1000, 0).status).not.toBe('STALL');
    // STOP suppressed by the broker history, commit-time lag 0 → OK.
    expect(judgeWindow([e(1000, 5, 0)], [5, 8], 5000, 0)).toEqual({
      status: 'OK',
      reason: { rule: 'lag-reached-zero', index: 0, lag: 0, allowedLag: 0 },
    });
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
