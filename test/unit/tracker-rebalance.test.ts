// The tracker's issue-7 duties on hand-made scrapes: rebalance and deploy events with every partition's
// offsets, the status hold while a group rebalances, the per-group event ring, and the time-lag inputs
// (log-end history per topic-partition, log start, exact record times).
import { describe, expect, it } from 'vitest';
import { Tracker, type TrackerOptions } from '../../collector/tracker.ts';
import type { ClusterScrape, DeployEvent, GroupDescription, MemberInfo, RebalanceEvent } from '../../collector/types.ts';

const S = 1000;

function tracker(options: Partial<TrackerOptions> = {}) {
  return new Tracker({ clusters: ['c'], intervals: 10, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 }, rebalanceGraceMs: 10 * S, ...options });
}

function member(id: string, clientId: string, partitions: number[], topic = 'orders'): MemberInfo {
  return { memberId: id, groupInstanceId: null, clientId, host: `/10.0.0.${id.length}`, assignments: [{ topic, partitions }] };
}

interface Spec {
  at: number;
  ends: (number | null)[];
  committed: Record<number, number>;
  members: MemberInfo[];
  state?: string;
  epoch?: number;
  groupType?: GroupDescription['groupType'];
  starts?: (number | null)[];
  recordTimes?: Record<number, number>;
}

function scrape(spec: Spec): ClusterScrape {
  const description: GroupDescription = {
    group: 'g',
    groupType: spec.groupType ?? 'classic',
    protocolType: 'consumer',
    state: spec.state ?? (spec.members.length ? 'Stable' : 'Empty'),
    epoch: spec.epoch ?? -1,
    members: spec.members,
  };
  return {
    cluster: 'c',
    startedAt: spec.at - 10,
    finishedAt: spec.at,
    reachable: true,
    errors: [],
    topics: new Map([['orders', { name: 'orders', partitions: spec.ends.length, internal: false }]]),
    logEnd: new Map([['orders', spec.ends]]),
    ...(spec.starts ? { logStart: new Map([['orders', spec.starts]]) } : {}),
    ...(spec.recordTimes ? { recordTimes: new Map([['g', new Map([['orders', new Map(Object.entries(spec.recordTimes).map(([p, t]) => [Number(p), t]))]])]]) } : {}),
    groups: new Map([['g', { description, committed: new Map([['orders', new Map(Object.entries(spec.committed).map(([p, o]) => [Number(p), o]))]]) }]]),
  };
}

const two = [member('a', 'app', [0]), member('b', 'app', [1])];

describe('tracker: rebalance and deploy events', () => {
  it('a rolling restart gives rebalance events naming who left and joined, with every partition offset', () => {
    const t = tracker();
    t.ingest(scrape({ at: 1 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: two }));
    const { events } = t.ingest(scrape({ at: 2 * S, ends: [110, 210], committed: { 0: 100, 1: 190 }, members: [member('a2', 'app', [0]), two[1]!] }));
    const rebalances = events.filter((e): e is RebalanceEvent => e.kind === 'rebalance');
    expect(rebalances).toHaveLength(1);
    expect(rebalances[0]!.left.map((m) => m.memberId)).toEqual(['a']);
    expect(rebalances[0]!.joined.map((m) => [m.memberId, m.clientId])).toEqual([['a2', 'app']]);
    expect(rebalances[0]!.offsets).toEqual([
      { topic: 'orders', partition: 0, committed: 100, logEnd: 110 },
      { topic: 'orders', partition: 1, committed: 190, logEnd: 210 },
    ]);
    expect(events.some((e) => e.kind === 'deploy')).toBe(false);
    expect(t.groupEvents('c', 'g')!.map((e) => e.kind)).toEqual(['rebalance']);
  });

  it('no event on the first sight of a group, nor when nothing changed', () => {
    const t = tracker();
    expect(t.ingest(scrape({ at: 1 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: two })).events).toEqual([]);
    expect(t.ingest(scrape({ at: 2 * S, ends: [100, 200], committed: { 0: 95, 1: 185 }, members: two })).events).toEqual([]);
  });

  it('a client id the settled group did not have is a deploy, once per rebalance, with the offsets then', () => {
    const t = tracker();
    const v = (id: string, version: string, p: number) => member(id, `app-${version}`, [p]);
    t.ingest(scrape({ at: 1 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: [v('a', 'v1', 0), v('b', 'v1', 1)] }));
    // A rolling deploy: the first v2 instance replaces a.
    const first = t.ingest(scrape({ at: 2 * S, ends: [100, 200], committed: { 0: 92, 1: 182 }, members: [v('c', 'v2', 0), v('b', 'v1', 1)] })).events;
    expect(first.map((e) => e.kind)).toEqual(['rebalance', 'deploy']);
    const deploy = first.find((e): e is DeployEvent => e.kind === 'deploy')!;
    expect(deploy).toMatchObject({ clientIdsBefore: ['app-v1'], clientIds: ['app-v1', 'app-v2'] });
    expect(deploy.offsets.map((o) => o.committed)).toEqual([92, 182]);
    // b replaced too: the same rollout, no second deploy.
    const second = t.ingest(scrape({ at: 3 * S, ends: [100, 200], committed: { 0: 94, 1: 184 }, members: [v('c', 'v2', 0), v('d', 'v2', 1)] })).events;
    expect(second.map((e) => e.kind)).toEqual(['rebalance']);
    // Quiet for the grace period (10 s): settled on v2. A rollback to v1 is a deploy again.
    t.ingest(scrape({ at: 14 * S, ends: [100, 200], committed: { 0: 96, 1: 186 }, members: [v('c', 'v2', 0), v('d', 'v2', 1)] }));
    expect(t.groupReport('c', 'g')!.rebalance).toEqual({ kind: 'stable' });
    const rollback = t.ingest(scrape({ at: 15 * S, ends: [100, 200], committed: { 0: 97, 1: 187 }, members: [v('e', 'v1', 0), v('d', 'v2', 1)] })).events;
    expect(rollback.map((e) => e.kind)).toEqual(['rebalance', 'deploy']);
    expect(rollback[1]).toMatchObject({ clientIdsBefore: ['app-v2'], clientIds: ['app-v1', 'app-v2'] });
  });

  it('restarts that keep their client ids, a scale-out of the same client id and a scale-in are not deploys', () => {
    const t = tracker();
    const at = (s: number, members: MemberInfo[]) => t.ingest(scrape({ at: s * S, ends: [100, 200], committed: { 0: 90 + s, 1: 180 + s }, members })).events;
    at(1, [member('a', 'app-a', [0, 1])]);
    const kinds = [
      ...at(2, [member('a', 'app-a', [0]), member('b', 'app-b', [1])]), // still forming: b joins the baseline
      ...at(13, [member('a', 'app-a', [0]), member('b', 'app-b', [1])]), // quiet for the grace period: settled
      ...at(14, [member('b', 'app-b', [0, 1])]), // a restarts: gone for a moment
      ...at(15, [member('a2', 'app-a', [0]), member('b', 'app-b', [1])]), // back with its own id
      ...at(16, [member('a2', 'app-a', [0]), member('b2', 'app-b', [1])]), // b restarts with its own id
      ...at(30, [member('a2', 'app-a', [0]), member('b2', 'app-b', [1]), member('b3', 'app-b', [])]), // scale-out, same id
      ...at(45, [member('a2', 'app-a', [0, 1])]), // scale-in after settling
    ].map((e) => e.kind);
    expect(kinds).toEqual(['rebalance', 'rebalance', 'rebalance', 'rebalance', 'rebalance', 'rebalance']);
  });

  it('a group still forming takes joiners into its baseline: scale-out then a restart with its own id is no deploy', () => {
    const t = tracker();
    const at = (s: number, members: MemberInfo[]) => t.ingest(scrape({ at: s * S, ends: [100, 200], committed: { 0: 90 + s, 1: 180 + s }, members })).events;
    at(1, [member('a', 'app-a', [0, 1])]);
    const kinds = [
      ...at(2, [member('a', 'app-a', [0]), member('b', 'app-b', [1])]),
      ...at(3, [member('b', 'app-b', [0, 1])]),
      ...at(4, [member('a2', 'app-a', [0]), member('b', 'app-b', [1])]),
    ].map((e) => e.kind);
    expect(kinds).toEqual(['rebalance', 'rebalance', 'rebalance']);
  });

  it('a surge rollout or a canary on a settled group (v2 joins, v1 still there) is a deploy when v2 joins', () => {
    const t = tracker();
    const at = (s: number, members: MemberInfo[]) => t.ingest(scrape({ at: s * S, ends: [100, 200], committed: { 0: 90 + s, 1: 180 + s }, members })).events;
    at(1, [member('a', 'app-v1', [0, 1])]);
    at(12, [member('a', 'app-v1', [0, 1])]);
    expect(at(13, [member('a', 'app-v1', [0]), member('b', 'app-v2', [1])]).map((e) => e.kind)).toEqual(['rebalance', 'deploy']);
    expect(at(14, [member('b', 'app-v2', [0, 1])]).map((e) => e.kind)).toEqual(['rebalance']);
  });

  it('a stop-then-start with a new client id (the group empty in between) is a deploy', () => {
    const t = tracker({ rebalanceGraceMs: 0 });
    t.ingest(scrape({ at: 1 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: [member('a', 'app-v1', [0, 1])] }));
    t.ingest(scrape({ at: 2 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: [] }));
    const events = t.ingest(scrape({ at: 3 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: [member('b', 'app-v2', [0, 1])] })).events;
    expect(events.map((e) => e.kind)).toEqual(['rebalance', 'deploy']);
  });

  it('a KIP-848 epoch bump with the same members is a rebalance; entering PreparingRebalance is one too', () => {
    const t = tracker();
    t.ingest(scrape({ at: 1 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: two, groupType: 'consumer', epoch: 5 }));
    const bumped = t.ingest(scrape({ at: 2 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: two, groupType: 'consumer', epoch: 6 })).events;
    expect(bumped).toMatchObject([{ kind: 'rebalance', previousEpoch: 5, epoch: 6, joined: [], left: [] }]);

    const c = tracker();
    c.ingest(scrape({ at: 1 * S, ends: [100, 200], committed: { 0: 100, 1: 200 }, members: two }));
    const preparing = c.ingest(scrape({ at: 2 * S, ends: [100, 200], committed: { 0: 100, 1: 200 }, members: two, state: 'PreparingRebalance' })).events;
    expect(preparing).toMatchObject([{ kind: 'rebalance', previousState: 'Stable', state: 'PreparingRebalance' }]);
    expect(c.groupReport('c', 'g')!.rebalance.kind).toBe('rebalancing');
    // Settled, but within the grace period of the change: still marked rebalancing; quiet for the whole
    // grace period (10 s): stable.
    c.ingest(scrape({ at: 3 * S, ends: [100, 200], committed: { 0: 100, 1: 200 }, members: two }));
    expect(c.groupReport('c', 'g')!.rebalance).toEqual({ kind: 'rebalancing', since: 2 * S });
    c.ingest(scrape({ at: 12 * S, ends: [100, 200], committed: { 0: 100, 1: 200 }, members: two }));
    expect(c.groupReport('c', 'g')!.rebalance).toEqual({ kind: 'stable' });
  });

  it('keeps at most eventsPerGroup events per group, oldest dropped', () => {
    const t = tracker({ eventsPerGroup: 2 });
    t.ingest(scrape({ at: 1 * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: two }));
    for (let i = 2; i <= 5; i++) t.ingest(scrape({ at: i * S, ends: [100, 200], committed: { 0: 90, 1: 180 }, members: [member(`a${i}`, 'app', [0]), two[1]!] }));
    const kept = t.groupEvents('c', 'g')!;
    expect(kept).toHaveLength(2);
    expect(kept.map((e) => e.at)).toEqual([4 * S, 5 * S]);
    expect(t.groupEvents('c', 'nope')).toBeUndefined();
  });
});

describe('tracker: status hold while a group rebalances', () => {
  // Commits every second on both partitions, then the members go away and commits stop: STOP (ERR) once the
  // silence is longer than the window's span and the broker ring (3 cycles here) holds only later log ends.
  function healthy(t: Tracker, until: number) {
    for (let i = 1; i <= until; i++) t.ingest(scrape({ at: i * S, ends: [1000 + i * 10, 2000 + i * 10], committed: { 0: 1000 + i * 10, 1: 2000 + i * 10 }, members: two }));
  }
  const stalled = (at: number) => scrape({ at, ends: [1100 + at / 100, 2100 + at / 100], committed: { 0: 1030, 1: 2030 }, members: [] });

  it('a status worse than the one shown is held (marked holding) within the grace period, with no status-change event', () => {
    const t = tracker({ intervals: 3, rebalanceGraceMs: 30 * S });
    healthy(t, 3);
    expect(t.groupReport('c', 'g')!.result.status).toBe('OK');
    const events = [];
    for (let at = 4 * S; at <= 12 * S; at += S) events.push(...t.ingest(stalled(at)).events);
    const report = t.groupReport('c', 'g')!;
    expect(report.result.partitions.some((p) => p.status === 'STOP')).toBe(true);
    expect(report.rebalance).toEqual({ kind: 'holding', since: 4 * S, held: 'OK', judged: 'ERR' });
    expect(report.result.status).toBe('OK');
    expect(events.filter((e) => e.kind === 'status-change')).toEqual([]);
  });

  it('after the grace period the judged status shows, with its status-change event', () => {
    const t = tracker({ intervals: 3, rebalanceGraceMs: 5 * S });
    healthy(t, 3);
    const changes = [];
    for (let at = 4 * S; at <= 12 * S; at += S) changes.push(...t.ingest(stalled(at)).events.filter((e) => e.kind === 'status-change'));
    expect(t.groupReport('c', 'g')!.result.status).toBe('ERR');
    expect(t.groupReport('c', 'g')!.rebalance.kind).toMatch(/grace-expired|stable/);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from: 'OK', to: 'ERR' });
    expect(changes[0]!.at).toBeGreaterThanOrEqual(9 * S);
  });

  it('a consumer in a crash loop (a new member every cycle, no progress) is held one grace period, then ERR', () => {
    const t = tracker({ intervals: 3, rebalanceGraceMs: 5 * S });
    healthy(t, 3);
    for (let at = 4 * S; at <= 14 * S; at += S) {
      t.ingest(scrape({ at, ends: [1100 + at / 100, 2100 + at / 100], committed: { 0: 1030, 1: 2030 }, members: [member(`x${at}`, 'app', [0, 1])] }));
    }
    const report = t.groupReport('c', 'g')!;
    expect(report.result.status).toBe('ERR');
    expect(report.rebalance).toEqual({ kind: 'grace-expired', since: 4 * S, judged: 'ERR' });
  });

  it('grace 0 never holds: the judged status shows at once', () => {
    const t = tracker({ intervals: 3, rebalanceGraceMs: 0 });
    healthy(t, 3);
    for (let at = 4 * S; at <= 12 * S; at += S) t.ingest(stalled(at));
    expect(t.groupReport('c', 'g')!.result.status).toBe('ERR');
  });

  it('without a membership change nothing is held: a consumer that stalls in place goes ERR', () => {
    const t = tracker({ intervals: 3, rebalanceGraceMs: 60 * S });
    healthy(t, 3);
    for (let at = 4 * S; at <= 12 * S; at += S) {
      t.ingest(scrape({ at, ends: [1100 + at / 100, 2100 + at / 100], committed: { 0: 1030, 1: 2030 }, members: two }));
    }
    expect(t.groupReport('c', 'g')!.result.status).toBe('ERR');
    expect(t.groupReport('c', 'g')!.rebalance).toEqual({ kind: 'stable' });
  });
});

describe('tracker: lag in time inputs', () => {
  it('a stopped consumer: the time lag grows with the clock while the log end moves and the commit does not', () => {
    const t = tracker();
    // 10 records a second; the group commits up to 50 and stops at 5 s.
    for (let i = 0; i <= 5; i++) t.ingest(scrape({ at: i * S, ends: [i * 10], committed: { 0: i * 10 }, members: [member('a', 'app', [0])] }));
    const lags: number[] = [];
    for (let i = 6; i <= 12; i++) {
      t.ingest(scrape({ at: i * S, ends: [i * 10], committed: { 0: 50 }, members: [member('a', 'app', [0])] }));
      const p = t.groupReport('c', 'g')!.result.partitions[0]!;
      expect(p.timeLag.kind).toBe('interpolated');
      lags.push(p.timeLag.kind === 'interpolated' ? p.timeLag.ms : -1);
    }
    // The record at offset 50 was produced between 5 s and 6 s (the log end passed 50 then).
    for (let k = 1; k < lags.length; k++) expect(lags[k]! - lags[k - 1]!).toBe(S);
    expect(lags.at(-1)).toBeGreaterThan(6 * S);
    expect(lags.at(-1)).toBeLessThanOrEqual(7 * S);
    expect(t.groupReport('c', 'g')!.result.maxTimeLagMs).toBe(lags.at(-1));
  });

  it('a caught-up group has time lag 0; log start reaches the details; exact record times win over the estimate', () => {
    const t = tracker();
    t.ingest(scrape({ at: 1 * S, ends: [100], committed: { 0: 100 }, members: [member('a', 'app', [0])], starts: [40] }));
    const caughtUp = t.groupReport('c', 'g')!;
    expect(caughtUp.result.partitions[0]!.timeLag).toEqual({ kind: 'caught-up', ms: 0 });
    expect(caughtUp.details[0]!.logStart).toBe(40);
    t.ingest(scrape({ at: 2 * S, ends: [150], committed: { 0: 120 }, members: [member('a', 'app', [0])], starts: [40], recordTimes: { 0: 1200 } }));
    expect(t.groupReport('c', 'g')!.result.partitions[0]!.timeLag).toEqual({ kind: 'exact', ms: 800, producedAt: 1200 });
  });
});
