// The canary split on reports of a real Tracker fed synthetic scrapes: lag by client id and by host, members
// counted once per key, partitions nobody owns apart, the worst status and the largest known time lag.
import { describe, expect, it } from 'vitest';
import { lagByMember } from '../../collector/canary.ts';
import { Tracker } from '../../collector/tracker.ts';
import type { GroupReport } from '../../collector/types.ts';
import type { TimeLag } from '../../evaluator/index.ts';
import { buildScrape, STEP, T0, type GroupSpec } from '../contract/fixtures.ts';

function report(spec: (cycle: number) => GroupSpec, cycles = 1, end = (cycle: number) => 1000 + cycle * 100): GroupReport {
  const tracker = new Tracker({ clusters: ['prod'], intervals: 10, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
  for (let i = 0; i < cycles; i++) {
    const e = end(i);
    tracker.ingest(buildScrape('prod', T0 + i * STEP, { topics: { orders: [e, e, e, e, e, e] }, groups: { g: spec(i) } }));
  }
  return tracker.groupReport('prod', 'g')!;
}

/** The report with the given time lags put on its partitions (what the tracker fills in once lag in time lands). */
function withTimeLags(r: GroupReport, lags: TimeLag[]): GroupReport {
  return { ...r, result: { ...r.result, partitions: r.result.partitions.map((p, i) => ({ ...p, timeLag: lags[i] ?? p.timeLag })) } } as GroupReport;
}

// Members: memberId is `${clientId}-${index}` (fixtures). Two stable members on host A, one canary on host B
// (same host as one stable member's second instance), partition 5 owned by nobody.
const members = [
  { host: '/10.0.0.1', clientId: 'stable-client', topic: 'orders', partitions: [0, 1] },
  { host: '/10.0.0.2', clientId: 'stable-client', topic: 'orders', partitions: [2] },
  { host: '/10.0.0.2', clientId: 'canary-client', topic: 'orders', partitions: [3, 4] },
];

describe('lagByMember', () => {
  it('splits lag by client id and by host, sorted by key; partitions nobody owns apart', () => {
    // Time lags unknown here (the last test covers them), whatever the estimator makes of a single cycle.
    const r = withTimeLags(
      report(() => ({ committed: { orders: { 0: 1000, 1: 990, 2: 1000, 3: 700, 4: 900, 5: 400 } }, members })),
      Array.from({ length: 6 }, () => ({ kind: 'unknown', why: 'no-history' }) as const),
    );
    const split = lagByMember(r);
    expect(split.byClientId).toEqual([
      { key: 'canary-client', members: 1, partitions: 2, totalLag: 400, maxLag: 300, maxTimeLagMs: null, worstStatus: 'OK', memberIds: ['canary-client-2'] },
      { key: 'stable-client', members: 2, partitions: 3, totalLag: 10, maxLag: 10, maxTimeLagMs: null, worstStatus: 'OK', memberIds: ['stable-client-0', 'stable-client-1'] },
    ]);
    expect(split.byHost).toEqual([
      { key: '/10.0.0.1', members: 1, partitions: 2, totalLag: 10, maxLag: 10, maxTimeLagMs: null, worstStatus: 'OK', memberIds: ['stable-client-0'] },
      { key: '/10.0.0.2', members: 2, partitions: 3, totalLag: 400, maxLag: 300, maxTimeLagMs: null, worstStatus: 'OK', memberIds: ['canary-client-2', 'stable-client-1'] },
    ]);
    expect(split.unassigned).toEqual({ key: '', members: 0, partitions: 1, totalLag: 600, maxLag: 600, maxTimeLagMs: null, worstStatus: 'OK', memberIds: [] });
    // What another engineer's test reads:
    expect(split.byClientId.find((m) => m.key === 'canary-client')?.totalLag).toBe(400);
  });

  it('every partition owned: unassigned is null', () => {
    const r = report(() => ({ committed: { orders: { 0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 } }, members: [{ host: '/h', clientId: 'c', topic: 'orders', partitions: [0, 1, 2, 3, 4, 5] }] }));
    expect(lagByMember(r).unassigned).toBeNull();
    expect(lagByMember(r).byClientId).toHaveLength(1);
  });

  it('a group with no members: everything unassigned, no keys', () => {
    const r = report(() => ({ committed: { orders: { 0: 1000 } } }));
    const split = lagByMember(r);
    expect(split.byClientId).toEqual([]);
    expect(split.byHost).toEqual([]);
    expect(split.unassigned).toMatchObject({ partitions: 6, totalLag: 0, members: 0 });
  });

  it('worst status: a canary whose partitions stall is STALL while the stable members stay OK', () => {
    // The canary owns 3 and 4 and never moves; the stable members keep up; the log end grows each cycle.
    const r = report(
      (i) => ({ committed: { orders: { 0: 1000 + i * 100, 1: 1000 + i * 100, 2: 1000 + i * 100, 3: 700, 4: 700, 5: 1000 + i * 100 } }, members: [...members, { host: '/10.0.0.3', clientId: 'stable-client', topic: 'orders', partitions: [5] }] }),
      6,
    );
    const split = lagByMember(r);
    expect(split.byClientId.find((m) => m.key === 'canary-client')!.worstStatus).toBe('STALL');
    expect(split.byClientId.find((m) => m.key === 'stable-client')!.worstStatus).toBe('OK');
    expect(split.byHost.find((m) => m.key === '/10.0.0.2')!.worstStatus).toBe('STALL');
  });

  it('maxTimeLagMs: the largest known time lag; unknown ones ignored; null when none is known', () => {
    const r = report(() => ({ committed: { orders: { 0: 1000, 1: 990, 2: 1000, 3: 700, 4: 900, 5: 400 } }, members }));
    const timed = withTimeLags(r, [
      { kind: 'caught-up', ms: 0 },
      { kind: 'interpolated', ms: 1_500, producedAt: T0 - 1_500 },
      { kind: 'unknown', why: 'no-history' },
      { kind: 'extrapolated', ms: 90_000, atLeastMs: 60_000 },
      { kind: 'exact', ms: 20_000, producedAt: T0 - 20_000 },
      { kind: 'unknown', why: 'no-commit' },
    ]);
    const split = lagByMember(timed);
    expect(split.byClientId.map((m) => [m.key, m.maxTimeLagMs])).toEqual([
      ['canary-client', 90_000],
      ['stable-client', 1_500],
    ]);
    expect(split.byHost.map((m) => [m.key, m.maxTimeLagMs])).toEqual([
      ['/10.0.0.1', 1_500],
      ['/10.0.0.2', 90_000],
    ]);
    expect(split.unassigned!.maxTimeLagMs).toBeNull();
    const caughtUp = withTimeLags(r, [{ kind: 'caught-up', ms: 0 }, { kind: 'caught-up', ms: 0 }]);
    expect(lagByMember(caughtUp).byHost[0]!.maxTimeLagMs).toBe(0);
  });
});
