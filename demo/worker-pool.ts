// A fixed pool of worker threads (node:worker_threads) for the multi-worker strategy: the Node counterpart of the
// chapter's ExecutorService. Each thread processes one record at a time; records wait in a queue for a free
// thread. `run(task, lane)` keeps the tasks of one lane (e.g. one partition) in order: a lane's next task starts
// only when its previous one finished, on whichever thread is free.
import { Worker } from 'node:worker_threads';
import type { WorkerTask } from './record-worker.ts';

export interface RecordTask {
  topic: string;
  partition: number;
  offset: bigint;
  value: string;
  delayMs: number;
  hang?: boolean;
}

export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
}

interface Pending {
  task: WorkerTask;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
}

export interface WorkerPoolOptions {
  /** Every finished record is appended to this file by the thread that processed it. */
  logFile?: string;
  /** Called when a thread dies (it is replaced). */
  onThreadError?: (error: Error) => void;
}

const WORKER_URL = new URL('./record-worker.ts', import.meta.url);

export class WorkerPool {
  readonly size: number;
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  readonly #lanes = new Map<string, Promise<void>>();
  #nextId = 1;
  #closed = false;

  constructor(size: number, options: WorkerPoolOptions = {}) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`pool size must be a whole number of at least 1, got ${size}`);
    this.size = size;
    this.#options = options;
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn());
  }

  /** Tasks waiting for a thread. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Threads processing a task (a stuck thread counts as busy forever). */
  get busy(): number {
    return this.#slots.filter((slot) => slot.current !== null).length;
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL, { workerData: { logFile: this.#options.logFile } });
    const slot: Slot = { worker, current: null };
    worker.on('message', (message: { id: number }) => {
      const current = slot.current;
      if (!current || current.task.id !== message.id) return;
      slot.current = null;
      current.resolve();
      this.#dispatch();
    });
    worker.on('error', (error) => {
      slot.current?.reject(error);
      slot.current = null;
      this.#options.onThreadError?.(error);
    });
    worker.on('exit', () => {
      if (this.#closed) return;
      const index = this.#slots.indexOf(slot);
      if (index >= 0) {
        slot.current?.reject(new Error('worker thread exited'));
        this.#slots[index] = this.#spawn();
        this.#dispatch();
      }
    });
    return slot;
  }

  #dispatch(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.current !== null) continue;
      const next = this.#queue.shift()!;
      slot.current = next;
      slot.worker.postMessage(next.task);
    }
  }

  #enqueue(task: RecordTask): Promise<void> {
    if (this.#closed) return Promise.reject(new PoolClosedError('the pool is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({
        task: { id: this.#nextId++, topic: task.topic, partition: task.partition, offset: task.offset.toString(), value: task.value, delayMs: task.delayMs, hang: task.hang ?? false },
        resolve,
        reject,
      });
      this.#dispatch();
    });
  }

  /** Runs a task on the next free thread; with a lane, after the lane's previous task finished. */
  run(task: RecordTask, lane?: string): Promise<void> {
    if (lane === undefined) return this.#enqueue(task);
    const previous = this.#lanes.get(lane) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#enqueue(task));
    this.#lanes.set(lane, next);
    const cleanup = () => {
      if (this.#lanes.get(lane) === next) this.#lanes.delete(lane);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  /** Terminates every thread; queued and running tasks are rejected with PoolClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new PoolClosedError('the pool was closed');
    for (const pending of this.#queue.splice(0)) pending.reject(error);
    for (const slot of this.#slots) {
      slot.current?.reject(error);
      slot.current = null;
    }
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate().catch(() => 0)));
  }
}
