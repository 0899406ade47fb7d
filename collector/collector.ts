// The collector service: every `interval`, each cluster is read by its source, judged by the tracker, and the
// results handed to the sinks. Clusters run independently; a failing cluster is logged and retried on the
// next cycle without a restart; a cycle never overlaps the previous one of the same cluster.
import type { Logger } from 'pino';
import type { WarrenConfig } from './config.ts';
import { KafkaSource } from './sources/kafka.ts';
import { Tracker } from './tracker.ts';
import type { CycleReport, Sink, StateView, WarrenEvent } from './types.ts';

export interface CollectorOptions {
  config: WarrenConfig;
  logger: Logger;
  sinks?: Sink[];
  now?: () => number;
}

export type CycleListener = (report: CycleReport, events: readonly WarrenEvent[]) => void;

export class Collector {
  readonly state: StateView;
  readonly #tracker: Tracker;
  readonly #config: WarrenConfig;
  readonly #logger: Logger;
  readonly #sinks: Sink[];
  readonly #sources = new Map<string, KafkaSource>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Map<string, Promise<unknown>>();
  readonly #listeners: CycleListener[] = [];
  readonly #failing = new Set<string>();
  readonly #now: () => number;
  #stopped = true;

  constructor(options: CollectorOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#sinks = options.sinks ?? [];
    this.#now = options.now ?? Date.now;
    const clusters = Object.keys(options.config.clusters).sort();
    this.#tracker = new Tracker({
      clusters,
      intervals: options.config.collector.intervals,
      expireGroupMs: options.config.collector.expireGroup,
      rules: {
        allowedLag: options.config.collector.allowedLag,
        minimumComplete: options.config.collector.minimumComplete,
        minSilenceMs: options.config.collector.stopAfter ?? 2 * options.config.collector.interval,
        trendSpanMs: 3 * options.config.collector.interval,
      },
      rebalanceGraceMs: options.config.collector.rebalanceGrace,
      logEndHistory: options.config.collector.logEndHistory,
      eventsPerGroup: options.config.collector.eventsPerGroup,
    });
    this.state = this.#tracker;
    for (const name of clusters) {
      this.#sources.set(name, new KafkaSource(name, options.config.clusters[name]!, options.logger.child({ cluster: name })));
    }
  }

  /** Called after every cycle of every cluster (metrics, tests). */
  onCycle(listener: CycleListener): void {
    this.#listeners.push(listener);
  }

  /** Reads, judges and publishes one cycle of a cluster. */
  async runCycle(cluster: string): Promise<{ report: CycleReport; events: WarrenEvent[] }> {
    const source = this.#sources.get(cluster);
    if (!source) throw new Error(`unknown cluster ${cluster}`);
    const scrape = await source.scrape(this.#now);
    const { report, events } = this.#tracker.ingest(scrape);
    this.#log(report, events);
    for (const sink of this.#sinks) {
      try {
        sink.write(report, events);
      } catch (error) {
        this.#logger.error({ sink: sink.name, err: String(error) }, 'sink failed to take a cycle');
      }
    }
    for (const listener of this.#listeners) listener(report, events);
    return { report, events };
  }

  /** Runs one cycle of every cluster, in parallel. */
  async runAll(): Promise<CycleReport[]> {
    const results = await Promise.all([...this.#sources.keys()].map((cluster) => this.runCycle(cluster)));
    return results.map((r) => r.report);
  }

  #log(report: CycleReport, events: readonly WarrenEvent[]): void {
    const fields = {
      cluster: report.cluster,
      durationMs: report.durationMs,
      groups: report.groups.length,
      partitions: report.partitionCount,
      topics: report.topicCount,
      errors: report.errors.length,
      ...(report.negativeLagClamped > 0 ? { negativeLagClamped: report.negativeLagClamped } : {}),
      ...(report.offsetsOutOfRange > 0 ? { offsetsOutOfRange: report.offsetsOutOfRange } : {}),
    };
    if (!report.ok) {
      this.#failing.add(report.cluster);
      this.#logger.error({ ...fields, error: report.errors[0]?.message }, `cluster ${report.cluster} is failing: ${report.errors[0]?.message ?? 'unknown error'}`);
      return;
    }
    if (this.#failing.delete(report.cluster)) this.#logger.warn({ cluster: report.cluster }, `cluster ${report.cluster} recovered`);
    for (const error of report.errors) this.#logger.warn({ cluster: report.cluster, stage: error.stage, group: error.group, topic: error.topic, partition: error.partition }, error.message);
    for (const event of events) {
      if (event.kind === 'status-change') {
        this.#logger.info({ cluster: event.cluster, group: event.group, from: event.from, to: event.to, reason: event.reason }, `group ${event.group} ${event.from} -> ${event.to}`);
      } else if (event.kind === 'group-gone') {
        this.#logger.info({ cluster: event.cluster, group: event.group, why: event.why }, `group ${event.group} ${event.why}`);
      } else if (event.kind === 'rebalance') {
        const who = (members: { clientId: string; host: string }[]) => members.map((m) => `${m.clientId}@${m.host}`).join(', ') || 'none';
        this.#logger.info(
          { cluster: event.cluster, group: event.group, epoch: event.epoch, state: event.state, joined: event.joined, left: event.left, offsets: event.offsets },
          `group ${event.group} rebalance: joined ${who(event.joined)}; left ${who(event.left)}`,
        );
      } else {
        this.#logger.info(
          { cluster: event.cluster, group: event.group, clientIds: event.clientIds, clientIdsBefore: event.clientIdsBefore, offsets: event.offsets },
          `group ${event.group} deploy: client ids ${event.clientIdsBefore.join(',')} -> ${event.clientIds.join(',')}`,
        );
      }
    }
    this.#logger.info(fields, 'cycle');
  }

  /** Starts the cycle loops: one per cluster, first cycle at once. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const cluster of this.#sources.keys()) this.#loop(cluster);
  }

  #loop(cluster: string): void {
    if (this.#stopped) return;
    const started = this.#now();
    const run = this.runCycle(cluster)
      .catch((error: unknown) => this.#logger.error({ cluster, err: String(error) }, 'cycle failed unexpectedly'))
      .finally(() => {
        this.#running.delete(cluster);
        if (this.#stopped) return;
        const wait = Math.max(0, this.#config.collector.interval - (this.#now() - started));
        this.#timers.set(cluster, setTimeout(() => this.#loop(cluster), wait));
      });
    this.#running.set(cluster, run);
  }

  /** Stops the loops, waits for running cycles, closes sources and sinks. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#running.values()]);
    await Promise.allSettled([...this.#sources.values()].map((source) => source.close()));
    await Promise.allSettled(this.#sinks.map((sink) => sink.close()));
  }
}
