// Prometheus metrics (prom-client, own registries): Burrow's gauges under Burrow's names and labels, so existing
// dashboards and alerts keep working, plus Warren's own `warren_*` series for what Burrow does not export — the
// collector's health — and the Elasticsearch sink's counters when a source for them is given.
//
// Lag in time and the trend (issue 7) are Warren's own `warren_consumer_*` gauges, labelled {cluster, group}
// (and topic, partition for the per-partition time lag, written like Burrow's per-partition families). A value
// that is not known — no log-end history yet, no trend, no catch-up because the group is not catching up — has
// no series at all, never 0, so alerts on them do not fire on ignorance.
//
// Cheap scrapes: the per-group and per-partition series are rebuilt from the tracker's last judged reports only
// when a cycle has finished (or a group was deleted) since the last build, and the rendered text is kept until
// then. Burrow instead evaluates every group at every scrape (#736). Process metrics are rendered per scrape.
// The build runs in slices (yielding to the event loop) so API requests are not held up after a cycle; the
// per-partition families are written by exposition.ts for the same reason.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STATUS_CODE } from '../../evaluator/index.ts';
import { GaugeFamily, labelPair, yieldToEventLoop } from './exposition.ts';
import type { CycleReport, Sink, StateView, WarrenEvent } from '../types.ts';

/** Counters of the Elasticsearch sink, as it reports them (see HeartbeatDoc); absent fields are not rendered. */
export interface SinkStats {
  /** Documents waiting in memory to be sent. */
  queueDocuments?: number;
  /** Bytes spooled to disk while Elasticsearch is unreachable. */
  spoolBytes?: number;
  documentsIndexedTotal?: number;
  bulkFailuresTotal?: number;
  documentsDroppedTotal?: number;
}

export type SinkStatsSource = () => SinkStats | undefined;

export interface MetricsOptions {
  state: StateView;
  /** The Elasticsearch sink's counters, read at every scrape. */
  sinkStats?: SinkStatsSource;
  /** Node's process metrics (process_*, nodejs_*). Default true. */
  processMetrics?: boolean;
  /** Export `warren_partition_time_lag_seconds` (one series per group-partition; `api.partitionTimeLagMetrics`). Default false. */
  partitionTimeLag?: boolean;
}

const CYCLE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

// Burrow's per-partition gauges (burrow-spec.md §5.9), written by exposition.ts.
// Labels: {cluster, consumer_group, topic, partition}, and {cluster, topic, partition} for topic offsets.
const PARTITION_LAG = ['burrow_kafka_consumer_partition_lag', 'Current lag of the consumer group on the partition'] as const;
const CURRENT_OFFSET = ['burrow_kafka_consumer_current_offset', 'Newest committed offset of the consumer group on the partition (only when its window is full)'] as const;
const PARTITION_STATUS = ['burrow_kafka_topic_partition_status', 'Status of the consumer group on the partition: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND (only when its window is full)'] as const;
const TOPIC_OFFSET = ['burrow_kafka_topic_partition_offset', 'Newest (log-end) offset of the partition'] as const;
// Warren's per-partition lag in time, {cluster, group, topic, partition}; absent when not known.
const PARTITION_TIME_LAG = ['warren_partition_time_lag_seconds', 'How far behind in time the committed offset of the group is on the partition (seconds; absent when unknown)'] as const;

/** The kinds of events, each counted from 0 for every cluster once it has had a cycle. */
const EVENT_KINDS: readonly WarrenEvent['kind'][] = ['status-change', 'group-gone', 'rebalance', 'deploy'];

const NEWLINE = Buffer.from('\n');

/** Series written between two yields to the event loop while building (~5 ms of work). */
const SLICE = 5_000;

export class WarrenMetrics {
  readonly contentType: string;
  /** Hand this to the collector's sinks: counts every cycle exactly once and prepares the next scrape early. */
  readonly sink: Sink;

  readonly #state: StateView;
  readonly #stateRegistry = new Registry();
  readonly #liveRegistry = new Registry();
  #sinkStats: SinkStatsSource | undefined;

  // Burrow's gauges (burrow-spec.md §5.9).
  readonly #lagTotal: Gauge<'cluster' | 'consumer_group'>;
  readonly #groupStatus: Gauge<'cluster' | 'consumer_group'>;

  // Warren's lag in time, trend and rebalance hold per group.
  readonly #timeLag: Gauge<'cluster' | 'group'>;
  readonly #velocity: Gauge<'cluster' | 'group'>;
  readonly #catchUp: Gauge<'cluster' | 'group'>;
  readonly #dataLoss: Gauge<'cluster' | 'group'>;
  readonly #rebalancing: Gauge<'cluster' | 'group'>;
  readonly #events: Counter<'cluster' | 'kind'>;
  /** Event batches already counted (a second delivery of the same cycle is not counted again). */
  readonly #countedEvents = new WeakSet<readonly WarrenEvent[]>();
  /** The per-partition families, encoded (see exposition.ts). */
  #families: Buffer[] = [];

  // Warren's collector health.
  readonly #groupsByStatus: Gauge<'cluster' | 'status'>;
  readonly #groupsTracked: Gauge<'cluster'>;
  readonly #partitionsTracked: Gauge<'cluster'>;
  readonly #topicsTracked: Gauge<'cluster'>;
  readonly #clusterUp: Gauge<'cluster'>;
  readonly #lastCycleTime: Gauge<'cluster'>;
  readonly #lastCycleDuration: Gauge<'cluster'>;
  readonly #cycleDuration: Histogram<'cluster'>;
  readonly #cycles: Counter<'cluster' | 'outcome'>;
  readonly #scrapeErrors: Counter<'cluster' | 'stage'>;
  readonly #negativeLags: Counter<'cluster'>;
  readonly #outOfRange: Counter<'cluster'>;

  /** Cycles already counted. */
  readonly #counted = new WeakSet<CycleReport>();
  /** The cycle each cluster's series were built from. */
  readonly #builtFrom = new Map<string, CycleReport | undefined>();
  #stale = true;
  #body: Buffer = Buffer.alloc(0);
  #building: Promise<Buffer> | null = null;
  readonly #partitionTimeLag: boolean;
  #scraped = false;

  constructor(options: MetricsOptions) {
    this.#state = options.state;
    this.#sinkStats = options.sinkStats;
    this.#partitionTimeLag = options.partitionTimeLag ?? false;
    this.contentType = this.#stateRegistry.contentType;
    const state = [this.#stateRegistry];
    const perGroup = ['cluster', 'consumer_group'] as const;

    this.#lagTotal = new Gauge({ name: 'burrow_kafka_consumer_lag_total', help: 'Total lag of the consumer group (sum of current_lag over its partitions)', labelNames: perGroup, registers: state });
    this.#groupStatus = new Gauge({ name: 'burrow_kafka_consumer_status', help: "Status of the consumer group: 1 OK, 2 WARN, 3 ERR (Burrow's numbering)", labelNames: perGroup, registers: state });

    const warrenGroup = ['cluster', 'group'] as const;
    this.#timeLag = new Gauge({ name: 'warren_consumer_time_lag_seconds', help: 'Largest lag in time of the group over its partitions (seconds; absent when none is known)', labelNames: warrenGroup, registers: state });
    this.#velocity = new Gauge({ name: 'warren_consumer_lag_velocity', help: 'Change of the group lag in messages per second over the last three intervals (positive: falling behind; absent when unknown)', labelNames: warrenGroup, registers: state });
    this.#catchUp = new Gauge({ name: 'warren_consumer_catch_up_seconds', help: 'When the group lag reaches 0 at the current pace (only while catching up)', labelNames: warrenGroup, registers: state });
    this.#dataLoss = new Gauge({ name: 'warren_consumer_data_loss_seconds', help: 'When retention overtakes the committed offset at the current pace (only while falling behind, with the log start known)', labelNames: warrenGroup, registers: state });
    this.#rebalancing = new Gauge({ name: 'warren_consumer_rebalancing', help: 'Whether the group is rebalancing (1) or stable (0); while it rebalances a worse status may be held back', labelNames: warrenGroup, registers: state });
    this.#events = new Counter({ name: 'warren_group_events_total', help: 'Group events by kind: status-change, group-gone, rebalance, deploy', labelNames: ['cluster', 'kind'] as const, registers: state });

    this.#groupsByStatus = new Gauge({ name: 'warren_consumer_groups', help: 'Consumer groups by status at the last cycle', labelNames: ['cluster', 'status'] as const, registers: state });
    this.#groupsTracked = new Gauge({ name: 'warren_groups_tracked', help: 'Consumer groups tracked', labelNames: ['cluster'] as const, registers: state });
    this.#partitionsTracked = new Gauge({ name: 'warren_partitions_tracked', help: 'Group-partitions tracked (sum of partition_count over the groups)', labelNames: ['cluster'] as const, registers: state });
    this.#topicsTracked = new Gauge({ name: 'warren_topics_tracked', help: 'Topics with log-end offsets', labelNames: ['cluster'] as const, registers: state });
    this.#clusterUp = new Gauge({ name: 'warren_cluster_up', help: 'Whether the last cycle could read the cluster (1) or not (0)', labelNames: ['cluster'] as const, registers: state });
    this.#lastCycleTime = new Gauge({ name: 'warren_last_cycle_timestamp_seconds', help: 'Unix time the last cycle of the cluster finished', labelNames: ['cluster'] as const, registers: state });
    this.#lastCycleDuration = new Gauge({ name: 'warren_last_cycle_duration_seconds', help: 'Duration of the last cycle of the cluster', labelNames: ['cluster'] as const, registers: state });
    this.#cycleDuration = new Histogram({ name: 'warren_cycle_duration_seconds', help: 'Duration of a cycle (read and judge one cluster)', labelNames: ['cluster'] as const, buckets: CYCLE_BUCKETS, registers: state });
    this.#cycles = new Counter({ name: 'warren_cycles_total', help: 'Cycles run, by outcome (ok: the cluster answered; failed: it could not be read)', labelNames: ['cluster', 'outcome'] as const, registers: state });
    this.#scrapeErrors = new Counter({ name: 'warren_scrape_errors_total', help: 'Errors while reading a cluster, by stage of the read', labelNames: ['cluster', 'stage'] as const, registers: state });
    this.#negativeLags = new Counter({ name: 'warren_negative_lag_clamped_total', help: 'Partitions whose log-end offset was below the committed offset (lag clamped to 0)', labelNames: ['cluster'] as const, registers: state });
    this.#outOfRange = new Counter({ name: 'warren_offsets_out_of_range_total', help: 'Offsets above 2^53 refused (never rounded)', labelNames: ['cluster'] as const, registers: state });

    const live = [this.#liveRegistry];
    const view = this.#state;
    new Gauge({
      name: 'warren_ready',
      help: 'Whether every cluster has finished its first full cycle (1) or not (0)',
      registers: live,
      collect() {
        this.set(view.ready() ? 1 : 0);
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.#liveRegistry });
    if (this.#sinkStats) this.#registerSinkMetrics();

    this.sink = {
      name: 'metrics',
      write: (report, events) => {
        this.observeCycle(report);
        this.observeEvents(report.cluster, events);
        // Build the next text now rather than in the next scrape, once something scrapes at all.
        if (this.#scraped) setImmediate(() => void this.#stateBody().catch(() => undefined));
      },
      close: async () => undefined,
    };
  }

  /** Adds the Elasticsearch sink's counters (when the sink starts after the metrics). */
  setSinkStats(source: SinkStatsSource): void {
    const first = this.#sinkStats === undefined;
    this.#sinkStats = source;
    if (first) this.#registerSinkMetrics();
  }

  #registerSinkMetrics(): void {
    const read = (): SinkStats | undefined => {
      try {
        return this.#sinkStats?.();
      } catch {
        return undefined;
      }
    };
    const live = [this.#liveRegistry];
    const gauge = (name: string, help: string, pick: (s: SinkStats) => number | undefined) =>
      new Gauge({
        name,
        help,
        registers: live,
        collect() {
          const value = read();
          const n = value ? pick(value) : undefined;
          if (n !== undefined) this.set(n);
        },
      });
    const counter = (name: string, help: string, pick: (s: SinkStats) => number | undefined) =>
      new Counter({
        name,
        help,
        registers: live,
        collect() {
          const value = read();
          const n = value ? pick(value) : undefined;
          if (n === undefined) return;
          this.reset();
          this.inc(n);
        },
      });
    gauge('warren_es_queue_documents', 'Documents waiting in memory for the Elasticsearch sink', (s) => s.queueDocuments);
    gauge('warren_es_spool_bytes', 'Bytes spooled to disk while Elasticsearch is unreachable', (s) => s.spoolBytes);
    counter('warren_es_documents_indexed_total', 'Documents Elasticsearch accepted', (s) => s.documentsIndexedTotal);
    counter('warren_es_bulk_failures_total', 'Bulk requests to Elasticsearch that failed', (s) => s.bulkFailuresTotal);
    counter('warren_es_documents_dropped_total', 'Documents given up (rejected, or the spool was full)', (s) => s.documentsDroppedTotal);
  }

  /** Counts a finished cycle (once, however often it is passed). */
  observeCycle(report: CycleReport): void {
    if (this.#counted.has(report)) return;
    this.#counted.add(report);
    const cluster = report.cluster;
    this.#cycleDuration.observe({ cluster }, report.durationMs / 1000);
    this.#cycles.inc({ cluster, outcome: report.ok ? 'ok' : 'failed' });
    for (const error of report.errors) this.#scrapeErrors.inc({ cluster, stage: error.stage });
    // Touch the counters so that every cluster has its series from the first cycle on (0, not absent).
    this.#negativeLags.inc({ cluster }, report.negativeLagClamped);
    this.#outOfRange.inc({ cluster }, report.offsetsOutOfRange);
    for (const kind of EVENT_KINDS) this.#events.inc({ cluster, kind }, 0);
    this.#stale = true;
  }

  /** Counts a cycle's events by kind (once per batch, however often it is passed). */
  observeEvents(cluster: string, events: readonly WarrenEvent[]): void {
    if (this.#countedEvents.has(events)) return;
    this.#countedEvents.add(events);
    for (const event of events) this.#events.inc({ cluster: event.cluster || cluster, kind: event.kind });
    this.#stale = true;
  }

  /** The series must be rebuilt (a group was deleted through the API). */
  invalidate(): void {
    this.#stale = true;
  }

  /**
   * The body of a scrape: the series built from the last cycle (kept encoded between cycles), then the live
   * ones (process, readiness, Elasticsearch sink).
   */
  async payload(): Promise<Buffer> {
    this.#scraped = true;
    const [state, live] = await Promise.all([this.#stateBody(), this.#liveRegistry.metrics()]);
    return Buffer.concat([state, Buffer.from(`\n${live}`, 'utf8')]);
  }

  /** The scrape as text. */
  async render(): Promise<string> {
    return (await this.payload()).toString('utf8');
  }

  #needsBuild(): boolean {
    if (this.#stale) return true;
    for (const cluster of this.#state.clusters()) if (this.#state.lastCycle(cluster) !== this.#builtFrom.get(cluster)) return true;
    return false;
  }

  #stateBody(): Promise<Buffer> {
    if (this.#building) return this.#building;
    if (!this.#needsBuild()) return Promise.resolve(this.#body);
    this.#building = (async () => {
      try {
        await this.#build();
        const registry = Buffer.from(`${await this.#stateRegistry.metrics()}\n`, 'utf8');
        this.#body = Buffer.concat([registry, ...this.#families]);
        this.#families = [];
        return this.#body;
      } finally {
        this.#building = null;
      }
    })();
    return this.#building;
  }

  /**
   * Rebuilds every per-cluster series from the tracker's last reports. The reports are taken first (they are
   * replaced, never changed, by a cycle), then turned into series in slices, yielding to the event loop
   * between slices.
   */
  async #build(): Promise<void> {
    this.#stale = false;
    for (const gauge of [this.#lagTotal, this.#groupStatus, this.#timeLag, this.#velocity, this.#catchUp, this.#dataLoss, this.#rebalancing, this.#groupsByStatus, this.#groupsTracked, this.#partitionsTracked, this.#topicsTracked, this.#clusterUp, this.#lastCycleTime, this.#lastCycleDuration]) gauge.reset();
    const partitionLag = new GaugeFamily(...PARTITION_LAG);
    const currentOffset = new GaugeFamily(...CURRENT_OFFSET);
    const partitionStatus = new GaugeFamily(...PARTITION_STATUS);
    const topicOffset = new GaugeFamily(...TOPIC_OFFSET);
    const partitionTimeLag = new GaugeFamily(...PARTITION_TIME_LAG);
    const families = [partitionLag, currentOffset, partitionStatus, topicOffset, partitionTimeLag];
    const state = this.#state;
    const snapshot = state.clusters().map((cluster) => ({
      cluster,
      last: state.lastCycle(cluster),
      reports: state.groupReports(cluster) ?? [],
      groups: state.groups(cluster)?.length ?? 0,
      topics: (state.topics(cluster) ?? []).map((topic) => [topic, state.topicOffsets(cluster, topic) ?? []] as const),
    }));
    for (const { cluster, last } of snapshot) {
      this.#builtFrom.set(cluster, last);
      if (last) this.observeCycle(last);
    }
    this.#stale = false;

    let sinceYield = 0;
    for (const { cluster, last, reports, groups, topics } of snapshot) {
      const clusterLabel = labelPair('cluster', cluster);
      const byStatus = { OK: 0, WARN: 0, ERR: 0 };
      let partitions = 0;
      for (const report of reports) {
        const result = report.result;
        if (result.status === 'NOTFOUND') continue;
        byStatus[result.status]++;
        partitions += result.partitionCount;
        const group = { cluster, consumer_group: result.group };
        this.#lagTotal.set(group, result.totallag);
        this.#groupStatus.set(group, STATUS_CODE[result.status]);
        const warren = { cluster, group: result.group };
        if (result.maxTimeLagMs !== null && Number.isFinite(result.maxTimeLagMs)) this.#timeLag.set(warren, result.maxTimeLagMs / 1000);
        const trend = result.trend;
        if (trend && trend.kind !== 'unknown' && Number.isFinite(trend.velocity)) this.#velocity.set(warren, trend.velocity);
        if (trend?.kind === 'catching-up' && Number.isFinite(trend.catchUpMs)) this.#catchUp.set(warren, trend.catchUpMs / 1000);
        if (trend?.kind === 'falling-behind' && trend.dataLossMs !== null && Number.isFinite(trend.dataLossMs)) this.#dataLoss.set(warren, trend.dataLossMs / 1000);
        this.#rebalancing.set(warren, (report.rebalance?.kind ?? 'stable') === 'stable' ? 0 : 1);
        const groupLabels = `${clusterLabel},${labelPair('consumer_group', result.group)}`;
        const warrenGroupLabels = `${clusterLabel},${labelPair('group', result.group)}`;
        let topic = '';
        let topicLabels = '';
        let warrenTopicLabels = '';
        for (const p of result.partitions) {
          if (p.topic !== topic) {
            topic = p.topic;
            const topicPair = labelPair('topic', topic);
            topicLabels = `${groupLabels},${topicPair}`;
            warrenTopicLabels = `${warrenGroupLabels},${topicPair}`;
          }
          const labels = `${topicLabels},partition="${p.partition}"`;
          partitionLag.add(labels, p.currentLag);
          const timeLag = p.timeLag;
          if (this.#partitionTimeLag && timeLag && timeLag.kind !== 'unknown' && Number.isFinite(timeLag.ms)) partitionTimeLag.add(`${warrenTopicLabels},partition="${p.partition}"`, timeLag.ms / 1000);
          // As Burrow: offset and partition status only once the partition's window is full.
          if (p.complete === 1 && p.end !== null) {
            currentOffset.add(labels, p.end.offset);
            partitionStatus.add(labels, STATUS_CODE[p.status]);
          }
        }
        sinceYield += result.partitions.length + 2;
        if (sinceYield >= SLICE) {
          sinceYield = 0;
          for (const family of families) family.flush();
          await yieldToEventLoop();
        }
      }
      for (const [topic, offsets] of topics) {
        const labels = `${clusterLabel},${labelPair('topic', topic)}`;
        // Index-aligned: the label is the partition id (Burrow skips unknown partitions and shifts the ids).
        for (let partition = 0; partition < offsets.length; partition++) {
          const offset = offsets[partition];
          if (offset !== null && offset !== undefined) topicOffset.add(`${labels},partition="${partition}"`, offset);
        }
      }
      for (const [status, count] of Object.entries(byStatus)) this.#groupsByStatus.set({ cluster, status }, count);
      this.#groupsTracked.set({ cluster }, groups);
      this.#partitionsTracked.set({ cluster }, partitions);
      this.#topicsTracked.set({ cluster }, topics.length);
      if (last) {
        this.#clusterUp.set({ cluster }, last.ok ? 1 : 0);
        this.#lastCycleTime.set({ cluster }, last.finishedAt / 1000);
        this.#lastCycleDuration.set({ cluster }, last.durationMs / 1000);
      } else {
        this.#clusterUp.set({ cluster }, 0);
      }
    }
    this.#families = families.flatMap((family, i) => (i === 0 ? family.buffers() : [NEWLINE, ...family.buffers()]));
  }
}

export function createMetrics(options: MetricsOptions): WarrenMetrics {
  return new WarrenMetrics(options);
}
