// The Kafka source's pure pieces: int64 offsets kept exact or refused, group filters, error text, and exact
// mode's planning (which offsets to read, deduplicated) and record picking inside fetched batches.
import { Reader, createRecordsBatch, readRecordsBatch, type RecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { describeError, exactGroupFilter, groupFilter, safeOffset } from '../../collector/sources/kafka.ts';
import { exactPositions, firstRecordAtOrAfter, lastCoveredOffset, outcomes, recordTimesByGroup, recordTimestamp, settle, uniquePositions, type PartitionWork, type RecordTimesRead } from '../../collector/sources/record-time.ts';
import { isTopicChurnError, planByLeader, takeAnswer, type ListedOffsets } from '../../collector/sources/topic-churn.ts';
import { Tracker } from '../../collector/tracker.ts';

describe('safeOffset', () => {
  it('keeps every offset up to 2^53 − 1 exact', () => {
    expect(safeOffset(0n)).toBe(0);
    expect(safeOffset(5_000_000_007n)).toBe(5_000_000_007);
    expect(safeOffset(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses an offset above 2^53 instead of rounding it, and -1 (no commit)', () => {
    expect(safeOffset(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toBeNull();
    expect(safeOffset(2n ** 63n - 1n)).toBeNull();
    expect(safeOffset(-1n)).toBeNull();
  });

  it('refused offsets are counted in the cycle report', () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 10, expireGroupMs: 1e9, rules: { allowedLag: 0, minimumComplete: 0 } });
    const { report } = tracker.ingest({
      cluster: 'c',
      startedAt: 0,
      finishedAt: 1,
      reachable: true,
      topics: new Map(),
      logEnd: new Map(),
      groups: new Map(),
      errors: [{ cluster: 'c', stage: 'list-offsets', topic: 't', partition: 0, code: 'offset-out-of-range', message: 'offset 9007199254740993 is above 2^53' }],
    });
    expect(report.offsetsOutOfRange).toBe(1);
  });
});

describe('groupFilter', () => {
  it('applies the allowlist and the denylist as unanchored regexes', () => {
    const accept = groupFilter({ groupAllowlist: 'orders', groupDenylist: '^console-consumer-' });
    expect(accept('team-orders-v2')).toBe(true);
    expect(accept('payments')).toBe(false);
    expect(accept('console-consumer-orders')).toBe(false);
    expect(groupFilter({})('anything')).toBe(true);
  });
});

describe('describeError', () => {
  it("gives the client's summary and the root cause on one line", () => {
    const root = new Error('connect ECONNREFUSED 127.0.0.1:9092');
    const middle = Object.assign(new Error('Cannot connect to any broker.'), { errors: [root] });
    const top = Object.assign(new Error('Listing topics failed.'), { errors: [middle] });
    expect(describeError(top)).toBe('Listing topics failed: connect ECONNREFUSED 127.0.0.1:9092');
    expect(describeError(new Error('plain\nmessage.'))).toBe('plain message');
    expect(describeError('text')).toBe('text');
  });
});

describe('exact mode: which offsets to read', () => {
  const committed = (entries: Record<string, Record<number, number>>) => ({
    committed: new Map(Object.entries(entries).map(([topic, partitions]) => [topic, new Map(Object.entries(partitions).map(([p, o]) => [Number(p), o]))])),
  });

  it('exactGroupFilter: none without the setting, an unanchored regex with it', () => {
    expect(exactGroupFilter({})).toBeNull();
    const exact = exactGroupFilter({ exactTimeLagGroups: 'payments' })!;
    expect(exact('team-payments-v2')).toBe(true);
    expect(exact('orders')).toBe(false);
  });

  it('reads the committed offsets of accepted groups, each distinct offset once, skipping groups at the log end', () => {
    const groups = new Map([
      ['pay-a', committed({ orders: { 0: 10, 1: 20 }, refunds: { 0: 5 } })],
      ['pay-b', committed({ orders: { 0: 10, 1: 25 } })], // shares orders/0@10 with pay-a
      ['pay-caught-up', committed({ orders: { 0: 40, 1: 50 } })], // at (and past) the log ends
      ['other', committed({ orders: { 0: 1 } })], // not in exact mode
    ]);
    const logEnd = new Map<string, (number | null)[]>([['orders', [40, 45]], ['refunds', [null]]]);
    const { wanted, positions } = exactPositions(groups, (g) => g.startsWith('pay-'), logEnd);
    expect(positions).toEqual([
      { topic: 'orders', partition: 0, offset: 10 },
      { topic: 'orders', partition: 1, offset: 20 },
      { topic: 'refunds', partition: 0, offset: 5 }, // log end unknown: read it anyway
      { topic: 'orders', partition: 1, offset: 25 },
    ]);
    expect(wanted.map((w) => `${w.group} ${w.topic}/${w.partition}@${w.offset}`)).toEqual([
      'pay-a orders/0@10',
      'pay-a orders/1@20',
      'pay-a refunds/0@5',
      'pay-b orders/0@10',
      'pay-b orders/1@25',
    ]);
  });

  it('uniquePositions groups offsets per partition, distinct and ascending', () => {
    const unique = uniquePositions([
      { topic: 't', partition: 0, offset: 30 },
      { topic: 't', partition: 0, offset: 7 },
      { topic: 't', partition: 0, offset: 30 },
      { topic: 't', partition: 2, offset: 1 },
      { topic: 'u', partition: 0, offset: 0 },
    ]);
    expect(unique).toEqual(new Map([['t', new Map([[0, [7, 30]], [2, [1]]])], ['u', new Map([[0, [0]]])]]));
  });

  it('gives every group the times of its own offsets, leaving out offsets without a time', () => {
    const times = new Map([['orders', new Map([[0, new Map([[10, 1_700_000_000_123]])], [1, new Map([[20, 1_700_000_000_456]])]])]]);
    const byGroup = recordTimesByGroup(
      [
        { group: 'a', topic: 'orders', partition: 0, offset: 10 },
        { group: 'a', topic: 'orders', partition: 1, offset: 20 },
        { group: 'b', topic: 'orders', partition: 0, offset: 10 },
        { group: 'b', topic: 'orders', partition: 1, offset: 21 }, // no time read
      ],
      times,
    );
    expect(byGroup).toEqual(
      new Map([
        ['a', new Map([['orders', new Map([[0, 1_700_000_000_123], [1, 1_700_000_000_456]])]])],
        ['b', new Map([['orders', new Map([[0, 1_700_000_000_123]])]])],
      ]),
    );
  });
});

describe('exact mode: the record at an offset inside fetched batches', () => {
  /** A batch as a broker returns it: encoded by the client, read back, placed at `firstOffset`. */
  function batch(firstOffset: number, timestamps: number[], options: { compression?: 'gzip'; attributes?: number } = {}): RecordsBatch {
    const encoded = createRecordsBatch(
      timestamps.map((timestamp, i) => ({ topic: 't', partition: 0, value: Buffer.from(`v${i}`), timestamp: BigInt(timestamp) })),
      { compression: options.compression ?? 'none' },
    );
    const read = readRecordsBatch(Reader.from(encoded.buffer));
    return { ...read, firstOffset: BigInt(firstOffset), attributes: read.attributes | (options.attributes ?? 0) };
  }

  it("uses each record's own time (first timestamp + delta), not the batch's", () => {
    const batches = [batch(100, [5_000, 4_000, 9_000]), batch(103, [7_000, 6_000], { compression: 'gzip' })];
    expect(firstRecordAtOrAfter(batches, 100)).toEqual({ offset: 100n, timestamp: 5_000 });
    expect(firstRecordAtOrAfter(batches, 101)).toEqual({ offset: 101n, timestamp: 4_000 });
    expect(firstRecordAtOrAfter(batches, 102)).toEqual({ offset: 102n, timestamp: 9_000 });
    expect(firstRecordAtOrAfter(batches, 104)).toEqual({ offset: 104n, timestamp: 6_000 });
    expect(firstRecordAtOrAfter(batches, 105)).toBeUndefined();
    expect(lastCoveredOffset(batches)).toBe(104n);
    expect(lastCoveredOffset([])).toBeNull();
  });

  it('skips control batches (transaction markers): the next data record is the one consumed next', () => {
    const batches = [batch(10, [1_000, 1_001]), batch(12, [1_500], { attributes: 0x20 }), batch(13, [2_000])];
    expect(firstRecordAtOrAfter(batches, 12)).toEqual({ offset: 13n, timestamp: 2_000 });
    expect(firstRecordAtOrAfter(batches.slice(0, 2), 12)).toBeUndefined();
    expect(lastCoveredOffset(batches.slice(0, 2))).toBe(12n);
  });

  it('uses the batch time on LogAppendTime batches, and refuses a record without a timestamp', () => {
    const logAppend = { attributes: 0x08, firstTimestamp: 1_000n, maxTimestamp: 9_999n };
    expect(recordTimestamp(logAppend, { timestampDelta: 5n })).toBe(9_999);
    expect(recordTimestamp({ attributes: 0, firstTimestamp: 1_000n, maxTimestamp: 9_999n }, { timestampDelta: 5n })).toBe(1_005);
    expect(recordTimestamp({ attributes: 0, firstTimestamp: -1n, maxTimestamp: -1n }, { timestampDelta: 0n })).toBeNull();
  });
});

describe('exact mode: following a partition from one fetch answer to the next', () => {
  function batch(firstOffset: number, timestamps: number[], attributes = 0): RecordsBatch {
    const encoded = createRecordsBatch(timestamps.map((timestamp, i) => ({ topic: 't', partition: 0, value: Buffer.from(`v${i}`), timestamp: BigInt(timestamp) })));
    const read = readRecordsBatch(Reader.from(encoded.buffer));
    return { ...read, firstOffset: BigInt(firstOffset), attributes: read.attributes | attributes };
  }
  const work = (pending: number[]): PartitionWork => ({ topic: 't', partition: 0, pending: [...pending], cursor: pending[0]!, alone: false, hops: 0 });
  const answer = (records: RecordsBatch[] | null, highWatermark: number, errorCode = 0) =>
    ({ partitionIndex: 0, errorCode, highWatermark: BigInt(highWatermark), lastStableOffset: BigInt(highWatermark), logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records });
  const fresh = (): RecordTimesRead => ({ times: new Map(), errors: [], fetches: 0 });
  const timesOf = (read: RecordTimesRead) => Object.fromEntries(read.times.get('t')?.get(0) ?? []);

  it('answers every offset the batches cover, drops the one at the high watermark, and moves to the next', () => {
    const read = fresh();
    const w = work([10, 12, 20, 25]);
    settle(w, answer([batch(9, [900, 1_000, 1_100, 1_200])], 25), false, outcomes(read));
    expect(timesOf(read)).toEqual({ 10: 1_000, 12: 1_200 });
    expect(w.pending).toEqual([20]);
    expect(w.cursor).toBe(20);
    expect(read.errors).toEqual([]);
  });

  it('an empty answer below the high watermark: alone next time, then an error for that offset only', () => {
    const read = fresh();
    const w = work([10, 30]);
    settle(w, answer([], 40), true, outcomes(read));
    expect(w).toMatchObject({ alone: true, pending: [10, 30], cursor: 10 });
    settle(w, answer([], 40), false, outcomes(read));
    expect(read.errors).toEqual([{ topic: 't', partition: 0, offset: 10, message: expect.stringContaining('no complete record batch at offset 10') }]);
    expect(w).toMatchObject({ alone: false, pending: [30], cursor: 30 });
  });

  it('reads on past a marker, and gives up after a few fetches without data', () => {
    const read = fresh();
    const w = work([12]);
    settle(w, answer([batch(12, [1_500], 0x20)], 40), false, outcomes(read));
    expect(w).toMatchObject({ pending: [12], cursor: 13, hops: 1 });
    settle(w, answer([batch(13, [2_000])], 40), false, outcomes(read));
    expect(timesOf(read)).toEqual({ 12: 2_000 });
    expect(w.pending).toEqual([]);

    const stuck = work([50]);
    for (let i = 0; i < 5; i++) settle(stuck, answer([batch(stuck.cursor, [1], 0x20)], 100), false, outcomes(read));
    expect(stuck.pending).toEqual([]);
    expect(read.errors.at(-1)).toEqual({ topic: 't', partition: 0, offset: 50, message: expect.stringContaining('no data record within 4 fetches') });
  });

  it('a marker just before the high watermark means nothing to consume: no time, no error', () => {
    const read = fresh();
    const w = work([12]);
    settle(w, answer([batch(12, [1_500], 0x20)], 13), false, outcomes(read));
    expect(w.pending).toEqual([]);
    expect(read.errors).toEqual([]);
    expect(read.times.size).toBe(0);
  });

  it('an offset outside the log fails alone; other errors fail the partition; a record without time is an error', () => {
    const read = fresh();
    const w = work([1, 8]);
    settle(w, answer(null, 10, 1), false, outcomes(read));
    expect(w).toMatchObject({ pending: [8], cursor: 8 });
    settle(w, answer([batch(8, [-1, 5])], 10), false, outcomes(read));
    const other = work([3, 4]);
    settle(other, answer(null, -1, 6), false, outcomes(read));
    expect(other.pending).toEqual([]);
    expect(read.errors).toEqual([
      { topic: 't', partition: 0, offset: 1, message: expect.stringContaining('offset 1 is outside the log') },
      { topic: 't', partition: 0, offset: 8, message: 'the record at offset 8 has no timestamp' },
      { topic: 't', partition: 0, message: 'fetch error NOT_LEADER_OR_FOLLOWER' },
    ]);
  });
});

describe('topic churn: errors from topics and leaders changing mid-cycle', () => {
  it('tells a vanished topic or moving leader apart from a failing cluster, at any depth', async () => {
    const { ProtocolError, ResponseError, UserError, MultipleErrors } = await import('@platformatic/kafka');
    expect(isTopicChurnError(new UserError('Unknown topic orders.'))).toBe(true);
    const notLeader = new ResponseError(2, 9, { '/topics/0/partitions/1': [6, null] }, { topics: [] });
    expect(isTopicChurnError(new MultipleErrors('listOffsets failed 2 times.', [notLeader]))).toBe(true);
    expect(isTopicChurnError(new ProtocolError(5))).toBe(true);
    expect(isTopicChurnError(new ProtocolError('SASL_AUTHENTICATION_FAILED'))).toBe(false);
    const refused = Object.assign(new Error('Cannot connect to any broker.'), { errors: [new Error('connect ECONNREFUSED 127.0.0.1:9092')] });
    expect(isTopicChurnError(refused)).toBe(false);
  });
});

describe('topic churn: ListOffsets per leader', () => {
  const metadata = {
    brokers: new Map([
      [1, { host: 'a', port: 9092, rack: null }],
      [2, { host: 'b', port: 9092, rack: null }],
    ]),
    topics: new Map([
      ['orders', { id: 'o', partitionsCount: 3, lastUpdate: 0, partitions: [1, 2, -1].map((leader) => ({ leader, leaderEpoch: 4, replicas: [], isr: [], offlineReplicas: [] })) }],
    ]),
  };

  it('groups partitions by leader, without leader epochs, and reports those without a leader or metadata', () => {
    const { byLeader, failed } = planByLeader(metadata, [{ name: 'orders', partitions: [0, 1, 2] }, { name: 'gone', partitions: [0] }], -1n);
    expect([...byLeader]).toEqual([
      [1, [{ name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }]],
      [2, [{ name: 'orders', partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -1n }] }]],
    ]);
    expect(failed).toEqual([
      { topic: 'orders', partition: 2, message: 'no leader known for orders/2' },
      { topic: 'gone', partition: 0, message: 'topic gone has no metadata' },
    ]);
  });

  it('keeps the partitions that answered and names each one that did not', () => {
    const asked = [
      { name: 'orders', partitions: [0, 1, 2].map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: -1n })) },
      { name: 'tmp', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] },
    ];
    const into: ListedOffsets = { offsets: new Map(), failed: [] };
    takeAnswer(asked, {
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0, offset: 100n }, { partitionIndex: 1, errorCode: 6, offset: -1n }] },
        { name: 'tmp', partitions: [{ partitionIndex: 0, errorCode: 3, offset: -1n }] },
      ],
    }, 1, into);
    expect(into.offsets).toEqual(new Map([['orders', new Map([[0, 100n]])]]));
    expect(into.failed).toEqual([
      { topic: 'orders', partition: 1, message: 'broker 1: NOT_LEADER_OR_FOLLOWER' },
      { topic: 'tmp', partition: 0, message: 'broker 1: UNKNOWN_TOPIC_OR_PARTITION' },
      { topic: 'orders', partition: 2, message: 'broker 1 left orders/2 out of its answer' },
    ]);
  });
});
