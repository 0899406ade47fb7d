// The consumer-per-thread runner on a real broker: one consumer per thread, capped at the partition count, and a
// thread that crashes ends alone while the others keep consuming and committing.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsumerPerThreadRunner } from '../../demo/consumer-per-thread.ts';
import { committedOffsets } from '../../demo/kafka.ts';
import { DemoProducer } from '../../demo/producer.ts';
import { admin, createTopic, eventually, uniqueName } from '../helpers/kafka.ts';
import { kafkaBrokers } from '../helpers/services.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('consumer-per-thread runner', () => {
  it('survives the crash of one thread: the others keep consuming and committing', async () => {
    const brokers = kafkaBrokers('kafka4');
    const client = admin(brokers);
    cleanups.push(() => client.close());
    const topic = uniqueName('itthreads');
    const group = uniqueName('itthreads');
    await createTopic(client, topic, 3);
    cleanups.push(async () => {
      await client.deleteGroups({ groups: [group] }).catch(() => undefined);
      await client.deleteTopics({ topics: [topic] }).catch(() => undefined);
    });
    const producer = new DemoProducer({ brokers, topics: [{ name: topic, partitions: 3 }], rate: 60, statsIntervalMs: 0 });
    await producer.start();
    cleanups.push(() => producer.stop());
    const runner = new ConsumerPerThreadRunner({
      brokers,
      group,
      topic,
      scenario: 'healthy',
      behaviourOptions: { ratePerPartition: 20, slowFactor: 0.5, warmupMs: 0 },
      threads: 5,
      restartDelayMs: -1,
      metricsIntervalMs: 500,
    });
    await runner.start();
    cleanups.push(() => runner.stop());
    // More threads than partitions would sit idle: capped at 3.
    expect(runner.threads).toHaveLength(3);
    // Every thread got a partition (KIP-848 moves partitions to new members on their heartbeats).
    await eventually('every thread to process records', () => runner.threads.every((t) => t.processed > 0), 40_000, 250);
    runner.crashThread(0);
    await eventually('thread 0 to crash', () => runner.threads[0]!.state === 'crashed', 10_000, 100);
    expect(runner.threads[0]!.lastError).toMatch(/injected crash/);
    const survivors = runner.threads.slice(1);
    expect(survivors.every((t) => t.state === 'running')).toBe(true);
    const before = survivors.map((t) => t.processed);
    const committedBefore = await committedOffsets(client, group, topic);
    await sleep(3000);
    // The process is alive, the other threads kept processing and the group kept committing.
    expect(survivors.every((t, i) => t.processed > before[i]!), `processed ${before} → ${survivors.map((t) => t.processed)}`).toBe(true);
    const committedAfter = await committedOffsets(client, group, topic);
    const moved = [...committedAfter].filter(([p, o]) => o > (committedBefore.get(p) ?? -1n)).length;
    expect(moved).toBeGreaterThanOrEqual(2);
    expect(runner.threads[0]!.state).toBe('crashed');
  }, 60_000);
});
