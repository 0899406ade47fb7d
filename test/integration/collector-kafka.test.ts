// The collector against real brokers (Kafka 3.9 and 4.x): groups driven into each of Burrow's statuses,
// KIP-848 groups on 4.x, and `warren describe` checked against what the broker itself reports.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { createLogger } from '../../collector/logger.ts';
import type { GroupReport } from '../../collector/types.ts';
import { admin, commit, createTopic, eventually, produce, startConsumer, testConfig, uniqueName, type TestConsumer } from '../helpers/kafka.ts';
import { KAFKA_VERSIONS, kafkaBrokers } from '../helpers/services.ts';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../collector/cli.ts');

function partitionStatuses(report: GroupReport | undefined): string[] {
  return report ? report.result.partitions.map((p) => p.status) : [];
}

describe.each(KAFKA_VERSIONS)('collector on %s', (kafka) => {
  let brokers: string[];
  let client: Admin;
  let collector: Collector;
  const prefix = uniqueName(`it-${kafka}`);
  const topic = `${prefix}-orders`;
  const group = (name: string) => `${prefix}-${name}`;
  const consumers: TestConsumer[] = [];
  // The collector's clock advances one 30 s interval per cycle, so the rules' timing is what a real
  // deployment sees, while the test runs cycles back to back.
  let clock = Date.now();
  const cycle = () => {
    clock += 30_000;
    return collector.runCycle('k');
  };

  beforeAll(async () => {
    brokers = kafkaBrokers(kafka);
    client = admin(brokers);
    await createTopic(client, topic, 2);
    await produce(brokers, topic, [0, 1], 100);
    collector = new Collector({
      config: testConfig({ k: { brokers, groupAllowlist: `^${prefix}-` } }, { interval: 30 }),
      logger: createLogger('silent'),
      now: () => clock,
    });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    await collector?.stop();
    await client?.close();
  });

  it('reads topics, log-end offsets and committed offsets; a caught-up group is OK', async () => {
    await commit(client, group('ok'), topic, { 0: 100, 1: 100 });
    const { report } = await cycle();
    expect(report.ok).toBe(true);
    expect(collector.state.topicOffsets('k', topic)).toEqual([100, 100]);
    const ok = collector.state.groupReport('k', group('ok'))!;
    expect(ok.result.status).toBe('OK');
    expect(ok.result.totallag).toBe(0);
    expect(ok.details.map((d) => d.committed)).toEqual([100, 100]);
    expect(ok.state).toBe('Empty');
  });

  it('applies the allowlist: groups outside it are not tracked', async () => {
    await commit(client, `other-${prefix}`, topic, { 0: 1 });
    await cycle();
    expect(collector.state.groups('k')).not.toContain(`other-${prefix}`);
    expect(collector.state.groups('k')!.every((g) => g.startsWith(prefix))).toBe(true);
  });

  it('drives groups into WARN, STOP, STALL and REWIND and reports each', async () => {
    // STOP: committed with lag, nobody owns the partitions, nothing moves.
    await commit(client, group('stop'), topic, { 0: 50, 1: 50 });
    // REWIND: committed, then moved back for good.
    await commit(client, group('rewind'), topic, { 0: 90, 1: 90 });
    // STALL: a live member owns the partitions and never commits.
    await commit(client, group('stall'), topic, { 0: 40, 1: 40 });
    const stalled = await startConsumer({ brokers, group: group('stall'), topics: [topic], commits: false });
    consumers.push(stalled);
    await eventually('the stalled consumer to own its partitions', async () => {
      await cycle();
      const report = collector.state.groupReport('k', group('stall'));
      return report && report.details.every((d) => d.memberId !== '') ? report : undefined;
    });
    // WARN: commits keep moving but the log end moves faster.
    let warnOffset = 10;
    await commit(client, group('warn'), topic, { 0: warnOffset, 1: warnOffset });
    await cycle();

    await commit(client, group('rewind'), topic, { 0: 30, 1: 30 });
    for (let round = 0; round < 3; round++) {
      await produce(brokers, topic, [0, 1], 20);
      warnOffset += 10;
      await commit(client, group('warn'), topic, { 0: warnOffset, 1: warnOffset });
      await cycle();
    }

    const stop = collector.state.groupReport('k', group('stop'))!;
    expect(stop.result.status).toBe('ERR');
    expect(partitionStatuses(stop)).toEqual(['STOP', 'STOP']);
    expect(stop.result.partitions[0]!.reason.rule).toBe('stopped');

    const stall = collector.state.groupReport('k', group('stall'))!;
    expect(stall.result.status).toBe('ERR');
    expect(partitionStatuses(stall)).toEqual(['STALL', 'STALL']);
    expect(stall.memberCount).toBe(1);
    expect(stall.result.partitions[0]!.owner).not.toBe('');

    const rewind = collector.state.groupReport('k', group('rewind'))!;
    expect(rewind.result.status).toBe('ERR');
    expect(partitionStatuses(rewind)).toEqual(['REWIND', 'REWIND']);
    expect(rewind.result.partitions[0]!.reason).toMatchObject({ rule: 'rewind', from: 90, to: 30 });

    const warn = collector.state.groupReport('k', group('warn'))!;
    expect(warn.result.status).toBe('WARN');
    expect(partitionStatuses(warn)).toEqual(['WARN', 'WARN']);
    expect(warn.result.totallag).toBe(2 * (160 - warnOffset));

    // Idle, ownerless and now behind, but it was caught up a few cycles ago: Burrow's recent-zero guard and
    // rule (d) keep it OK rather than STOP.
    const ok = collector.state.groupReport('k', group('ok'))!;
    expect(ok.result.status).toBe('OK');
  });

  it('a consumer that catches up brings its group back to OK', async () => {
    const end = collector.state.topicOffsets('k', topic)!;
    await commit(client, group('stop'), topic, { 0: end[0]!, 1: end[1]! });
    const { events } = await cycle();
    expect(collector.state.groupReport('k', group('stop'))!.result.status).toBe('OK');
    expect(events).toContainEqual(expect.objectContaining({ kind: 'status-change', group: group('stop'), from: 'ERR', to: 'OK' }));
  });

  it('handles a group with no commit on a partition, a new partition and a deleted topic', async () => {
    const extra = `${prefix}-extra`;
    await createTopic(client, extra, 1);
    await produce(brokers, extra, [0], 10);
    await commit(client, group('partial'), topic, { 0: 5 });
    await commit(client, group('partial'), extra, { 0: 10 });
    await cycle();
    let partial = collector.state.groupReport('k', group('partial'))!;
    expect(partial.details.map((d) => `${d.topic}/${d.partition}=${d.committed}`)).toEqual([`${extra}/0=10`, `${topic}/0=5`, `${topic}/1=null`]);
    expect(partial.result.partitions[2]).toMatchObject({ status: 'OK', currentLag: 0, complete: 0 });

    await client.createPartitions({ topics: [{ name: extra, count: 2, assignments: null }] });
    await eventually('the new partition', async () => {
      await cycle();
      return collector.state.topicOffsets('k', extra)?.length === 2;
    });
    partial = collector.state.groupReport('k', group('partial'))!;
    expect(partial.details.filter((d) => d.topic === extra).map((d) => d.partition)).toEqual([0, 1]);

    await client.deleteTopics({ topics: [extra] });
    await eventually('the deleted topic to leave the group', async () => {
      await cycle();
      return !collector.state.topics('k')!.includes(extra) && collector.state.groupReport('k', group('partial'))!.details.every((d) => d.topic !== extra);
    });
  });

  it('removes a group deleted on the broker', async () => {
    await commit(client, group('doomed'), topic, { 0: 1 });
    await cycle();
    expect(collector.state.groups('k')).toContain(group('doomed'));
    await client.deleteGroups({ groups: [group('doomed')] });
    const { events } = await cycle();
    expect(collector.state.groups('k')).not.toContain(group('doomed'));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'group-gone', group: group('doomed'), why: 'deleted' }));
  });

  it('`warren describe` agrees with the broker', async () => {
    const target = group('stall');
    const { stdout } = await run(process.execPath, [CLI, 'describe', '--bootstrap-server', brokers.join(','), '--group', target, '--json']);
    const described = JSON.parse(stdout) as { status: string; partitions: { topic: string; partition: number; currentOffset: number; logEndOffset: number; lag: number; consumerId: string; clientId: string; host: string }[] };
    const [committed] = await client.listConsumerGroupOffsets({ groups: [target] });
    const ends = await client.listOffsets({ topics: [{ name: topic, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
    const groups = await client.describeGroups({ groups: [target] });
    const member = [...groups.get(target)!.members.values()][0]!;
    for (const row of described.partitions) {
      const brokerCommitted = committed!.topics.find((t) => t.name === row.topic)!.partitions.find((p) => p.partitionIndex === row.partition)!.committedOffset;
      const brokerEnd = ends[0]!.partitions.find((p) => p.partitionIndex === row.partition)!.offset;
      expect(BigInt(row.currentOffset)).toBe(brokerCommitted);
      expect(BigInt(row.logEndOffset)).toBe(brokerEnd);
      expect(BigInt(row.lag)).toBe(brokerEnd - brokerCommitted);
      expect(row.consumerId).toBe(member.id);
      expect(row.clientId).toBe(member.clientId);
      expect(row.host).toBe(member.clientHost);
    }
    // One sample is no trend: the rows show the lag, the status stays OK (Warren needs two samples to judge).
    expect(described.status).toBe('OK');

    const table = await run(process.execPath, [CLI, 'describe', '--bootstrap-server', brokers.join(','), '--group', target]);
    expect(table.stdout.split('\n')[0]).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+TIME-LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID\s+STATUS$/);
  });

  it('`warren describe` exits non-zero for an unknown group', async () => {
    const failed = await run(process.execPath, [CLI, 'describe', '--bootstrap-server', brokers.join(','), '--group', `${prefix}-nope`]).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('does not exist');
  });

});

// KIP-848 consumer groups exist on Kafka 4.x only (3.9 has them as early access, off by default).
describe('collector on kafka4: KIP-848 groups', () => {
  let brokers: string[];
  let client: Admin;
  let collector: Collector;
  const prefix = uniqueName('it-kip848');
  const topic = `${prefix}-orders`;
  const group = (name: string) => `${prefix}-${name}`;
  const consumers: TestConsumer[] = [];

  beforeAll(async () => {
    brokers = kafkaBrokers('kafka4');
    client = admin(brokers);
    await createTopic(client, topic, 2);
    await produce(brokers, topic, [0, 1], 100);
    collector = new Collector({ config: testConfig({ k: { brokers, groupAllowlist: `^${prefix}-` } }), logger: createLogger('silent') });
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    await collector?.stop();
    await client?.close();
  });

  it('describes a KIP-848 (group.protocol=consumer) group: state, members, owners', async () => {
    const target = group('kip848');
    const member = await startConsumer({ brokers, group: target, topics: [topic], protocol: 'consumer', clientId: 'kip848-client' });
    consumers.push(member);
    const report = await eventually('the KIP-848 group to be described with its assignment', async () => {
      await collector.runCycle('k');
      const r = collector.state.groupReport('k', target);
      return r && r.details.length === 2 && r.details.every((d) => d.memberId !== '') ? r : undefined;
    });
    expect(report.groupType).toBe('consumer');
    expect(report.state).toBe('Stable');
    expect(report.memberCount).toBe(1);
    expect(report.details.every((d) => d.clientId === 'kip848-client' && d.host !== '')).toBe(true);
    expect(report.result.partitions.every((p) => p.owner !== '' && p.clientId === 'kip848-client')).toBe(true);
  });
});
