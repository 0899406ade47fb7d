// Documents built from hand-made cycle reports (judged by the real evaluator): fields, ids, index names,
// unsafe integers, and `changed` mode.
import { describe, expect, it } from 'vitest';
import { DocumentBuilder, documentId, indexName, unsafeNumber } from '../../collector/sinks/documents.ts';
import type { EventDoc, GroupDoc, HeartbeatDoc, PartitionDoc } from '../../collector/types.ts';
import { evaluateGroup, notFound, STATUS_CODE, type PartitionInput } from '../../evaluator/index.ts';
import { sampleReport, statusChange } from '../../elasticsearch/sample-reports.ts';
import type { CycleReport, GroupReport } from '../../collector/types.ts';

const AT = Date.UTC(2026, 10, 25, 12, 0, 0);

function builder(partitionDocs: 'all' | 'changed' = 'all', fullSnapshotEvery = 10): DocumentBuilder {
  return new DocumentBuilder({ prefix: 'warren', partitionDocs, fullSnapshotEvery });
}

/** One group with two partitions: p0 healthy, p1 stalled with lag 900 (window of 10 equal offsets). */
function handMadeReport(): CycleReport {
  const ringSize = 10;
  const window = (offset: (i: number) => number, lag: (i: number) => number) =>
    Array.from({ length: ringSize }, (_, i) => ({ offset: offset(i), timestamp: AT - (ringSize - 1 - i) * 30_000, observedAt: AT - (ringSize - 1 - i) * 30_000, lag: lag(i) }));
  const inputs: PartitionInput[] = [
    { topic: 'orders', partition: 0, offsets: window((i) => 1000 + i * 10, () => 0), ringSize, brokerOffsets: [1090], currentLag: 0, owner: '/10.0.0.1', clientId: 'app', owned: true },
    { topic: 'orders', partition: 1, offsets: window(() => 5_000_000_007, (i) => 100 + i * 100), ringSize, brokerOffsets: [5_000_000_907], currentLag: 900, owner: '/10.0.0.2', clientId: 'app', owned: true },
  ];
  const result = evaluateGroup('prod', 'billing', inputs, AT);
  const group: GroupReport = {
    cluster: 'prod',
    group: 'billing',
    observedAt: AT,
    state: 'Stable',
    groupType: 'classic',
    memberCount: 2,
    epoch: -1,
    result,
    rebalance: { kind: 'stable' },
    details: [
      { topic: 'orders', partition: 0, committed: 1090, logEnd: 1090, logStart: 0, memberId: 'm-1', host: '/10.0.0.1', clientId: 'app' },
      { topic: 'orders', partition: 1, committed: 5_000_000_007, logEnd: 5_000_000_907, logStart: 0, memberId: 'm-2', host: '/10.0.0.2', clientId: 'app' },
    ],
  };
  const gone: GroupReport = { cluster: 'prod', group: 'old', observedAt: AT, state: 'Dead', groupType: 'classic', memberCount: 0, epoch: -1, result: notFound('prod', 'old'), rebalance: { kind: 'stable' }, details: [] };
  return {
    cluster: 'prod',
    startedAt: AT,
    finishedAt: AT + 250,
    durationMs: 250,
    ok: true,
    groups: [group, gone],
    topicCount: 1,
    partitionCount: 2,
    errors: [{ cluster: 'prod', stage: 'list-offsets', message: 'leader not available', topic: 'x', partition: 3 }],
    negativeLagClamped: 1,
    offsetsOutOfRange: 2,
  };
}

describe('documents of a cycle', () => {
  it('builds one document per partition, per group, per event, and a heartbeat', () => {
    const report = handMadeReport();
    const events = [statusChange('prod', 'billing', AT, 'OK', 'ERR'), { kind: 'group-gone' as const, cluster: 'prod', group: 'old', at: AT, why: 'expired' as const }];
    const { docs, refused, skipped } = builder().build(report, events);
    expect(refused).toEqual([]);
    expect(skipped).toBe(0);
    expect(docs.map((d) => d.kind)).toEqual(['partition', 'partition', 'group', 'group', 'event', 'event', 'heartbeat']);
    for (const d of docs) expect(d.index).toBe(`warren-${d.kind}-2026.11.25`);

    const [p0, p1] = docs.slice(0, 2).map((d) => d.doc as PartitionDoc);
    expect(p0).toMatchObject({ '@timestamp': '2026-11-25T12:00:00.000Z', cluster: 'prod', group: 'billing', topic: 'orders', partition: 0, committed_offset: 1090, log_end_offset: 1090, lag: 0, status: 'OK', status_code: 1, owner: '/10.0.0.1', client_id: 'app', member_id: 'm-1', complete: 1 });
    expect(p1!.status).not.toBe('OK');
    expect(p1!.status_code).toBe(STATUS_CODE[p1!.status]);
    expect(p1!.committed_offset).toBe(5_000_000_007);
    expect(p1!.log_end_offset).toBe(5_000_000_907);
    expect(p1!.lag).toBe(900);
    expect(p1!.reason).toBe(JSON.parse(p1!.reason_detail).rule);
    // The big offset survives JSON exactly.
    expect(JSON.stringify(p1)).toContain('"committed_offset":5000000007');

    const billing = docs[2]!.doc as GroupDoc;
    expect(billing).toMatchObject({ group: 'billing', status: 'ERR', status_code: 3, total_lag: 900, max_lag: 900, max_lag_topic: 'orders', max_lag_partition: 1, partition_count: 2, complete: 1, state: 'Stable', group_type: 'classic', member_count: 2 });
    expect(billing.reason).toBe(p1!.reason);
    expect(JSON.parse(billing.reason_detail)).toMatchObject({ topic: 'orders', partition: 1, status: p1!.status, rule: p1!.reason });
    const old = docs[3]!.doc as GroupDoc;
    expect(old).toMatchObject({ status: 'NOTFOUND', status_code: 0, reason: 'not-found', max_lag_topic: null, partition_count: 0 });

    const change = docs[4]!.doc as EventDoc;
    expect(change).toMatchObject({ kind: 'status-change', from_status: 'OK', to_status: 'ERR', from_code: 1, to_code: 3, topic: 'topic-00', partition: 0, reason: 'lag-not-decreasing' });
    expect(change.message).toContain('OK → ERR');
    expect(docs[5]!.doc).toMatchObject({ kind: 'group-gone', reason: 'expired', from_status: null, to_status: null });

    const heartbeat = docs[6]!.doc as HeartbeatDoc;
    expect(heartbeat).toEqual({
      '@timestamp': '2026-11-25T12:00:00.250Z',
      cluster: 'prod',
      ok: true,
      cycle_duration_ms: 250,
      groups: 2,
      partitions: 2,
      topics: 1,
      errors: 1,
      error_message: 'leader not available',
      negative_lag_clamped: 1,
      offsets_out_of_range: 2,
    });
  });

  it('gives the same ids to the same documents and different ids to different ones', () => {
    const first = builder().build(handMadeReport(), []).docs;
    const second = builder().build(handMadeReport(), []).docs;
    expect(second.map((d) => d.id)).toEqual(first.map((d) => d.id));
    for (const d of first) expect(d.id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(new Set(first.map((d) => d.id)).size).toBe(first.length);
    // Next cycle: every id differs.
    const generated = (cycle: number) => builder().build(sampleReport({ cluster: 'c', groups: 3, topicsPerGroup: 2, partitionsPerTopic: 4, at: AT + cycle * 30_000, cycle }), []).docs;
    const a = generated(0).map((d) => d.id);
    const b = generated(1).map((d) => d.id);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    // Key fields matter, and so does the kind.
    expect(documentId('partition', AT, ['c', 'g', 't', 1])).not.toBe(documentId('partition', AT, ['c', 'g', 't', 2]));
    expect(documentId('partition', AT, ['c', 'g'])).not.toBe(documentId('group', AT, ['c', 'g']));
    expect(documentId('group', AT, ['a', 'bc'])).not.toBe(documentId('group', AT, ['ab', 'c']));
    // Ids of one instant share their time prefix (better terms-dictionary compression).
    expect(documentId('partition', AT, ['x']).slice(0, 8)).toBe(documentId('group', AT, ['y']).slice(0, 8));
    // A topic's partitions differ only in the last 4 of 18 bytes; the partition is part of the id.
    const p3 = Buffer.from(documentId('partition', AT, ['c', 'g', 't'], 3), 'base64url');
    const p4 = Buffer.from(documentId('partition', AT, ['c', 'g', 't'], 4), 'base64url');
    expect(p3.subarray(0, 14)).toEqual(p4.subarray(0, 14));
    expect(p3.readUInt32BE(14)).toBe(3);
    expect(p3.readUIntBE(0, 6)).toBe(AT);
    // An ordinal beyond 32 bits is folded into the hash, still distinct.
    expect(documentId('partition', AT, ['c', 'g', 't'], 2 ** 32)).not.toBe(documentId('partition', AT, ['c', 'g', 't'], 0));
  });

  it('names daily indices by the UTC day of the document', () => {
    expect(indexName('warren', 'partition', Date.UTC(2026, 0, 1, 23, 59, 59, 999))).toBe('warren-partition-2026.01.01');
    expect(indexName('warren', 'partition', Date.UTC(2026, 0, 2, 0, 0, 0, 0))).toBe('warren-partition-2026.01.02');
    expect(indexName('lag', 'heartbeat', Date.UTC(2027, 11, 31, 12))).toBe('lag-heartbeat-2027.12.31');
  });

  it('refuses a document with an integer beyond 2^53 − 1, counts it, and keeps the others', () => {
    const report = sampleReport({
      cluster: 'c',
      groups: 1,
      topicsPerGroup: 1,
      partitionsPerTopic: 3,
      at: AT,
      cycle: 0,
      committed: (_g, _t, p) => (p === 1 ? 2 ** 53 + 2 : undefined),
    });
    const { docs, refused } = builder().build(report, []);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.kind).toBe('partition');
    expect(refused[0]!.what).toBe('c/group-0000/topic-00/1');
    expect(refused[0]!.problem).toMatch(/committed_offset = 9007199254740994 is not a safe integer/);
    expect(docs.filter((d) => d.kind === 'partition').map((d) => (d.doc as PartitionDoc).partition)).toEqual([0, 2]);
    expect(unsafeNumber({ lag: Number.MAX_SAFE_INTEGER })).toBeNull();
    expect(unsafeNumber({ lag: Number.MAX_SAFE_INTEGER + 1 })).not.toBeNull();
    expect(unsafeNumber({ lag: Number.NaN })).toMatch(/NaN/);
    expect(unsafeNumber({ complete: 0.3 })).toBeNull();
    expect(unsafeNumber({ lag: 0.5 })).not.toBeNull();
  });

  it('in changed mode writes only busy partitions (and each once more when it calms), with full snapshots', () => {
    const b = builder('changed', 3);
    // Partition 1 of group 0 lags in cycles 1 and 2 only; everything else is quiet.
    const lag = (g: number, _t: number, p: number, cycle: number) => (g === 0 && p === 1 && (cycle === 1 || cycle === 2) ? 50 : 0);
    const partitionsOf = (cycle: number) => {
      const result = b.build(sampleReport({ cluster: 'c', groups: 2, topicsPerGroup: 1, partitionsPerTopic: 4, at: AT + cycle * 30_000, cycle, lag }), []);
      const docs = result.docs.filter((d) => d.kind === 'partition').map((d) => d.doc as PartitionDoc);
      return { keys: docs.map((d) => `${d.group}/${d.partition}:${d.lag}`), skipped: result.skipped, groups: result.docs.filter((d) => d.kind === 'group').length };
    };
    const c0 = partitionsOf(0); // full snapshot
    expect(c0.keys).toHaveLength(8);
    expect(c0.skipped).toBe(0);
    expect(partitionsOf(1)).toEqual({ keys: ['group-0000/1:50'], skipped: 7, groups: 2 });
    expect(partitionsOf(2).keys).toEqual(['group-0000/1:50']);
    expect(partitionsOf(3).keys).toHaveLength(8); // cycle 3: full snapshot (every 3rd)
    // Cycle 4: quiet again, but partition 1 was not busy in cycle 3 → nothing.
    expect(partitionsOf(4).keys).toEqual([]);
    // Clusters are counted separately; 'all' mode never skips.
    expect(builder('all').build(sampleReport({ cluster: 'c', groups: 2, topicsPerGroup: 1, partitionsPerTopic: 4, at: AT, cycle: 5, lag }), []).skipped).toBe(0);
  });

  it('writes the document that brings a partition back to zero', () => {
    const b = builder('changed', 100);
    const lag = (_g: number, _t: number, p: number, cycle: number) => (p === 0 && cycle === 1 ? 10 : 0);
    const run = (cycle: number) =>
      b
        .build(sampleReport({ cluster: 'c', groups: 1, topicsPerGroup: 1, partitionsPerTopic: 2, at: AT + cycle * 30_000, cycle, lag }), [])
        .docs.filter((d) => d.kind === 'partition')
        .map((d) => `${(d.doc as PartitionDoc).partition}:${(d.doc as PartitionDoc).lag}`);
    expect(run(0)).toEqual(['0:0', '1:0']);
    expect(run(1)).toEqual(['0:10']);
    expect(run(2)).toEqual(['0:0']);
    expect(run(3)).toEqual([]);
  });
});
