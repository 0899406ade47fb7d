// Documents built from hand-made cycle reports (judged by the real evaluator): fields, ids, index names,
// unsafe integers, and `changed` mode.
import { describe, expect, it } from 'vitest';
import { DocumentBuilder, documentId, eventDoc, indexName, offsetsLine, unsafeNumber } from '../../collector/sinks/documents.ts';
import type { DeployEvent, EventDoc, GroupDoc, HeartbeatDoc, PartitionDoc, RebalanceEvent } from '../../collector/types.ts';
import { evaluateGroup, notFound, STATUS_CODE, type PartitionInput } from '../../evaluator/index.ts';
import { logStartOf, sampleEvents, sampleReport, statusChange, withSyntheticTimeLag } from '../../elasticsearch/sample-reports.ts';
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

/** The hand-made report with lag in time and trends: p0 caught up and steady, p1 5 minutes behind and falling behind. */
function withTimeLag(report: CycleReport, rebalance: GroupReport['rebalance'] = { kind: 'stable' }): CycleReport {
  const billing = report.groups[0]!;
  const result = withSyntheticTimeLag(billing.result, [
    { timeLag: { kind: 'caught-up', ms: 0 }, trend: { kind: 'steady', velocity: 0, spanMs: 270_000 } },
    { timeLag: { kind: 'extrapolated', ms: 300_000.4, atLeastMs: 270_000 }, trend: { kind: 'falling-behind', velocity: 10 / 3, spanMs: 270_000, dataLossMs: 7_200_000.6 } },
  ]);
  return { ...report, groups: [{ ...billing, result, rebalance, epoch: 7 }, ...report.groups.slice(1)] };
}

function rebalance(at: number, previousEpoch = 7, epoch = 8): RebalanceEvent {
  return {
    kind: 'rebalance',
    cluster: 'prod',
    group: 'billing',
    at,
    previousState: 'Stable',
    state: 'PreparingRebalance',
    previousEpoch,
    epoch,
    joined: [{ memberId: 'm-3', clientId: 'app-canary', host: '/10.0.0.3', instanceId: null }],
    left: [{ memberId: 'm-2', clientId: 'app', host: '/10.0.0.2', instanceId: null }],
    memberCount: 2,
    offsets: [
      { topic: 'orders', partition: 0, committed: 1090, logEnd: 1090 },
      { topic: 'orders', partition: 1, committed: 5_000_000_007, logEnd: 5_000_000_907 },
      { topic: 'refunds', partition: 0, committed: null, logEnd: 12 },
    ],
  };
}

function deploy(at: number): DeployEvent {
  return {
    kind: 'deploy',
    cluster: 'prod',
    group: 'billing',
    at,
    clientIdsBefore: ['app'],
    clientIds: ['app', 'app-canary'],
    hostsBefore: ['/10.0.0.1', '/10.0.0.2'],
    hosts: ['/10.0.0.1', '/10.0.0.3'],
    offsets: rebalance(at).offsets,
  };
}

describe('lag in time, trends, rebalances and deploys in documents', () => {
  it('partition documents: time lag in whole ms and its kind, velocity, catch-up and data-loss times, log start', () => {
    const { docs, refused } = builder().build(withTimeLag(handMadeReport()), []);
    expect(refused).toEqual([]);
    const [p0, p1] = docs.filter((d) => d.kind === 'partition').map((d) => d.doc as PartitionDoc);
    expect(p0).toMatchObject({ time_lag_ms: 0, time_lag_kind: 'caught-up', lag_velocity: 0, catch_up_ms: null, data_loss_ms: null, log_start_offset: 0 });
    expect(p1).toMatchObject({ time_lag_ms: 300_000, time_lag_kind: 'extrapolated', lag_velocity: 3.333, catch_up_ms: null, data_loss_ms: 7_200_001, log_start_offset: 0 });
    // Unknown: null, and the kind says so. Every field is in every document.
    const plain = handMadeReport();
    const unknownResult = withSyntheticTimeLag(plain.groups[0]!.result, [
      { timeLag: { kind: 'unknown', why: 'no-history' }, trend: { kind: 'unknown' } },
      { timeLag: { kind: 'unknown', why: 'no-commit' }, trend: { kind: 'unknown' } },
    ]);
    const unknown = builder().build({ ...plain, groups: [{ ...plain.groups[0]!, result: unknownResult }] }, []).docs[0]!.doc as PartitionDoc;
    expect(unknown).toMatchObject({ time_lag_ms: null, time_lag_kind: 'unknown', lag_velocity: null, catch_up_ms: null, data_loss_ms: null });
    expect(Object.keys(unknown).sort()).toEqual(Object.keys(p1!).sort());
  });

  it('a catching-up partition has its catch-up time; a velocity that is not finite is null, never a refused document', () => {
    const report = handMadeReport();
    const billing = report.groups[0]!;
    const result = withSyntheticTimeLag(billing.result, [
      { timeLag: { kind: 'interpolated', ms: 1500, producedAt: AT - 1500 }, trend: { kind: 'catching-up', velocity: -12.34567, spanMs: 60_000, catchUpMs: 72_900.2 } },
      { timeLag: { kind: 'exact', ms: 42, producedAt: AT - 42 }, trend: { kind: 'falling-behind', velocity: Number.POSITIVE_INFINITY, spanMs: 60_000, dataLossMs: null } },
    ]);
    const { docs, refused } = builder().build({ ...report, groups: [{ ...billing, result }] }, []);
    expect(refused).toEqual([]);
    const [p0, p1] = docs.filter((d) => d.kind === 'partition').map((d) => d.doc as PartitionDoc);
    expect(p0).toMatchObject({ time_lag_ms: 1500, time_lag_kind: 'interpolated', lag_velocity: -12.346, catch_up_ms: 72_900, data_loss_ms: null });
    expect(p1).toMatchObject({ time_lag_ms: 42, time_lag_kind: 'exact', lag_velocity: null, data_loss_ms: null });
    // Only `complete` and `lag_velocity` may hold fractions.
    expect(unsafeNumber({ lag_velocity: 0.25 })).toBeNull();
    expect(unsafeNumber({ time_lag_ms: 0.25 })).not.toBeNull();
  });

  it('group documents: max time lag, trend, whether it rebalances, the status judged before a hold, the epoch', () => {
    const held = withTimeLag(handMadeReport(), { kind: 'holding', since: AT - 30_000, held: 'OK', judged: 'ERR' });
    const doc = builder().build(held, []).docs.find((d) => d.kind === 'group')!.doc as GroupDoc;
    expect(doc).toMatchObject({
      max_time_lag_ms: 300_000,
      lag_velocity: 3.333,
      catch_up_ms: null,
      data_loss_ms: 7_200_001,
      trend: 'falling-behind',
      rebalancing: true,
      judged_status: 'ERR',
      epoch: 7,
    });
    const stable = builder().build(withTimeLag(handMadeReport()), []).docs.find((d) => d.kind === 'group')!.doc as GroupDoc;
    expect(stable).toMatchObject({ rebalancing: false, judged_status: stable.status, trend: 'falling-behind' });
    const expired = builder().build(withTimeLag(handMadeReport(), { kind: 'grace-expired', since: AT - 600_000, judged: 'WARN' }), []).docs.find((d) => d.kind === 'group')!.doc as GroupDoc;
    expect(expired).toMatchObject({ rebalancing: true, judged_status: 'WARN' });
    const gone = builder().build(handMadeReport(), []).docs.filter((d) => d.kind === 'group')[1]!.doc as GroupDoc;
    expect(gone).toMatchObject({ status: 'NOTFOUND', max_time_lag_ms: null, lag_velocity: null, trend: 'unknown', rebalancing: false, judged_status: 'NOTFOUND', epoch: -1 });
  });

  it('rebalance and deploy events: membership fields, the offsets kept whole, a message that names the change and lists the offsets', () => {
    const report = withTimeLag(handMadeReport());
    const { docs, refused } = builder().build(report, [rebalance(AT), deploy(AT)]);
    expect(refused).toEqual([]);
    const [r, d] = docs.filter((x) => x.kind === 'event').map((x) => x.doc as EventDoc);
    expect(r).toMatchObject({
      kind: 'rebalance',
      reason: 'rebalance',
      from_status: null,
      epoch: 8,
      previous_epoch: 7,
      state: 'PreparingRebalance',
      previous_state: 'Stable',
      member_count: 2,
      members_joined: ['app-canary'],
      members_left: ['app'],
      client_ids: null,
      hosts: null,
      offsets: rebalance(AT).offsets,
    });
    expect(r!.message).toBe(
      'group billing: rebalance, epoch 7 → 8, Stable → PreparingRebalance, 2 members; joined app-canary (/10.0.0.3); left app (/10.0.0.2); ' +
        'offsets: orders p0=1090, p1=5000000007 (lag 900); refunds p0=none',
    );
    // A deploy takes the epoch, state and member count of the group's report of the same cycle.
    expect(d).toMatchObject({
      kind: 'deploy',
      reason: 'deploy',
      epoch: 7,
      previous_epoch: null,
      state: 'Stable',
      member_count: 2,
      members_joined: ['app-canary'],
      members_left: [],
      client_ids: ['app', 'app-canary'],
      previous_client_ids: ['app'],
      hosts: ['/10.0.0.1', '/10.0.0.3'],
      previous_hosts: ['/10.0.0.1', '/10.0.0.2'],
    });
    expect(d!.message).toBe(
      'group billing: deploy, client ids app → app, app-canary; hosts /10.0.0.1, /10.0.0.2 → /10.0.0.1, /10.0.0.3; offsets: orders p0=1090, p1=5000000007 (lag 900); refunds p0=none',
    );
    // Without the group's report the deploy still has every field.
    expect(eventDoc(deploy(AT))).toMatchObject({ epoch: null, state: null, member_count: null, client_ids: ['app', 'app-canary'] });
    // Every event document has every field, whatever its kind.
    const change = builder().build(report, [statusChange('prod', 'billing', AT, 'OK', 'ERR')]).docs.find((x) => x.kind === 'event')!.doc as EventDoc;
    expect(Object.keys(change).sort()).toEqual(Object.keys(r!).sort());
    expect(Object.keys(d!).sort()).toEqual(Object.keys(r!).sort());
    expect(change).toMatchObject({ epoch: null, members_joined: null, offsets: null });
  });

  it('lists at most 32 partitions in a message; the offsets field keeps them all', () => {
    const offsets = Array.from({ length: 40 }, (_, i) => ({ topic: i < 20 ? 'a' : 'b', partition: i % 20, committed: 100 + i, logEnd: i === 3 ? null : 100 + i }));
    const line = offsetsLine(offsets);
    expect(line).toMatch(/^offsets: a p0=100, p1=101, p2=102, p3=103 \(lag \?\), p4=104/);
    expect(line).toContain('; b p0=120');
    expect(line).toContain(', p10=130, p11=131; and 8 more partitions');
    expect(line).not.toContain('p12=132');
    expect(offsetsLine([])).toBe('offsets: none');
    const doc = eventDoc({ ...rebalance(AT), offsets });
    expect(doc.offsets).toHaveLength(40);
  });

  it('two rebalances are two documents, in different cycles and within one cycle; sending a cycle again gives the same ids', () => {
    const report = (at: number) => ({ ...withTimeLag(handMadeReport()), finishedAt: at + 250 });
    const first = builder().build(report(AT), [rebalance(AT), deploy(AT)]).docs.filter((d) => d.kind === 'event');
    const later = builder().build(report(AT + 30_000), [rebalance(AT + 30_000)]).docs.filter((d) => d.kind === 'event');
    // The same membership change again, a cycle later: another document.
    expect(later[0]!.id).not.toBe(first[0]!.id);
    // Two rebalances with the same key in one cycle: two ids.
    const twice = builder().build(report(AT), [rebalance(AT), rebalance(AT)]).docs.filter((d) => d.kind === 'event');
    expect(twice).toHaveLength(2);
    expect(twice[0]!.id).not.toBe(twice[1]!.id);
    expect(twice[0]!.id).toBe(first[0]!.id);
    // Built again (a re-send): the same ids, so Elasticsearch stores them once.
    const again = builder().build(report(AT), [rebalance(AT), rebalance(AT)]).docs.filter((d) => d.kind === 'event');
    expect(again.map((d) => d.id)).toEqual(twice.map((d) => d.id));
    expect(new Set([...first, ...later].map((d) => d.id)).size).toBe(3);
  });

  it('in changed mode a group that rebalances or is redeployed gets every partition written', () => {
    const b = builder('changed', 100);
    const options = (cycle: number) => ({ cluster: 'c', groups: 2, topicsPerGroup: 1, partitionsPerTopic: 4, at: AT + cycle * 30_000, cycle, eventsEvery: 3, lag: () => 0 });
    const run = (cycle: number) => {
      const report = sampleReport(options(cycle));
      const events = sampleEvents(options(cycle), report);
      const docs = b.build(report, events).docs;
      return { events: events.map((e) => e.kind), partitions: docs.filter((d) => d.kind === 'partition').map((d) => `${(d.doc as PartitionDoc).group}/${(d.doc as PartitionDoc).partition}`) };
    };
    expect(run(0).partitions).toHaveLength(8); // first cycle: full snapshot
    expect(run(1)).toEqual({ events: [], partitions: [] });
    expect(run(2)).toEqual({ events: [], partitions: [] });
    // Cycle 3: group 0 is redeployed (rebalance + deploy, rebalancing): all of its partitions, none of group 1.
    expect(run(3)).toEqual({ events: ['rebalance', 'deploy'], partitions: ['group-0000/0', 'group-0000/1', 'group-0000/2', 'group-0000/3'] });
    expect(run(4).partitions).toEqual([]);
  });
});

describe('sample reports', () => {
  it('the time lag of a lagging partition grows cycle by cycle; caught-up partitions are 0; the first cycle has no history', () => {
    const at = (cycle: number) => sampleReport({ cluster: 'c', groups: 1, topicsPerGroup: 1, partitionsPerTopic: 2, at: AT + cycle * 30_000, cycle });
    const lagging = (cycle: number) => at(cycle).groups[0]!.result.partitions[0]!;
    expect(lagging(0).timeLag).toEqual({ kind: 'unknown', why: 'no-history' });
    expect(lagging(0).trend).toEqual({ kind: 'unknown' });
    const ms = [1, 2, 5, 12].map((c) => (lagging(c).timeLag as { ms: number }).ms);
    expect(ms).toEqual([60_000, 90_000, 180_000, 390_000]); // lag × 30 s / 100 records
    expect(ms.every((v, i) => i === 0 || v > ms[i - 1]!)).toBe(true);
    expect(lagging(5).trend).toMatchObject({ kind: 'falling-behind', spanMs: 150_000 });
    expect((lagging(5).trend as { velocity: number }).velocity).toBeCloseTo(100 / 30, 10);
    const committed = at(5).groups[0]!.details[0]!.committed!;
    expect((lagging(5).trend as { dataLossMs: number }).dataLossMs).toBe(Math.round(((committed - logStartOf(committed)) / (100 / 30)) * 1000));
    const quiet = at(5).groups[0]!.result.partitions[1]!;
    expect(quiet.timeLag).toEqual({ kind: 'caught-up', ms: 0 });
    expect(quiet.trend).toMatchObject({ kind: 'steady', velocity: 0 });
    const group = at(5).groups[0]!.result;
    expect(group.maxTimeLagMs).toBe(180_000);
    expect(group.maxTimeLag).toBe(group.partitions[0]);
    expect(group.trend.kind).toBe('falling-behind');
    // Retention deletes whole segments: the log start stays put for many cycles.
    expect(at(5).groups[0]!.details[0]!.logStart).toBe(500_000);
    expect(logStartOf(1_000_500)).toBe(500_000);
    expect(logStartOf(1_100_000)).toBe(600_000);
    expect(logStartOf(20)).toBe(0);
  });

  it('with eventsEvery, group 0 is redeployed every N cycles: a rebalance and a deploy event, a new client id and epoch', () => {
    const options = (cycle: number) => ({ cluster: 'c', groups: 2, topicsPerGroup: 1, partitionsPerTopic: 2, at: AT + cycle * 30_000, cycle, eventsEvery: 4 });
    const events = (cycle: number) => sampleEvents(options(cycle), sampleReport(options(cycle)));
    expect([0, 1, 2, 3, 5, 7].map((c) => events(c).length)).toEqual([0, 0, 0, 0, 0, 0]);
    const [r, d] = events(8) as [RebalanceEvent, DeployEvent];
    expect(r).toMatchObject({ kind: 'rebalance', group: 'group-0000', previousEpoch: 2, epoch: 3, memberCount: 3, state: 'Reconciling' });
    expect(r.joined.map((m) => m.clientId)).toEqual(new Array(3).fill('client-group-0000-v3'));
    expect(r.left.map((m) => m.clientId)).toEqual(new Array(3).fill('client-group-0000-v2'));
    expect(d).toMatchObject({ kind: 'deploy', clientIdsBefore: ['client-group-0000-v2'], clientIds: ['client-group-0000-v3'] });
    const report = sampleReport(options(8));
    expect(r.offsets).toEqual(report.groups[0]!.details.map((x) => ({ topic: x.topic, partition: x.partition, committed: x.committed, logEnd: x.logEnd })));
    expect(report.groups[0]).toMatchObject({ epoch: 3, rebalance: { kind: 'rebalancing', since: AT + 8 * 30_000 } });
    expect(report.groups[0]!.details.every((x) => x.clientId === 'client-group-0000-v3')).toBe(true);
    expect(sampleReport(options(9)).groups[0]).toMatchObject({ epoch: 3, rebalance: { kind: 'stable' } });
    // Group 1 never changes.
    expect(report.groups[1]).toMatchObject({ epoch: -1, rebalance: { kind: 'stable' } });
  });
});
