// Live workloads for the integration tests of issue 7 (lag in time, rebalances and deploys, blue/green and
// canaries): a producer that keeps writing until it is stopped, group members that can be paused while they stay
// in the group or slowed to a set pace, and a loop that runs the collector's cycles on a timer the test owns and
// keeps every cycle's reports and events. Everything talks to a real broker.
import { Consumer, Producer, stringDeserializers, stringSerializers, type Admin, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Collector } from '../../collector/collector.ts';
import type { CycleReport, GroupReport, WarrenEvent } from '../../collector/types.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// Production

export interface Production {
  /** Records acknowledged so far. */
  sent(): number;
  /** Failed sends so far (each is retried on the next tick). */
  readonly failures: string[];
  /** Stops after the send in flight; never throws. */
  stop(): Promise<void>;
}

/**
 * Writes `perPartition` records to every partition each `everyMs` (acks from the leader), on a fixed schedule,
 * until stopped: records are produced continuously and at a known pace, so the time at which the log end passed
 * an offset is known to within one tick.
 */
export function startProduction(options: { brokers: string[]; topic: string; partitions: number; perPartition?: number; everyMs?: number }): Production {
  const perPartition = options.perPartition ?? 5;
  const everyMs = options.everyMs ?? 100;
  const producer = new Producer({ clientId: `workload-${options.topic}`, bootstrapBrokers: options.brokers, serializers: stringSerializers, autocreateTopics: false, retries: 3, retryDelay: 200 });
  const failures: string[] = [];
  let sent = 0;
  let running = true;
  let seq = 0;
  const loop = (async () => {
    const started = Date.now();
    for (let tick = 0; running; tick++) {
      const messages = [];
      for (let partition = 0; partition < options.partitions; partition++) {
        for (let i = 0; i < perPartition; i++) messages.push({ topic: options.topic, partition, key: `p${partition}`, value: `r${seq++}` });
      }
      try {
        await producer.send({ messages, acks: 1 });
        sent += messages.length;
      } catch (error) {
        failures.push(String(error));
      }
      const wait = started + (tick + 1) * everyMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    sent: () => sent,
    failures,
    stop: async () => {
      running = false;
      await loop;
      await producer.close().catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Group members

export interface Member {
  readonly clientId: string;
  readonly group: string;
  /** The member id the broker gave it (null before it joined and after it left). */
  memberId(): string | null;
  /** Partitions of `topic` assigned to it now, sorted. */
  assigned(topic: string): number[];
  /** Records handed to the application so far. */
  processed(): number;
  /** Stops fetching, processing and committing; the member stays in the group (it keeps heartbeating). */
  pause(): void;
  resume(): void;
  /** Why its stream or a commit failed, if either did. */
  failure(): string | null;
  /** Commits what it processed and leaves the group; safe to call twice. */
  close(): Promise<void>;
}

export interface MemberOptions {
  brokers: string[];
  group: string;
  topics: string[];
  clientId: string;
  protocol?: 'classic' | 'consumer';
  /** How often offsets are committed (ms, default 200). */
  commitEveryMs?: number;
  /**
   * Records per second the application processes. Unset: every record as it arrives, committed by the client's
   * autocommit (the offsets it fetched). Set: a paced application that takes records from a local queue at that
   * rate and commits what it has processed itself; for one-member groups (no rebalance after the first join).
   */
  rate?: number;
}

type Stream = MessagesStream<string, string, string, string>;
type Record = Message<string, string, string, string>;

/** Starts a real member of `group` reading from the committed offsets (the earliest when there are none). */
export async function startMember(options: MemberOptions): Promise<Member> {
  const commitEveryMs = options.commitEveryMs ?? 200;
  const consumer = new Consumer<string, string, string, string>({
    clientId: options.clientId,
    groupId: options.group,
    bootstrapBrokers: options.brokers,
    deserializers: stringDeserializers,
    ...(options.protocol === 'consumer'
      ? { groupProtocol: 'consumer' as const }
      : { sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000 }),
  } as ConstructorParameters<typeof Consumer<string, string, string, string>>[0]);
  const paced = options.rate !== undefined;
  let stream: Stream;
  try {
    stream = await consumer.consume({
      topics: options.topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: paced ? false : commitEveryMs,
      maxWaitTime: 200,
    });
  } catch (error) {
    await consumer.close(true).catch(() => undefined);
    throw error;
  }
  let failure: string | null = null;
  stream.on('error', (error: Error) => {
    failure ??= `stream of ${options.clientId} in ${options.group} failed: ${String(error)}`;
  });

  let processed = 0;
  let paused = false;
  let closed = false;
  const pacer = paced ? new Pacer(consumer, stream, options.rate!, commitEveryMs, (message) => (failure ??= message)) : null;
  stream.on('data', (record: Record) => {
    if (pacer) pacer.take(record);
    else processed++;
  });

  return {
    clientId: options.clientId,
    group: options.group,
    memberId: () => consumer.memberId,
    assigned: (topic) => [...(consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [])].sort((a, b) => a - b),
    processed: () => (pacer ? pacer.processed : processed),
    pause: () => {
      if (paused) return;
      paused = true;
      if (pacer) pacer.pause();
      else stream.pause();
    },
    resume: () => {
      if (!paused) return;
      paused = false;
      if (pacer) pacer.resume();
      else stream.resume();
    },
    failure: () => failure,
    close: async () => {
      if (closed) return;
      closed = true;
      if (pacer) await pacer.stop();
      await stream.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    },
  };
}

/**
 * The paced application: records wait in a queue and are processed `rate` per second in small steps; what was
 * processed is committed every `commitEveryMs`, one commit at a time, so a commit never overtakes a newer one.
 * While the queue is long the stream is paused, so the client stops fetching (backpressure).
 */
class Pacer {
  processed = 0;
  readonly rate: number;
  #paused = false;
  readonly #queue: Record[] = [];
  #head = 0;
  readonly #done = new Map<string, Record>();
  readonly #committed = new Map<string, bigint>();
  #budget = 0;
  #last = Date.now();
  #held = false;
  #inflight: Promise<void> | null = null;
  readonly #step: NodeJS.Timeout;
  readonly #commits: NodeJS.Timeout;
  static readonly HIGH = 2000;

  readonly consumer: Consumer<string, string, string, string>;
  readonly stream: Stream;
  readonly fail: (message: string) => void;

  constructor(consumer: Consumer<string, string, string, string>, stream: Stream, rate: number, commitEveryMs: number, fail: (message: string) => void) {
    this.consumer = consumer;
    this.stream = stream;
    this.fail = fail;
    this.rate = rate;
    this.#step = setInterval(() => this.#process(), 20);
    this.#commits = setInterval(() => void this.#commit(), commitEveryMs);
  }

  /** Stops processing (so committing) and fetching. */
  pause(): void {
    this.#paused = true;
    this.stream.pause();
  }

  resume(): void {
    this.#paused = false;
    if (!this.#held) this.stream.resume();
  }

  take(record: Record): void {
    this.#queue.push(record);
    if (!this.#held && this.#queue.length - this.#head >= Pacer.HIGH) {
      this.#held = true;
      this.stream.pause();
    }
  }

  #process(): void {
    const now = Date.now();
    const elapsed = now - this.#last;
    this.#last = now;
    if (this.#paused) {
      this.#budget = 0;
      return;
    }
    // At most 100 ms of budget, so a resume does not process a burst.
    this.#budget = Math.min(this.#budget + (this.rate * elapsed) / 1000, this.rate / 10);
    while (this.#budget >= 1 && this.#head < this.#queue.length) {
      const record = this.#queue[this.#head++]!;
      this.#done.set(`${record.topic}\0${record.partition}`, record);
      this.processed++;
      this.#budget--;
    }
    if (this.#head > 10_000) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#held && this.#queue.length - this.#head < Pacer.HIGH / 2) {
      this.#held = false;
      this.stream.resume();
    }
  }

  #commit(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    const offsets: { topic: string; partition: number; offset: bigint; leaderEpoch: number }[] = [];
    for (const [key, record] of this.#done) {
      const next = record.offset + 1n;
      if ((this.#committed.get(key) ?? -1n) < next) offsets.push({ topic: record.topic, partition: record.partition, offset: next, leaderEpoch: record.leaderEpoch });
    }
    if (offsets.length === 0) return Promise.resolve();
    this.#inflight = this.consumer
      .commit({ offsets })
      .then(() => {
        for (const o of offsets) this.#committed.set(`${o.topic}\0${o.partition}`, o.offset);
      })
      .catch((error: unknown) => {
        this.fail(`commit of ${this.consumer.clientId} failed: ${String(error)}`);
      })
      .finally(() => {
        this.#inflight = null;
      });
    return this.#inflight;
  }

  /** Stops processing and commits what was processed. */
  async stop(): Promise<void> {
    clearInterval(this.#step);
    clearInterval(this.#commits);
    await this.#inflight;
    await this.#commit();
  }
}

// ---------------------------------------------------------------------------------------------------
// The collector on a timer

export interface Cycle<P = undefined> {
  /** Wall-clock time right after the cycle (ms). */
  at: number;
  report: CycleReport;
  events: WarrenEvent[];
  /** What `probe` returned right before and right after the cycle (undefined without a probe). */
  before: P | undefined;
  after: P | undefined;
}

/**
 * Runs `collector.runCycle(cluster)` every `everyMs` (never overlapping) until stopped and keeps every cycle.
 * `probe`, when given, runs right before and right after each cycle (e.g. the broker's own view of the
 * committed offsets, to bracket what Warren read). A cycle that could not read the cluster (`report.ok` false)
 * is kept too, without group reports, and counted in `unreadable`: the brokers are shared with other suites,
 * and Warren fails a whole cycle when any topic of the cluster disappears under it.
 */
export class CycleLoop<P = undefined> {
  readonly cycles: Cycle<P>[] = [];
  /** Cycles that threw (never expected: runCycle reports failures in its report). */
  readonly failures: string[] = [];
  /** Why cycles could not read the cluster. */
  readonly unreadable: string[] = [];
  #running = true;
  readonly #loop: Promise<void>;
  #wake: (() => void)[] = [];

  readonly collector: Collector;
  readonly cluster: string;
  readonly everyMs: number;
  readonly probe: (() => Promise<P>) | undefined;

  constructor(collector: Collector, cluster: string, everyMs = 1000, probe?: () => Promise<P>) {
    this.collector = collector;
    this.cluster = cluster;
    this.everyMs = everyMs;
    this.probe = probe;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const started = Date.now();
      try {
        const before = this.probe ? await this.probe() : undefined;
        const { report, events } = await this.collector.runCycle(this.cluster);
        const at = Date.now();
        const after = this.probe ? await this.probe() : undefined;
        this.cycles.push({ at, report, events, before, after });
        if (!report.ok) this.unreadable.push(report.errors[0]?.message ?? 'unknown');
      } catch (error) {
        this.failures.push(String(error));
      }
      for (const wake of this.#wake.splice(0)) wake();
      const wait = started + this.everyMs - Date.now();
      if (wait > 0 && this.#running) await sleep(wait);
    }
  }

  /** The group's report in a cycle. */
  static group<P>(cycle: Cycle<P> | undefined, group: string): GroupReport | undefined {
    return cycle?.report.groups.find((g) => g.group === group);
  }

  latest(): Cycle<P> | undefined {
    return this.cycles[this.cycles.length - 1];
  }

  /** The newest cycle that read the cluster. */
  latestReadable(): Cycle<P> | undefined {
    return this.cycles.findLast((c) => c.report.ok);
  }

  /** The group's report in every cycle from index `from` on (cycles without it are skipped). */
  reportsOf(group: string, from = 0, to = this.cycles.length): { cycle: Cycle<P>; report: GroupReport }[] {
    const out: { cycle: Cycle<P>; report: GroupReport }[] = [];
    for (const cycle of this.cycles.slice(from, to)) {
      const report = CycleLoop.group(cycle, group);
      if (report) out.push({ cycle, report });
    }
    return out;
  }

  /** The group's events of a kind in cycles `from`..`to`. */
  eventsOf<K extends WarrenEvent['kind']>(group: string, kind: K, from = 0, to = this.cycles.length): Extract<WarrenEvent, { kind: K }>[] {
    return this.cycles
      .slice(from, to)
      .flatMap((c) => c.events)
      .filter((e): e is Extract<WarrenEvent, { kind: K }> => e.kind === kind && e.group === group);
  }

  /**
   * Waits for a cycle (from now on) for which `check` returns a truthy value and returns that value; fails with
   * `what` and the last value `describe` gives when none does within `timeoutMs`.
   */
  async until<T>(what: string, check: (cycle: Cycle<P>) => T | undefined | null | false, timeoutMs: number, describe?: (cycle: Cycle<P> | undefined) => string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let next = this.cycles.length;
    for (;;) {
      while (next < this.cycles.length) {
        const value = check(this.cycles[next++]!);
        if (value) return value;
      }
      if (Date.now() > deadline) {
        const detail = describe ? `; last seen: ${describe(this.latest())}` : '';
        const failures = this.failures.length > 0 ? `; cycle failures: ${this.failures.slice(-3).join(' | ')}` : '';
        const unreadable = this.unreadable.length > 0 ? `; ${this.unreadable.length} of ${this.cycles.length} cycles could not read the cluster (last: ${this.unreadable[this.unreadable.length - 1]})` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}${failures}${unreadable}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(50, deadline - Date.now() + 10));
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `n` more cycles. */
  async cyclesMore(n: number): Promise<void> {
    const target = this.cycles.length + n;
    await this.until(`${n} more cycles`, () => this.cycles.length >= target, n * this.everyMs + 15_000);
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const wake of this.#wake.splice(0)) wake();
    await this.#loop;
  }
}

// ---------------------------------------------------------------------------------------------------
// The broker's own view

/** The committed offsets of `groups` on `topic`, as the broker answers OffsetFetch: group → partition → offset. */
export async function brokerCommitted(client: Admin, groups: string[], topic: string): Promise<Map<string, Map<number, number>>> {
  const answer = await client.listConsumerGroupOffsets({ groups });
  const out = new Map<string, Map<number, number>>();
  for (const group of answer) {
    const partitions = new Map<number, number>();
    for (const t of group.topics) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) if (p.committedOffset >= 0n) partitions.set(p.partitionIndex, Number(p.committedOffset));
    }
    out.set(group.groupId, partitions);
  }
  return out;
}

/** The log-end offsets of a topic's partitions, index = partition. */
export async function brokerLogEnds(client: Admin, topic: string, partitions: number): Promise<number[]> {
  const [answer] = await client.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
  const ends: number[] = [];
  for (const p of answer!.partitions) ends[p.partitionIndex] = Number(p.offset);
  return ends;
}

/** Closes everything given, ignoring failures (for afterAll / finally). */
export async function closeAll(...things: ({ close(): Promise<unknown> } | { stop(): Promise<unknown> } | undefined | null)[]): Promise<void> {
  await Promise.allSettled(things.map((t) => (!t ? undefined : 'close' in t ? t.close() : t.stop())));
}
