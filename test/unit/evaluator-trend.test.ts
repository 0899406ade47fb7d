// Where the lag is heading (issue 7): partitionTrend on known windows, and groupTrend's aggregation.
import { describe, expect, it } from 'vitest';
import { groupTrend, partitionTrend } from '../../evaluator/index.ts';
import type { OffsetEntry, PartitionResult, Trend } from '../../evaluator/index.ts';

const S = 1000;

function e(tsSec: number, offset: number, lag: number | null): OffsetEntry {
  return { offset, timestamp: tsSec * S, observedAt: tsSec * S, lag };
}

describe('partitionTrend', () => {
  it('catching up: lag 1000 → 400 over 60 s is −10 messages/s, 40 s to zero', () => {
    const window = [e(100, 5000, 1000), e(130, 5800, 700)];
    expect(partitionTrend(window, 400, null, 6600, 160 * S)).toEqual({ kind: 'catching-up', velocity: -10, spanMs: 60_000, catchUpMs: 40_000 });
  });

  it('catching up to a lag of 0: catchUpMs 0', () => {
    expect(partitionTrend([e(100, 5000, 1000)], 0, null, 6000, 200 * S)).toEqual({ kind: 'catching-up', velocity: -10, spanMs: 100_000, catchUpMs: 0 });
  });

  it('falling behind with a data-loss time: 200 → 800 over 120 s is +5/s; 3000 messages above the log start last 600 s', () => {
    const window = [e(0, 10_000, 200), e(60, 10_100, 500)];
    expect(partitionTrend(window, 800, 7000, 10_000, 120 * S)).toEqual({ kind: 'falling-behind', velocity: 5, spanMs: 120_000, dataLossMs: 600_000 });
  });

  it('falling behind: dataLossMs 0 when the committed offset is already below the log start, null when either is unknown', () => {
    const window = [e(0, 10_000, 200)];
    expect(partitionTrend(window, 800, 12_000, 10_000, 120 * S)).toMatchObject({ kind: 'falling-behind', dataLossMs: 0 });
    expect(partitionTrend(window, 800, null, 10_000, 120 * S)).toMatchObject({ kind: 'falling-behind', dataLossMs: null });
  });

  it('unknown when the group has no commit now (its offsets were deleted), whatever the window says', () => {
    expect(partitionTrend([e(0, 10_000, 200)], 0, 7000, null, 120 * S)).toEqual({ kind: 'unknown' });
  });

  describe('over the last trendSpanMs', () => {
    // Commits every 30 s; trend span 90 s: the velocity is measured from the newest entry at least 90 s old.
    it('a consumer recovering after a pause reads catching-up within the span, though the whole window grew', () => {
      // Lag 0 until 120 s, paused to 300 s (lag 1800), catching up at −10/s since.
      const window = [e(0, 1000, 0), e(30, 1300, 0), e(60, 1600, 0), e(90, 1900, 0), e(120, 2200, 0), e(330, 2700, 1600), e(360, 3300, 1300), e(390, 3900, 1000), e(420, 4500, 700)];
      expect(partitionTrend(window, 400, null, 5100, 450 * S)).toMatchObject({ kind: 'falling-behind' });
      expect(partitionTrend(window, 400, null, 5100, 450 * S, 90 * S)).toEqual({ kind: 'catching-up', velocity: -10, spanMs: 90_000, catchUpMs: 40_000 });
    });

    it('a lag flat for longer than the span is steady (a rewound group sitting still)', () => {
      const window = [e(0, 500, 0), e(30, 800, 0), e(60, 360, 140)];
      expect(partitionTrend(window, 140, null, 360, 400 * S)).toMatchObject({ kind: 'falling-behind' });
      expect(partitionTrend(window, 140, null, 360, 400 * S, 90 * S)).toEqual({ kind: 'steady', velocity: 0, spanMs: 340_000 });
    });

    it('a stopped consumer grows at the production rate from its last commit', () => {
      const window = [e(0, 1000, 0), e(30, 1300, 0), e(60, 1600, 0)];
      expect(partitionTrend(window, 2400, null, 1600, 300 * S, 90 * S)).toEqual({ kind: 'falling-behind', velocity: 10, spanMs: 240_000, dataLossMs: null });
    });

    it('no entry that old yet: from the first entry', () => {
      expect(partitionTrend([e(100, 5000, 1000), e(130, 5800, 700)], 400, null, 6600, 160 * S, 90 * S)).toMatchObject({ kind: 'catching-up', spanMs: 60_000 });
    });
  });

  it('steady: the lag did not change', () => {
    expect(partitionTrend([e(0, 10, 50), e(30, 20, 50)], 50, 0, 20, 60 * S)).toEqual({ kind: 'steady', velocity: 0, spanMs: 60_000 });
  });

  it('unknown: empty window, first lag unknown, or no time since the first entry', () => {
    expect(partitionTrend([], 10, 0, 5, 60 * S)).toEqual({ kind: 'unknown' });
    expect(partitionTrend([e(0, 10, null), e(30, 20, 5)], 10, 0, 20, 60 * S)).toEqual({ kind: 'unknown' });
    expect(partitionTrend([e(60, 10, 5)], 10, 0, 10, 60 * S)).toEqual({ kind: 'unknown' });
  });

  it('rounds times to whole milliseconds', () => {
    // −3 messages/s; 100 / 3 s = 33 333.3 ms
    expect(partitionTrend([e(0, 0, 130)], 100, null, 0, 10 * S)).toMatchObject({ kind: 'catching-up', catchUpMs: 33_333 });
  });
});

describe('groupTrend', () => {
  function p(currentLag: number, trend: Trend): PartitionResult {
    return { currentLag, trend } as PartitionResult;
  }

  it('sums the known velocities over the shortest span; catch-up is the total lag over the summed velocity', () => {
    const r = groupTrend([
      p(300, { kind: 'catching-up', velocity: -10, spanMs: 60_000, catchUpMs: 30_000 }),
      p(100, { kind: 'falling-behind', velocity: 2, spanMs: 90_000, dataLossMs: 5_000 }),
      p(0, { kind: 'unknown' }),
      p(100, { kind: 'steady', velocity: 0, spanMs: 30_000 }),
    ]);
    // −8 messages/s, 500 messages: 62.5 s
    expect(r).toEqual({ kind: 'catching-up', velocity: -8, spanMs: 30_000, catchUpMs: 62_500 });
  });

  it('falling behind: data-loss time is the smallest of the falling-behind partitions that know one', () => {
    const r = groupTrend([
      p(100, { kind: 'falling-behind', velocity: 2, spanMs: 60_000, dataLossMs: 50_000 }),
      p(100, { kind: 'falling-behind', velocity: 3, spanMs: 60_000, dataLossMs: null }),
      p(100, { kind: 'falling-behind', velocity: 1, spanMs: 45_000, dataLossMs: 20_000 }),
      p(100, { kind: 'catching-up', velocity: -1, spanMs: 60_000, catchUpMs: 100_000 }),
    ]);
    expect(r).toEqual({ kind: 'falling-behind', velocity: 5, spanMs: 45_000, dataLossMs: 20_000 });
  });

  it('falling behind with no partition knowing its data-loss time: null', () => {
    const r = groupTrend([p(100, { kind: 'falling-behind', velocity: 2, spanMs: 60_000, dataLossMs: null })]);
    expect(r).toEqual({ kind: 'falling-behind', velocity: 2, spanMs: 60_000, dataLossMs: null });
  });

  it('steady when the velocities cancel out', () => {
    const r = groupTrend([
      p(100, { kind: 'falling-behind', velocity: 2, spanMs: 60_000, dataLossMs: 9 }),
      p(100, { kind: 'catching-up', velocity: -2, spanMs: 60_000, catchUpMs: 50_000 }),
    ]);
    expect(r).toEqual({ kind: 'steady', velocity: 0, spanMs: 60_000 });
  });

  it('unknown when no partition has a known trend, or there are none', () => {
    expect(groupTrend([p(5, { kind: 'unknown' })])).toEqual({ kind: 'unknown' });
    expect(groupTrend([])).toEqual({ kind: 'unknown' });
  });
});
