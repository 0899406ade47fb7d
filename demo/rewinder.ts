// The rewinding scenario: a consumer group without members whose committed offsets the admin API moves backwards,
// a few records every couple of seconds, and never back up (see scenarios.ts for why it keeps stepping). The
// first step sets the offsets to the log end, as if a consumer had caught up; every later step is lower. When a
// partition's offset would fall below the log start, it starts over from the log end (one jump up).
import type { Admin } from '@platformatic/kafka';
import { alterOffsets, committedOffsets, createAdmin, topicOffsets } from './kafka.ts';
import { demoLogger, type Logger } from './log.ts';

export interface RewinderOptions {
  brokers: string[];
  group: string;
  topic: string;
  /** Records moved back per step (default 1). */
  step?: number;
  /** Time between steps (default 2 s: more often than a collector cycle, so every cycle sees a lower offset). */
  everyMs?: number;
  logger?: Logger;
}

/** The next offsets: the log end when there is no commit yet (or no room left), else one step back. */
export function nextRewindOffsets(committed: ReadonlyMap<number, bigint>, logStart: ReadonlyMap<number, bigint>, logEnd: ReadonlyMap<number, bigint>, step: bigint): Map<number, bigint> {
  const next = new Map<number, bigint>();
  for (const [partition, end] of logEnd) {
    const current = committed.get(partition);
    const start = logStart.get(partition) ?? 0n;
    if (current === undefined || current > end) {
      next.set(partition, end);
      continue;
    }
    const lower = current - step;
    next.set(partition, lower >= start ? lower : end);
  }
  return next;
}

export class Rewinder {
  readonly options: RewinderOptions;
  /** Steps applied. */
  steps = 0;
  readonly #log: Logger;
  #admin: Admin | null = null;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;

  constructor(options: RewinderOptions) {
    this.options = options;
    this.#log = (options.logger ?? demoLogger('rewinder')).child({ group: options.group, strategy: 'admin', scenario: 'rewinding' });
  }

  async start(): Promise<void> {
    this.#admin = createAdmin(this.options.brokers, `warren-demo-${this.options.group}`);
    await this.tick();
    this.#timer = setInterval(() => {
      if (!this.#ticking) this.#ticking = this.tick().finally(() => (this.#ticking = null));
    }, this.options.everyMs ?? 2000);
    this.#log.info({ topic: this.options.topic, step: this.options.step ?? 1, everyMs: this.options.everyMs ?? 2000 }, 'rewinder started');
  }

  /** One step back on every partition. */
  async tick(): Promise<void> {
    const admin = this.#admin;
    if (!admin) return;
    const { group, topic } = this.options;
    try {
      const [committed, start, end] = await Promise.all([committedOffsets(admin, group, topic), topicOffsets(admin, topic, 'earliest'), topicOffsets(admin, topic, 'latest')]);
      const next = nextRewindOffsets(committed, start, end, BigInt(this.options.step ?? 1));
      await alterOffsets(admin, group, topic, next);
      this.steps++;
      if (this.steps === 1 || this.steps % 30 === 0) {
        this.#log.info({ offsets: Object.fromEntries([...next].map(([p, o]) => [p, Number(o)])), steps: this.steps }, 'committed offsets moved back');
      }
    } catch (error) {
      this.#log.warn({ err: error }, 'could not move the offsets back (does the group have members?)');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ticking?.catch(() => undefined);
    await this.#admin?.close().catch(() => undefined);
    this.#admin = null;
    this.#log.info({ steps: this.steps }, 'rewinder stopped');
  }
}
