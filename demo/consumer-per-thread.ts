// The consumer-per-thread strategy (chapter 4.3.1): one process, one consumer per worker thread, as many threads
// as the topic has partitions (more would sit idle). Each thread is its own group member. A thread that crashes
// ends alone — the others keep consuming — and the runner starts a new one after `restartDelayMs`.
import { Worker } from 'node:worker_threads';
import type { ConsumerThreadData, ThreadMessage } from './consumer-thread.ts';
import { createAdmin, partitionCount, type GroupProtocol } from './kafka.ts';
import { demoLogger, type Logger } from './log.ts';
import type { BehaviourOptions, Scenario } from './scenarios.ts';

export interface ConsumerPerThreadOptions {
  brokers: string[];
  group: string;
  topic: string;
  scenario: Scenario;
  behaviourOptions: BehaviourOptions;
  /** Threads wanted; capped at the topic's partition count (default: the partition count). */
  threads?: number;
  protocol?: GroupProtocol;
  /** Delay before a crashed thread is replaced; negative: never (default 5 s). */
  restartDelayMs?: number;
  /** Crash one thread on purpose: thread `thread` throws `afterMs` after its start (only its first run). */
  crash?: { thread: number; afterMs: number } | null;
  commitIntervalMs?: number;
  metricsIntervalMs?: number;
  processedLog?: string;
  logger?: Logger;
}

export type ThreadState = 'starting' | 'running' | 'crashed' | 'stopped';

export interface ThreadStatus {
  index: number;
  state: ThreadState;
  processed: number;
  crashes: number;
  lastError: string | null;
}

const THREAD_URL = new URL('./consumer-thread.ts', import.meta.url);

export class ConsumerPerThreadRunner {
  readonly options: ConsumerPerThreadOptions;
  readonly threads: ThreadStatus[] = [];
  readonly #workers = new Map<number, Worker>();
  readonly #log: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopping = false;

  constructor(options: ConsumerPerThreadOptions) {
    this.options = options;
    this.#log = (options.logger ?? demoLogger('consumer-per-thread')).child({ group: options.group, strategy: 'consumer-per-thread', scenario: options.scenario });
  }

  /** Processed records over all threads (as last reported by them). */
  get processed(): number {
    return this.threads.reduce((sum, t) => sum + t.processed, 0);
  }

  async start(): Promise<void> {
    const admin = createAdmin(this.options.brokers);
    let partitions: number;
    try {
      partitions = await partitionCount(admin, this.options.topic);
    } finally {
      await admin.close().catch(() => undefined);
    }
    const count = Math.max(1, Math.min(this.options.threads ?? partitions, partitions));
    if ((this.options.threads ?? partitions) > partitions) {
      this.#log.info({ wanted: this.options.threads, partitions }, 'more threads than partitions would sit idle: capped at the partition count');
    }
    for (let index = 0; index < count; index++) {
      this.threads.push({ index, state: 'starting', processed: 0, crashes: 0, lastError: null });
      this.#spawn(index);
    }
    this.#log.info({ topic: this.options.topic, threads: count, partitions }, 'consumer-per-thread runner started');
  }

  #spawn(index: number): void {
    const status = this.threads[index]!;
    const o = this.options;
    const crashAfterMs = o.crash && o.crash.thread === index && status.crashes === 0 ? o.crash.afterMs : null;
    const data: ConsumerThreadData = {
      brokers: o.brokers,
      group: o.group,
      topics: [o.topic],
      index,
      scenario: o.scenario,
      behaviourOptions: o.behaviourOptions,
      protocol: o.protocol ?? 'consumer',
      commitIntervalMs: o.commitIntervalMs ?? 200,
      metricsIntervalMs: o.metricsIntervalMs ?? 10_000,
      crashAfterMs,
      ...(o.processedLog ? { processedLog: o.processedLog } : {}),
    };
    const worker = new Worker(THREAD_URL, { workerData: data });
    this.#workers.set(index, worker);
    status.state = 'starting';
    worker.on('message', (message: ThreadMessage) => {
      if (message.type === 'ready') status.state = 'running';
      else if (message.type === 'stats') status.processed = message.processed;
      else if (message.type === 'stopped') status.state = 'stopped';
    });
    worker.on('error', (error) => {
      status.state = 'crashed';
      status.crashes++;
      status.lastError = error.message;
      const alive = this.threads.filter((t) => t.state === 'running').length;
      this.#log.error({ thread: index, err: error, stillRunning: alive }, 'consumer thread crashed; the other threads go on');
    });
    worker.on('exit', (code) => {
      if (this.#workers.get(index) === worker) this.#workers.delete(index);
      if (this.#stopping || status.state === 'stopped') return;
      if (status.state !== 'crashed') {
        status.state = 'crashed';
        status.crashes++;
        status.lastError = `exited with code ${code}`;
      }
      const delay = o.restartDelayMs ?? 5000;
      if (delay < 0) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (this.#stopping) return;
        this.#log.info({ thread: index }, 'restarting crashed consumer thread');
        this.#spawn(index);
      }, delay);
      this.#timers.add(timer);
    });
  }

  /** Makes a running thread throw an uncaught error now (what `crash` does on a timer). */
  crashThread(index: number): void {
    const worker = this.#workers.get(index);
    if (!worker) throw new Error(`thread ${index} is not running`);
    worker.postMessage({ type: 'crash' });
  }

  /** Stops every thread: each commits what it processed and leaves the group. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(
      [...this.#workers.entries()].map(
        ([index, worker]) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              void worker.terminate().finally(resolve);
            }, timeoutMs);
            worker.once('exit', () => {
              clearTimeout(timer);
              const status = this.threads[index];
              if (status && status.state !== 'crashed') status.state = 'stopped';
              resolve();
            });
            worker.postMessage({ type: 'stop' });
          }),
      ),
    );
    this.#log.info({ processed: this.processed }, 'consumer-per-thread runner stopped');
  }
}
