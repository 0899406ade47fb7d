// Helpers that drive a real broker for the integration tests: topics, produced backlogs, committed offsets set
// through the admin API, and real consumers (classic or KIP-848) that can be held still.
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { configSchema, type WarrenConfig } from '../../collector/config.ts';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function admin(brokers: string[]): Admin {
  return new Admin({ clientId: 'warren-test-admin', bootstrapBrokers: brokers, retries: 5, retryDelay: 500 });
}

export async function createTopic(client: Admin, topic: string, partitions: number): Promise<void> {
  await client.createTopics({ topics: [topic], partitions, replicas: 1 });
  // Wait for leaders, so that produce and ListOffsets find them.
  for (let attempt = 0; attempt < 50; attempt++) {
    const metadata = await client.metadata({ topics: [topic], forceUpdate: true });
    const info = metadata.topics.get(topic);
    if (info && info.partitions.length === partitions && info.partitions.every((p) => p.leader >= 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`topic ${topic} has no leaders`);
}

/** Produces `perPartition` records to each of the partitions given. */
export async function produce(brokers: string[], topic: string, partitions: number[], perPartition: number): Promise<void> {
  const producer = new Producer({ clientId: 'warren-test-producer', bootstrapBrokers: brokers, serializers: stringSerializers, autocreateTopics: false });
  try {
    const batch = 500;
    for (const partition of partitions) {
      for (let sent = 0; sent < perPartition; sent += batch) {
        const n = Math.min(batch, perPartition - sent);
        await producer.send({
          messages: Array.from({ length: n }, (_, i) => ({ topic, partition, key: `k${sent + i}`, value: `v${sent + i}` })),
          acks: 1,
        });
      }
    }
  } finally {
    await producer.close();
  }
}

/**
 * Produces one record batch to one partition: a record per timestamp (ms, the record's CreateTime), in one
 * request. Returns the offset of its first record. `transactional` wraps the batch in a committed transaction,
 * whose commit marker then takes the offset after the batch (waited for).
 */
export async function produceBatch(
  brokers: string[],
  topic: string,
  partition: number,
  timestamps: number[],
  options: { compression?: CompressionAlgorithmValue; transactional?: boolean } = {},
): Promise<number> {
  const producer = new Producer({
    clientId: 'warren-test-producer',
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    autocreateTopics: false,
    ...(options.transactional ? { idempotent: true, transactionalId: uniqueName('warren-test-tx') } : {}),
  });
  const messages = timestamps.map((timestamp, i) => ({ topic, partition, key: `k${i}`, value: `v${i}-${timestamp}`, timestamp: BigInt(timestamp) }));
  try {
    if (options.transactional) {
      const transaction = await producer.beginTransaction();
      const result = await transaction.send({ messages, acks: -1, ...(options.compression ? { compression: options.compression } : {}) });
      await transaction.commit();
      const first = Number(result.offsets![0]!.offset);
      // The coordinator writes the commit marker after the commit returns: wait for it, so that whatever is
      // produced next lands after it.
      const client = admin(brokers);
      try {
        await eventually('the transaction marker', async () => {
          const [listed] = await client.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }], isolationLevel: 0 });
          return listed!.partitions[0]!.offset >= BigInt(first + timestamps.length + 1);
        });
      } finally {
        await client.close();
      }
      return first;
    }
    const result = await producer.send({ messages, acks: -1, ...(options.compression ? { compression: options.compression } : {}) });
    return Number(result.offsets![0]!.offset);
  } finally {
    await producer.close();
  }
}

/** Sets a group's committed offsets (the group must have no members). */
export async function commit(client: Admin, group: string, topic: string, offsets: Record<number, number>): Promise<void> {
  await client.alterConsumerGroupOffsets({
    groupId: group,
    topics: [{ name: topic, partitionOffsets: Object.entries(offsets).map(([partition, offset]) => ({ partition: Number(partition), offset: BigInt(offset) })) }],
  });
}

export interface TestConsumer {
  consumer: Consumer<string, string, string, string>;
  received: () => number;
  close: () => Promise<void>;
}

/**
 * A real group member. `commits: false` keeps the member alive and assigned but never commits: its committed
 * offsets stay where they were (a stalled consumer).
 */
export async function startConsumer(options: {
  brokers: string[];
  group: string;
  topics: string[];
  protocol?: 'classic' | 'consumer';
  commits?: boolean;
  clientId?: string;
}): Promise<TestConsumer> {
  const consumer = new Consumer({
    clientId: options.clientId ?? `warren-test-${options.group}`,
    groupId: options.group,
    bootstrapBrokers: options.brokers,
    deserializers: stringDeserializers,
    ...(options.protocol === 'consumer' ? { groupProtocol: 'consumer' as const } : { sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000 }),
  } as ConstructorParameters<typeof Consumer<string, string, string, string>>[0]);
  let received = 0;
  const stream = await consumer.consume({
    topics: options.topics,
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: options.commits === false ? false : 200,
    maxWaitTime: 200,
  });
  stream.on('data', () => {
    received++;
  });
  stream.on('error', () => undefined);
  return {
    consumer,
    received: () => received,
    close: async () => {
      await stream.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    },
  };
}

/** Waits until `check` returns a truthy value (polling), or fails with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A validated config for one cluster, as the YAML loader would produce it. */
export function testConfig(clusters: Record<string, Record<string, unknown>>, collector: Record<string, unknown> = {}): WarrenConfig {
  return configSchema.parse({ collector: { interval: 1, ...collector }, clusters });
}
