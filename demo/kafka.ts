// Small helpers over @platformatic/kafka's admin client shared by the demo's parts: topics, offsets, groups.
import { Admin } from '@platformatic/kafka';

export type GroupProtocol = 'classic' | 'consumer';

export interface TopicSpec {
  name: string;
  partitions: number;
}

export function createAdmin(brokers: string[], clientId = 'warren-demo-admin'): Admin {
  return new Admin({ clientId, bootstrapBrokers: brokers, retries: 5, retryDelay: 500 });
}

/** Waits until the brokers answer a metadata request (the broker may still be starting). */
export async function waitForBrokers(brokers: string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const admin = new Admin({ clientId: 'warren-demo-probe', bootstrapBrokers: brokers, retries: 0, connectTimeout: 2000, timeout: 3000 });
    try {
      await admin.metadata({ topics: [] });
      return;
    } catch (error) {
      last = error;
    } finally {
      await admin.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}

/** Creates the topics that do not exist yet and waits until every partition has a leader. */
export async function ensureTopics(admin: Admin, topics: readonly TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  for (const topic of missing) {
    try {
      await admin.createTopics({ topics: [topic.name], partitions: topic.partitions, replicas: 1 });
    } catch (error) {
      // Another process may have created it meanwhile.
      if (!/already exists/i.test(String((error as Error).message)) && !JSON.stringify((error as { errors?: unknown }).errors ?? '').includes('TOPIC_ALREADY_EXISTS')) {
        const again = new Set(await admin.listTopics());
        if (!again.has(topic.name)) throw error;
      }
    }
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const metadata = await admin.metadata({ topics: topics.map((t) => t.name), forceUpdate: true });
    const ready = topics.every((t) => {
      const info = metadata.topics.get(t.name);
      return info !== undefined && info.partitions.length > 0 && info.partitions.every((p) => p.leader >= 0);
    });
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`topics ${topics.map((t) => t.name).join(', ')} have no leaders`);
}

/** Partition count of a topic. */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.metadata({ topics: [topic] });
  const info = metadata.topics.get(topic);
  if (!info) throw new Error(`topic ${topic} does not exist`);
  return info.partitionsCount;
}

/** Earliest (-2) or latest (-1) offsets of every partition of a topic, by partition. */
export async function topicOffsets(admin: Admin, topic: string, which: 'earliest' | 'latest'): Promise<Map<number, bigint>> {
  const partitions = await partitionCount(admin, topic);
  const listed = await admin.listOffsets({
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: which === 'latest' ? -1n : -2n })) }],
    isolationLevel: 0,
  });
  const result = new Map<number, bigint>();
  for (const t of listed) for (const p of t.partitions) result.set(p.partitionIndex, p.offset);
  return result;
}

/** A group's committed offsets on one topic, by partition (partitions without a commit are left out). */
export async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, bigint>> {
  const result = new Map<number, bigint>();
  const groups = await admin.listConsumerGroupOffsets({ groups: [group] });
  for (const entry of groups) {
    for (const t of entry.topics) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) if (p.committedOffset >= 0n) result.set(p.partitionIndex, p.committedOffset);
    }
  }
  return result;
}

/** Sets a group's committed offsets (only allowed while the group has no members). */
export async function alterOffsets(admin: Admin, group: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
  await admin.alterConsumerGroupOffsets({
    groupId: group,
    topics: [{ name: topic, partitionOffsets: [...offsets].map(([partition, offset]) => ({ partition, offset })) }],
  });
}
