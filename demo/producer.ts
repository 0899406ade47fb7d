// The demo's producer: a steady rate of records over a few topics, spread round-robin over the partitions. Each
// record's value carries its partition's sequence number, so gaps and reordering can be seen downstream.
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { createAdmin, topicOffsets, type TopicSpec } from './kafka.ts';
import { demoLogger, type Logger } from './log.ts';

export interface DemoProducerOptions {
  brokers: string[];
  topics: readonly TopicSpec[];
  /** Records per second on each topic. */
  rate: number;
  /** How often a batch is sent (default 100 ms). */
  tickMs?: number;
  clientId?: string;
  logger?: Logger;
  /** How often the producer logs its totals; 0 never (default 30 s). */
  statsIntervalMs?: number;
}

export function demoValue(topic: string, partition: number, seq: number): string {
  return JSON.stringify({ topic, partition, seq, at: new Date().toISOString() });
}

function newProducer(brokers: string[], clientId: string): Producer<string, string, string, string> {
  return new Producer({ clientId, bootstrapBrokers: brokers, serializers: stringSerializers, autocreateTopics: false, retries: 10, retryDelay: 500 });
}

/**
 * Makes sure every partition of every topic holds at least `perPartition` records, producing the difference.
 * The rewinding scenario needs room below the log end to step back into, and lagging groups start with a
 * visible backlog.
 */
export async function seedTopics(brokers: string[], topics: readonly TopicSpec[], perPartition: number, logger?: Logger): Promise<number> {
  if (perPartition <= 0) return 0;
  const admin = createAdmin(brokers);
  const producer = newProducer(brokers, 'warren-demo-seed');
  let produced = 0;
  try {
    for (const topic of topics) {
      const ends = await topicOffsets(admin, topic.name, 'latest');
      for (const [partition, end] of ends) {
        const missing = perPartition - Number(end);
        for (let sent = 0; sent < missing; sent += 500) {
          const n = Math.min(500, missing - sent);
          await producer.send({
            messages: Array.from({ length: n }, (_, i) => ({ topic: topic.name, partition, key: `${partition}`, value: demoValue(topic.name, partition, Number(end) + sent + i) })),
            acks: 1,
          });
        }
        if (missing > 0) produced += missing;
      }
    }
  } finally {
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
  if (produced > 0) logger?.info({ produced, perPartition }, 'seeded topics');
  return produced;
}

export class DemoProducer {
  readonly options: DemoProducerOptions;
  /** Records sent, in all. */
  sent = 0;
  readonly #log: Logger;
  #producer: Producer<string, string, string, string> | null = null;
  #running = false;
  #loop: Promise<void> | null = null;
  readonly #next = new Map<string, number>();

  constructor(options: DemoProducerOptions) {
    this.options = options;
    this.#log = (options.logger ?? demoLogger('producer')).child({ rate: options.rate });
  }

  async start(): Promise<void> {
    const admin = createAdmin(this.options.brokers);
    try {
      for (const topic of this.options.topics) {
        for (const [partition, end] of await topicOffsets(admin, topic.name, 'latest')) this.#next.set(`${topic.name}:${partition}`, Number(end));
      }
    } finally {
      await admin.close().catch(() => undefined);
    }
    this.#producer = newProducer(this.options.brokers, this.options.clientId ?? 'warren-demo-producer');
    this.#running = true;
    this.#loop = this.#run();
    this.#log.info({ topics: this.options.topics.map((t) => t.name) }, 'producer started');
  }

  async #run(): Promise<void> {
    const tickMs = this.options.tickMs ?? 100;
    const startedAt = Date.now();
    const due = new Map<string, number>(this.options.topics.map((t) => [t.name, 0]));
    const cursor = new Map<string, number>(this.options.topics.map((t) => [t.name, 0]));
    let lastStats = Date.now();
    const statsEvery = this.options.statsIntervalMs ?? 30_000;
    while (this.#running) {
      const tickStart = Date.now();
      const elapsed = (tickStart - startedAt) / 1000;
      const messages: { topic: string; partition: number; key: string; value: string }[] = [];
      for (const topic of this.options.topics) {
        const target = Math.floor(elapsed * this.options.rate);
        const n = target - due.get(topic.name)!;
        due.set(topic.name, target);
        for (let i = 0; i < n; i++) {
          const partition = cursor.get(topic.name)! % topic.partitions;
          cursor.set(topic.name, cursor.get(topic.name)! + 1);
          const key = `${topic.name}:${partition}`;
          const seq = this.#next.get(key) ?? 0;
          this.#next.set(key, seq + 1);
          messages.push({ topic: topic.name, partition, key: `${partition}`, value: demoValue(topic.name, partition, seq) });
        }
      }
      if (messages.length > 0) {
        try {
          await this.#producer!.send({ messages, acks: 1 });
          this.sent += messages.length;
        } catch (error) {
          if (!this.#running) break;
          this.#log.warn({ err: error, lost: messages.length }, 'send failed');
        }
      }
      if (statsEvery > 0 && Date.now() - lastStats >= statsEvery) {
        lastStats = Date.now();
        this.#log.info({ sent: this.sent }, 'producer totals');
      }
      const wait = tickMs - (Date.now() - tickStart);
      if (wait > 0) await sleep(wait);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop?.catch(() => undefined);
    await this.#producer?.close().catch(() => undefined);
    this.#log.info({ sent: this.sent }, 'producer stopped');
  }
}
