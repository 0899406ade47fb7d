// Exact mode and log-start offsets against real brokers (Kafka 3.9 and 4.x): records produced with known
// timestamps, read back at chosen offsets through the client's low-level Fetch, and a whole source cycle.
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../collector/logger.ts';
import { readRecordTimes, type RecordPosition, type RecordTimesRead } from '../../collector/sources/record-time.ts';
import { KafkaSource } from '../../collector/sources/kafka.ts';
import { admin, commit, createTopic, eventually, produce, produceBatch, testConfig, uniqueName } from '../helpers/kafka.ts';
import { KAFKA_VERSIONS, kafkaBrokers } from '../helpers/services.ts';

const at = (read: RecordTimesRead, topic: string, partition: number, offset: number) => read.times.get(topic)?.get(partition)?.get(offset);

describe.each(KAFKA_VERSIONS)('record times and log starts on %s', (kafka) => {
  let brokers: string[];
  let client: Admin;
  const prefix = uniqueName(`rt-${kafka}`);
  const topic = `${prefix}-orders`;
  // Hours in the past, out of order within a batch: the answer must be the record's own time, not the batch's.
  const base = Date.now() - 3 * 3_600_000;
  const plainTimes = [base + 100, base + 707, base + 303, base + 1_111, base + 2_020];
  const gzipTimes = [base + 5_000, base + 4_001, base + 6_502, base + 6_003];
  const txTimes = [base + 9_000, base + 9_100, base + 9_200];
  const afterTxTimes = [base + 12_345, base + 12_346];
  // Offsets, known once produced.
  let plain = 0; // partition 0: five records, uncompressed, one batch
  let gzip = 0; // partition 0: four records, one gzip batch
  let tx = 0; // partition 1: three records in a committed transaction, then its marker
  let afterTx = 0; // partition 1: two records after the marker

  beforeAll(async () => {
    brokers = kafkaBrokers(kafka);
    client = admin(brokers);
    await createTopic(client, topic, 2);
    plain = await produceBatch(brokers, topic, 0, plainTimes);
    gzip = await produceBatch(brokers, topic, 0, gzipTimes, { compression: 'gzip' });
    tx = await produceBatch(brokers, topic, 1, txTimes, { transactional: true });
    afterTx = await produceBatch(brokers, topic, 1, afterTxTimes);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('laid the records out as the test expects', () => {
    expect([plain, gzip, tx]).toEqual([0, 5, 0]);
    // The transaction's commit marker sits at offset 3.
    expect(afterTx).toBe(4);
  });

  it('reads the time of the record at each offset, exact to the ms, from plain, compressed and transactional batches', async () => {
    const positions: RecordPosition[] = [
      { topic, partition: 0, offset: 0 }, // first record of the first batch
      { topic, partition: 0, offset: 2 }, // middle of a batch
      { topic, partition: 0, offset: 4 }, // last record of a batch
      { topic, partition: 0, offset: 5 }, // first record of a compressed batch
      { topic, partition: 0, offset: 7 }, // middle of a compressed batch
      { topic, partition: 0, offset: 8 }, // last record of the log
      { topic, partition: 0, offset: 9 }, // the log end: no record yet
      { topic, partition: 0, offset: 2 }, // asked twice (two groups)
      { topic, partition: 1, offset: 1 }, // inside a transaction
      { topic, partition: 1, offset: 3 }, // the commit marker: the next data record is the one consumed next
      { topic, partition: 1, offset: 5 },
    ];
    const read = await readRecordTimes(client, positions);
    expect(read.errors).toEqual([]);
    expect([0, 2, 4, 5, 7, 8].map((offset) => at(read, topic, 0, offset))).toEqual([plainTimes[0], plainTimes[2], plainTimes[4], gzipTimes[0], gzipTimes[2], gzipTimes[3]]);
    expect(read.times.get(topic)!.get(0)!.has(9)).toBe(false);
    expect(at(read, topic, 1, 1)).toBe(txTimes[1]);
    expect(at(read, topic, 1, 3)).toBe(afterTxTimes[0]);
    expect(at(read, topic, 1, 5)).toBe(afterTxTimes[1]);
    // One request to the single broker answers every offset: the batches cover them, and the answer's high
    // watermark tells that nothing is at the log end yet.
    expect(read.fetches).toBe(1);
  });

  it('still answers when batches do not fit the size asked for (a partition is then fetched alone, or read on)', async () => {
    const read = await readRecordTimes(client, [
      { topic, partition: 0, offset: 6 },
      { topic, partition: 0, offset: 3 },
      { topic, partition: 1, offset: 2 },
      { topic, partition: 1, offset: 3 }, // the marker comes back alone: the next fetch reads on past it
      { topic, partition: 1, offset: 4 },
    ], { partitionMaxBytes: 1 });
    expect(read.errors).toEqual([]);
    // The partition whose batch did not fit beside the other's was fetched again on its own.
    expect(read.fetches).toBeGreaterThanOrEqual(3);
    expect(at(read, topic, 0, 3)).toBe(plainTimes[3]);
    expect(at(read, topic, 0, 6)).toBe(gzipTimes[1]);
    expect(at(read, topic, 1, 2)).toBe(txTimes[2]);
    expect(at(read, topic, 1, 3)).toBe(afterTxTimes[0]);
    expect(at(read, topic, 1, 4)).toBe(afterTxTimes[0]);
  });

  it('a marker with nothing after it means nothing to consume: no time and no error', async () => {
    const lone = `${prefix}-lone-tx`;
    await createTopic(client, lone, 1);
    await produceBatch(brokers, lone, 0, [base + 1, base + 2], { transactional: true });
    const read = await readRecordTimes(client, [{ topic: lone, partition: 0, offset: 1 }, { topic: lone, partition: 0, offset: 2 }]);
    expect(read.errors).toEqual([]);
    expect(at(read, lone, 0, 1)).toBe(base + 2);
    expect(at(read, lone, 0, 2)).toBeUndefined();
  });

  it('uses the broker time on a LogAppendTime topic', async () => {
    const appended = `${prefix}-append-time`;
    await client.createTopics({ topics: [appended], partitions: 1, replicas: 1, configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] });
    await eventually('a leader for the LogAppendTime topic', async () => {
      const metadata = await client.metadata({ topics: [appended], forceUpdate: true });
      return (metadata.topics.get(appended)?.partitions[0]?.leader ?? -1) >= 0;
    });
    const before = Date.now();
    await produceBatch(brokers, appended, 0, [base, base + 1, base + 2]);
    const after = Date.now();
    const read = await readRecordTimes(client, [{ topic: appended, partition: 0, offset: 1 }]);
    expect(read.errors).toEqual([]);
    const time = at(read, appended, 0, 1)!;
    expect(time).toBeGreaterThanOrEqual(before - 1_000);
    expect(time).toBeLessThanOrEqual(after + 1_000);
  });

  it('reports an offset below the log start (records deleted) and an unknown partition as errors', async () => {
    const trimmed = `${prefix}-trimmed`;
    await createTopic(client, trimmed, 1);
    await produceBatch(brokers, trimmed, 0, [base, base + 1, base + 2, base + 3]);
    await client.deleteRecords({ topics: [{ name: trimmed, partitions: [{ partition: 0, offset: 2n }] }] });
    const read = await readRecordTimes(client, [
      { topic: trimmed, partition: 0, offset: 1 },
      { topic: trimmed, partition: 0, offset: 3 },
      { topic: trimmed, partition: 7, offset: 0 },
    ]);
    expect(at(read, trimmed, 0, 3)).toBe(base + 3);
    expect(at(read, trimmed, 0, 1)).toBeUndefined();
    expect(read.errors).toEqual([
      { topic: trimmed, partition: 7, offset: 0, message: expect.stringContaining('no leader') },
      { topic: trimmed, partition: 0, offset: 1, message: expect.stringContaining('outside the log') },
    ]);
  });

  it('a source cycle reads log starts, and record times for the exact-mode groups only', async () => {
    const trimmed = `${prefix}-starts`;
    await createTopic(client, trimmed, 2);
    await produce(brokers, trimmed, [0, 1], 10);
    await client.deleteRecords({ topics: [{ name: trimmed, partitions: [{ partition: 0, offset: 6n }] }] });
    const group = (name: string) => `${prefix}-${name}`;
    await commit(client, group('exact-a'), topic, { 0: 2, 1: 3 });
    await commit(client, group('exact-b'), topic, { 0: 2, 1: 5 }); // shares 0@2 with exact-a
    await commit(client, group('exact-caught-up'), topic, { 0: 9, 1: 6 }); // at the log ends
    await commit(client, group('exact-trimmed'), trimmed, { 0: 3 }); // below the log start
    await commit(client, group('plain'), topic, { 0: 0, 1: 0 });

    const config = testConfig({ k: { brokers, groupAllowlist: `^${prefix}-`, exactTimeLagGroups: `^${prefix}-exact-` } }).clusters.k!;
    const source = new KafkaSource('k', config, createLogger('silent'));
    try {
      const scrape = await source.scrape();
      expect(scrape.errors.filter((e) => e.stage !== "record-time")).toEqual([]);
      expect(scrape.reachable).toBe(true);
      expect(scrape.logEnd.get(trimmed)).toEqual([10, 10]);
      expect(scrape.logStart!.get(trimmed)).toEqual([6, 0]);
      expect(scrape.logStart!.get(topic)).toEqual([0, 0]);

      const times = scrape.recordTimes!;
      expect([...times.keys()].sort()).toEqual([group('exact-a'), group('exact-b')]);
      expect(times.get(group('exact-a'))).toEqual(new Map([[topic, new Map([[0, plainTimes[2]], [1, afterTxTimes[0]]])]]));
      expect(times.get(group('exact-b'))).toEqual(new Map([[topic, new Map([[0, plainTimes[2]], [1, afterTxTimes[1]]])]]));
      // The source reads every topic of the shared brokers: only this test's errors are checked.
      expect(scrape.errors.filter((e) => e.topic === topic || e.topic === trimmed || e.stage === 'record-time')).toEqual([
        { cluster: 'k', stage: 'record-time', topic: trimmed, partition: 0, message: expect.stringContaining('offset 3 is outside the log') },
      ]);
    } finally {
      await source.close();
    }
  });
});
