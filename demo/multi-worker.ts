// The multi-worker strategy (chapter 4.3.1): one consumer polls, a pool of worker threads processes the records.
//
//   naive  the chapter's code: every polled record is handed to the pool and the consumer moves on; offsets are
//          auto-committed as soon as records are fetched. A crash (or a rebalance) loses the records that were
//          committed but not yet processed, and records of one partition finish out of order.
//   safe   offsets are committed per partition only up to the oldest record still running (CommitTracker), so
//          a crash replays records instead of losing them; with `ordered` (the default) each partition's
//          records also run one after the other, so none finishes out of order. Records in flight are bounded:
//          the stream is paused when `maxInFlight` is reached.
import { Consumer, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { CommitTracker, partitionKey, type TopicPartition } from './commit-tracker.ts';
import type { GroupProtocol } from './kafka.ts';
import { attachLagMetrics, metricLines, RecordsLagMetrics, type LagMetricsSnapshot } from './lag-metrics.ts';
import { demoLogger, type Logger } from './log.ts';
import type { Behaviour } from './scenarios.ts';
import { PoolClosedError, WorkerPool } from './worker-pool.ts';

export type MultiWorkerForm = 'naive' | 'safe';

export interface MultiWorkerOptions {
  brokers: string[];
  group: string;
  topics: string[];
  form: MultiWorkerForm;
  /** Worker threads in the pool. */
  workers: number;
  behaviour: Behaviour;
  /** safe: run each partition's records in order (default true). */
  ordered?: boolean;
  /** safe: records handed out and not finished before the stream is paused (default 1000). */
  maxInFlight?: number;
  /** safe: how often finished offsets are committed; naive: the auto-commit interval (default 200 ms). */
  commitIntervalMs?: number;
  /** Every processed record is appended to this file (the experiment's record of what was processed). */
  processedLog?: string;
  protocol?: GroupProtocol;
  clientId?: string;
  logger?: Logger;
  /** How often records-lag metrics are logged; 0 never (default 10 s). */
  metricsIntervalMs?: number;
  /** Fetch max wait (default 200 ms). */
  maxWaitTime?: number;
  /** Called once when the consumer left the group by itself (the stopped scenario). */
  onStopped?: () => void;
}

export interface MultiWorkerStats {
  /** Records received from Kafka. */
  received: number;
  /** Records handed to the pool. */
  dispatched: number;
  /** Records the pool finished. */
  processed: number;
  /** Redelivered records not handed out again (safe). */
  skipped: number;
  /** Offset commits sent (safe). */
  commits: number;
  commitErrors: number;
}

export function consumerOptions(options: { brokers: string[]; group: string; clientId: string; protocol: GroupProtocol }) {
  return {
    clientId: options.clientId,
    groupId: options.group,
    bootstrapBrokers: options.brokers,
    deserializers: stringDeserializers,
    retries: 10,
    retryDelay: 500,
    ...(options.protocol === 'consumer'
      ? { groupProtocol: 'consumer' as const }
      : { sessionTimeout: 10_000, heartbeatInterval: 1000, rebalanceTimeout: 15_000 }),
  } as ConstructorParameters<typeof Consumer<string, string, string, string>>[0];
}

export class MultiWorkerConsumer {
  readonly options: Required<Pick<MultiWorkerOptions, 'ordered' | 'maxInFlight' | 'commitIntervalMs' | 'protocol' | 'metricsIntervalMs' | 'maxWaitTime'>> & MultiWorkerOptions;
  readonly stats: MultiWorkerStats = { received: 0, dispatched: 0, processed: 0, skipped: 0, commits: 0, commitErrors: 0 };
  readonly metrics = new RecordsLagMetrics();
  readonly #tracker = new CommitTracker();
  readonly #epochs = new Map<string, number>();
  readonly #log: Logger;
  #consumer: Consumer<string, string, string, string> | null = null;
  #stream: MessagesStream<string, string, string, string> | null = null;
  #pool: WorkerPool | null = null;
  #timers: NodeJS.Timeout[] = [];
  #detachMetrics: (() => void) | null = null;
  #startedAt = 0;
  #paused = false;
  #hanging = false;
  #flushing: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;

  constructor(options: MultiWorkerOptions) {
    this.options = {
      ordered: true,
      maxInFlight: 1000,
      commitIntervalMs: 200,
      protocol: 'consumer',
      metricsIntervalMs: 10_000,
      maxWaitTime: 200,
      ...options,
    };
    this.#log = (options.logger ?? demoLogger('multi-worker')).child({ group: options.group, strategy: `multi-worker-${options.form}`, scenario: options.behaviour.scenario });
  }

  get tracker(): CommitTracker {
    return this.#tracker;
  }

  get running(): boolean {
    return this.#consumer !== null && this.#stopping === null;
  }

  async start(): Promise<void> {
    const o = this.options;
    this.#startedAt = Date.now();
    this.#pool = new WorkerPool(o.workers, {
      ...(o.processedLog ? { logFile: o.processedLog } : {}),
      onThreadError: (error) => this.#log.error({ err: error }, 'a worker thread died; it was replaced'),
    });
    const consumer = new Consumer(consumerOptions({ brokers: o.brokers, group: o.group, clientId: o.clientId ?? `warren-demo-${o.group}`, protocol: o.protocol }));
    this.#consumer = consumer;
    this.#detachMetrics = attachLagMetrics(consumer, this.metrics, o.topics);
    const resync = () => this.#resyncAssignments();
    consumer.on('consumer:group:join', resync);
    consumer.on('consumer:group:rebalance', resync);
    const stream = await consumer.consume({
      topics: o.topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: o.form === 'naive' ? o.commitIntervalMs : false,
      maxWaitTime: o.maxWaitTime,
      // A small read-ahead, like the Java consumer's one pending fetch per partition.
      highWaterMark: 100,
    });
    this.#stream = stream;
    stream.on('error', (error) => this.#log.warn({ err: error }, 'consumer stream error'));
    stream.on('data', (message) => this.#onRecord(message));
    if (o.form === 'safe') this.#timers.push(setInterval(() => void this.flush(), o.commitIntervalMs));
    if (o.metricsIntervalMs > 0) this.#timers.push(setInterval(() => this.#logMetrics(), o.metricsIntervalMs));
    if (o.behaviour.stopAfterMs !== null) {
      this.#timers.push(
        setTimeout(() => {
          this.#log.info({ afterMs: o.behaviour.stopAfterMs }, 'scenario stopped: leaving the group for good while the producer goes on');
          void this.stop().then(() => o.onStopped?.());
        }, o.behaviour.stopAfterMs),
      );
    }
    this.#log.info({ topics: o.topics, workers: o.workers, protocol: o.protocol, ordered: o.form === 'safe' ? o.ordered : false }, 'multi-worker consumer started');
  }

  #onRecord(message: Message<string, string, string, string>): void {
    this.stats.received++;
    const o = this.options;
    const pool = this.#pool;
    if (!pool) return;
    this.metrics.delivered(message.topic, message.partition, message.offset);
    const hang = o.behaviour.hangAfterMs !== null && Date.now() - this.#startedAt >= o.behaviour.hangAfterMs;
    if (hang && !this.#hanging) {
      this.#hanging = true;
      this.#log.warn({ topic: message.topic, partition: message.partition, offset: String(message.offset) }, 'scenario stalled: from now on every record hangs its worker thread (still a group member, no more commits)');
    }
    const task = { topic: message.topic, partition: message.partition, offset: message.offset, value: message.value ?? '', delayMs: o.behaviour.delayMs(), hang };
    if (o.form === 'naive') {
      // The chapter's loop: hand the record over and go on polling; auto-commit covers it already.
      this.stats.dispatched++;
      pool.run(task).then(
        () => this.stats.processed++,
        (error) => this.#taskFailed(error),
      );
      return;
    }
    if (!this.#tracker.track(message.topic, message.partition, message.offset)) {
      this.stats.skipped++;
      return;
    }
    this.#epochs.set(partitionKey(message.topic, message.partition), message.leaderEpoch);
    this.stats.dispatched++;
    pool.run(task, o.ordered ? partitionKey(message.topic, message.partition) : undefined).then(
      () => {
        this.stats.processed++;
        this.#tracker.complete(message.topic, message.partition, message.offset);
        if (this.#paused && this.#tracker.inFlight <= o.maxInFlight / 2) {
          this.#paused = false;
          this.#stream?.resume();
        }
      },
      (error) => this.#taskFailed(error),
    );
    // Checked on every record: the client resumes the stream itself after a rebalance.
    if (this.#tracker.inFlight >= o.maxInFlight) {
      this.#paused = true;
      this.#stream?.pause();
    }
  }

  #taskFailed(error: unknown): void {
    if (error instanceof PoolClosedError) return;
    this.#log.error({ err: error }, 'record processing failed');
  }

  #resyncAssignments(): void {
    const assignments = this.#consumer?.assignments;
    if (!assignments) return;
    const owned: TopicPartition[] = [];
    for (const a of assignments) for (const partition of a.partitions) owned.push({ topic: a.topic, partition });
    const before = this.#tracker.partitions().length;
    this.#tracker.retain(owned);
    this.metrics.retain(assignments);
    if (this.#tracker.partitions().length < before) this.#log.info({ owned: owned.length }, 'partitions revoked: this member no longer commits them');
  }

  /** safe: commits every partition's finished run. */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    this.#resyncAssignments();
    const consumer = this.#consumer;
    const pending = this.#tracker.pending();
    if (!consumer || pending.length === 0) return Promise.resolve();
    this.#flushing = (async () => {
      try {
        await consumer.commit({
          offsets: pending.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, leaderEpoch: this.#epochs.get(partitionKey(p.topic, p.partition)) ?? -1 })),
        });
        this.stats.commits++;
        for (const p of pending) this.#tracker.committed(p.topic, p.partition, p.offset);
      } catch (error) {
        this.stats.commitErrors++;
        this.#log.warn({ err: error }, 'commit failed (will retry with the next flush)');
        this.#resyncAssignments();
      } finally {
        this.#flushing = null;
      }
    })();
    return this.#flushing;
  }

  metricsSnapshot(): LagMetricsSnapshot {
    return this.metrics.snapshot(Date.now());
  }

  #logMetrics(): void {
    this.#resyncAssignments();
    const snapshot = this.metricsSnapshot();
    this.#log.info({ metrics: snapshot, stats: this.stats, inFlight: this.#tracker.inFlight, queued: this.#pool?.queued ?? 0 }, 'consumer metrics');
    for (const line of metricLines(snapshot)) this.#log.debug(line);
  }

  /** Leaves the group. safe: commits what finished first (records still running are not waited for). */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      for (const timer of this.#timers) clearInterval(timer);
      this.#timers = [];
      if (this.options.form === 'safe') await this.flush().catch(() => undefined);
      this.#detachMetrics?.();
      await this.#stream?.close().catch(() => undefined);
      await this.#consumer?.close(true).catch(() => undefined);
      await this.#pool?.close();
      this.#log.info({ stats: this.stats }, 'multi-worker consumer stopped');
    })();
    return this.#stopping;
  }
}
