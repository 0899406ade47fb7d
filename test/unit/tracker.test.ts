// The tracker on hand-made scrapes: the cases the broker tests cannot make cheaply or deterministically
// (expiry after days, negative lag, offsets above 2^53) plus the lifecycle of topics, partitions and groups.
import { describe, expect, it } from 'vitest';
import { Tracker } from '../../collector/tracker.ts';
import type { ClusterScrape, GroupDescription, MemberInfo } from '../../collector/types.ts';

const DAY = 86_400_000;

function tracker(expireGroupMs = 7 * DAY) {
  return new Tracker({ clusters: ['c'], intervals: 10, expireGroupMs, rules: { allowedLag: 0, minimumComplete: 0 } });
}

function member(id: string, topic: string, partitions: number[]): MemberInfo {
  return { memberId: id, groupInstanceId: null, clientId: `client-${id}`, host: `/10.0.0.${id}`, assignments: [{ topic, partitions }] };
}

function description(group: string, members: MemberInfo[] = []): GroupDescription {
  return { group, groupType: 'classic', protocolType: 'consumer', state: members.length ? 'Stable' : 'Empty', epoch: -1, members };
}

interface GroupSpec {
  committed: Record<string, Record<number, number>>;
  members?: MemberInfo[];
}

function scrape(at: number, topics: Record<string, (number | null)[]>, groups: Record<string, GroupSpec>): ClusterScrape {
  return {
    cluster: 'c',
    startedAt: at - 10,
    finishedAt: at,
    reachable: true,
    errors: [],
    topics: new Map(Object.entries(topics).map(([name, ends]) => [name, { name, partitions: ends.length, internal: false }])),
    logEnd: new Map(Object.entries(topics)),
    groups: new Map(
      Object.entries(groups).map(([name, spec]) => [
        name,
        {
          description: description(name, spec.members),
          committed: new Map(Object.entries(spec.committed).map(([t, ps]) => [t, new Map(Object.entries(ps).map(([p, o]) => [Number(p), o]))])),
        },
      ]),
    ),
  };
}

describe('tracker', () => {
  it('reports lag per partition and a partition with no commit as committed null, lag 0, complete 0', () => {
    const t = tracker();
    const { report } = t.ingest(scrape(1000, { orders: [100, 50] }, { g: { committed: { orders: { 0: 40 } } } }));
    const group = report.groups[0]!;
    expect(group.result.status).not.toBe('NOTFOUND');
    expect(group.result.partitionCount).toBe(2);
    expect(group.details.map((d) => [d.partition, d.committed, d.logEnd])).toEqual([
      [0, 40, 100],
      [1, null, 50],
    ]);
    expect(group.result.partitions.map((p) => p.currentLag)).toEqual([60, 0]);
    expect(group.result.partitions[1]!.complete).toBe(0);
    expect(group.result.partitions[1]!.reason.rule).toBe('no-commits');
    expect(group.result.totallag).toBe(60);
    expect(t.ready()).toBe(true);
  });

  it('clamps a log end below the committed offset to lag 0 and counts it', () => {
    const t = tracker();
    const { report } = t.ingest(scrape(1000, { orders: [10] }, { g: { committed: { orders: { 0: 15 } } } }));
    expect(report.negativeLagClamped).toBe(1);
    expect(report.groups[0]!.result.partitions[0]!.currentLag).toBe(0);
  });

  it('keeps a topic whose metadata could not be read this cycle (no reset of its windows); drops it once it is gone', () => {
    const t = tracker();
    for (let i = 1; i <= 3; i++) t.ingest(scrape(i * 1000, { orders: [100 * i] }, { g: { committed: { orders: { 0: 100 * i - 10 } } } }));
    expect(t.groupReport('c', 'g')!.result.partitions[0]!.complete).toBeCloseTo(0.3);
    const unread = { ...scrape(4000, {}, { g: { committed: { orders: { 0: 295 } } } }), errors: [{ cluster: 'c', stage: 'metadata' as const, topic: 'orders', message: 'metadata of orders not read this cycle' }] };
    t.ingest(unread);
    const kept = t.groupReport('c', 'g')!.result.partitions[0]!;
    expect(kept.complete).toBeCloseTo(0.4);
    // The log end could not be read: the newest known one (300) stands in.
    expect(kept.currentLag).toBe(5);
    expect(t.topics('c')).toEqual(['orders']);
    t.ingest(scrape(5000, {}, { g: { committed: { orders: { 0: 295 } } } }));
    expect(t.topics('c')).toEqual([]);
    expect(t.groupReport('c', 'g')!.result.partitionCount).toBe(0);
  });

  it('adds a new partition of a topic to the group and drops a deleted topic from it', () => {
    const t = tracker();
    t.ingest(scrape(1000, { orders: [10], old: [5] }, { g: { committed: { orders: { 0: 10 }, old: { 0: 5 } } } }));
    expect(t.groupReport('c', 'g')!.result.partitionCount).toBe(2);
    const { report } = t.ingest(scrape(2000, { orders: [10, 7] }, { g: { committed: { orders: { 0: 10 }, old: { 0: 5 } } } }));
    const partitions = report.groups[0]!.result.partitions.map((p) => `${p.topic}/${p.partition}`);
    expect(partitions).toEqual(['orders/0', 'orders/1']);
    expect(t.topics('c')).toEqual(['orders']);
    expect(t.consumersOfTopic('c', 'old')).toEqual([]);
  });

  it('removes a group the broker no longer lists, with an event', () => {
    const t = tracker();
    t.ingest(scrape(1000, { orders: [10] }, { g: { committed: { orders: { 0: 10 } } }, h: { committed: { orders: { 0: 3 } } } }));
    const { events } = t.ingest(scrape(2000, { orders: [10] }, { h: { committed: { orders: { 0: 3 } } } }));
    expect(t.groups('c')).toEqual(['h']);
    expect(t.groupReport('c', 'g')).toBeUndefined();
    expect(events).toContainEqual({ kind: 'group-gone', cluster: 'c', group: 'g', at: 2000, why: 'deleted' });
  });

  it('expires a group whose offsets have not moved for expire-group, and tracks it again when it commits', () => {
    const t = tracker(DAY);
    const committed = { orders: { 0: 5 } };
    t.ingest(scrape(1000, { orders: [10] }, { g: { committed } }));
    t.ingest(scrape(1000 + DAY, { orders: [10] }, { g: { committed } }));
    expect(t.groups('c')).toEqual(['g']);
    const { events } = t.ingest(scrape(2000 + DAY, { orders: [10] }, { g: { committed } }));
    expect(events).toContainEqual({ kind: 'group-gone', cluster: 'c', group: 'g', at: 2000 + DAY, why: 'expired' });
    expect(t.groupReport('c', 'g')).toBeUndefined();
    t.ingest(scrape(3000 + DAY, { orders: [10] }, { g: { committed } }));
    expect(t.groups('c')).toEqual([]);
    t.ingest(scrape(4000 + DAY, { orders: [10] }, { g: { committed: { orders: { 0: 6 } } } }));
    expect(t.groups('c')).toEqual(['g']);
  });

  it('does not expire an idle group that a live member owns', () => {
    const t = tracker(DAY);
    const spec = { committed: { orders: { 0: 10 } }, members: [member('1', 'orders', [0])] };
    t.ingest(scrape(1000, { orders: [10] }, { g: spec }));
    t.ingest(scrape(1000 + 2 * DAY, { orders: [10] }, { g: spec }));
    expect(t.groups('c')).toEqual(['g']);
    expect(t.groupReport('c', 'g')!.result.partitions[0]!.owner).toBe('/10.0.0.1');
  });

  it('keeps the last known state when the cluster cannot be read', () => {
    const t = tracker();
    t.ingest(scrape(1000, { orders: [10] }, { g: { committed: { orders: { 0: 4 } } } }));
    const failed = { ...scrape(2000, {}, {}), reachable: false, errors: [{ cluster: 'c', stage: 'connect' as const, message: 'down' }] };
    const { report } = t.ingest(failed);
    expect(report.ok).toBe(false);
    expect(t.groupReport('c', 'g')!.result.totallag).toBe(6);
    expect(t.lastCycle('c')!.ok).toBe(false);
  });

  it('forgets a group deleted through the API until its committed offsets move', () => {
    const t = tracker();
    const committed = { orders: { 0: 4 } };
    t.ingest(scrape(1000, { orders: [10] }, { g: { committed } }));
    t.deleteGroup('c', 'g');
    expect(t.groups('c')).toEqual([]);
    t.ingest(scrape(2000, { orders: [10] }, { g: { committed } }));
    expect(t.groups('c')).toEqual([]);
    t.ingest(scrape(3000, { orders: [10] }, { g: { committed: { orders: { 0: 9 } } } }));
    expect(t.groups('c')).toEqual(['g']);
  });

  it('emits a status change with the deciding partition and its reason', () => {
    const t = tracker();
    const owner = [member('1', 'orders', [0])];
    // A live member, offset frozen below the log end. One sample is no trend: OK.
    const first = t.ingest(scrape(1000, { orders: [20] }, { g: { committed: { orders: { 0: 10 } }, members: owner } }));
    expect(first.report.groups[0]!.result.status).toBe('OK');
    expect(first.report.groups[0]!.result.partitions[0]!.reason.rule).toBe('single-sample');
    // The offset has not moved for longer than the window's span while a member owns it: STALL.
    const { events } = t.ingest(scrape(2000, { orders: [30] }, { g: { committed: { orders: { 0: 10 } }, members: owner } }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'status-change', from: 'OK', to: 'ERR', topic: 'orders', partition: 0, partitionStatus: 'STALL' });
    expect(events[0]).toMatchObject({ reason: { rule: 'no-progress', sinceLastMs: 1000, owner: '/10.0.0.1', lastOffset: 10 } });
  });

  it('tells STOP (nobody owns the partition) from STALL (a member does)', () => {
    const t = tracker();
    const owned = { committed: { orders: { 0: 10 } }, members: [member('1', 'orders', [0])] };
    const orphan = { committed: { orders: { 0: 10 } } };
    t.ingest(scrape(1000, { orders: [20] }, { owned, orphan }));
    t.ingest(scrape(2000, { orders: [20] }, { owned, orphan }));
    expect(t.groupReport('c', 'owned')!.result.partitions[0]!.status).toBe('STALL');
    expect(t.groupReport('c', 'orphan')!.result.partitions[0]!.status).toBe('STOP');
  });

  it('uses the newest known log end when it cannot be read this cycle', () => {
    const t = tracker();
    t.ingest(scrape(1000, { orders: [20] }, { g: { committed: { orders: { 0: 10 } } } }));
    const { report } = t.ingest(scrape(2000, { orders: [null] }, { g: { committed: { orders: { 0: 12 } } } }));
    expect(report.groups[0]!.result.partitions[0]!.currentLag).toBe(8);
  });

  it('serves Burrow-shaped detail: rings padded with leading nulls, index = partition', () => {
    const t = tracker();
    t.ingest(scrape(1000, { orders: [10, 10] }, { g: { committed: { orders: { 1: 10 } } } }));
    const detail = t.groupDetail('c', 'g')!.get('orders')!;
    expect(detail).toHaveLength(2);
    expect(detail[0]!.offsets).toEqual([]);
    expect(detail[1]!.offsets).toHaveLength(10);
    expect(detail[1]!.offsets.slice(0, 9).every((o) => o === null)).toBe(true);
    expect(detail[1]!.offsets[9]).toMatchObject({ offset: 10, lag: 0 });
  });
});
