// records-lag, records-lag-avg and records-lag-max, computed the way the Java consumer's metrics() reports them
// (chapter 4.3.2, "way 2"), for a client that has no such metrics: after every fetch, a partition's records-lag
// is the fetch response's high watermark minus the consumer's position — the next offset the application will
// be handed (as Java's position advances when poll() returns records, not when they are fetched). The client
// fetches ahead into its stream buffer, so "position after the fetch" would hide everything waiting in it; the
// application reports what it was handed with `delivered()`, and the fetch position is used only until then.
//
//   records-lag       the partition's lag after the most recent fetch
//   records-lag-avg   the average of the partition's lags over the sample window
//   records-lag-max   the largest of the partition's lags over the sample window; the consumer-level
//                     records-lag-max is the largest over all its partitions
//
// The Java client keeps 2 samples of 30 s (metrics.num.samples × metrics.sample.window.ms); here the window is
// one span of `windowMs` (default 60 s). This is the consumer's own view — it only exists while the consumer
// runs and fetches, which is the chapter's point against it; Warren reads committed offsets from outside.
import { consumerFetchesChannel } from '@platformatic/kafka';

/** A partition's records-lag: high watermark minus position, never negative. */
export function recordsLag(highWatermark: bigint, position: bigint): number {
  return highWatermark > position ? Number(highWatermark - position) : 0;
}

/** The position after a fetch: one past the last record returned, or the fetch offset when nothing came back. */
export function positionAfterFetch(fetchOffset: bigint, batches: readonly { firstOffset: bigint; lastOffsetDelta: number }[] | null | undefined): bigint {
  if (!batches || batches.length === 0) return fetchOffset;
  const last = batches[batches.length - 1]!;
  const end = last.firstOffset + BigInt(last.lastOffsetDelta) + 1n;
  return end > fetchOffset ? end : fetchOffset;
}

/** Values recorded over the last `windowMs`: their average and maximum (null when there is none). */
export class WindowedStat {
  readonly #windowMs: number;
  readonly #times: number[] = [];
  readonly #values: number[] = [];
  #head = 0;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  record(value: number, now: number): void {
    this.#times.push(now);
    this.#values.push(value);
    this.#prune(now);
  }

  #prune(now: number): void {
    const oldest = now - this.#windowMs;
    while (this.#head < this.#times.length && this.#times[this.#head]! <= oldest) this.#head++;
    if (this.#head > 256 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head);
      this.#values.splice(0, this.#head);
      this.#head = 0;
    }
  }

  count(now: number): number {
    this.#prune(now);
    return this.#times.length - this.#head;
  }

  avg(now: number): number | null {
    this.#prune(now);
    const n = this.#times.length - this.#head;
    if (n === 0) return null;
    let sum = 0;
    for (let i = this.#head; i < this.#values.length; i++) sum += this.#values[i]!;
    return sum / n;
  }

  max(now: number): number | null {
    this.#prune(now);
    let max: number | null = null;
    for (let i = this.#head; i < this.#values.length; i++) if (max === null || this.#values[i]! > max) max = this.#values[i]!;
    return max;
  }
}

export interface PartitionLagMetrics {
  topic: string;
  partition: number;
  'records-lag': number;
  'records-lag-avg': number | null;
  'records-lag-max': number | null;
}

export interface LagMetricsSnapshot {
  partitions: PartitionLagMetrics[];
  /** Consumer level: the largest records-lag of any partition over the window. */
  'records-lag-max': number | null;
}

interface PartitionMetrics {
  topic: string;
  partition: number;
  last: number;
  stat: WindowedStat;
  /** Next offset the application will be handed, once it was handed one. */
  position: bigint | null;
  /** High watermark of the partition's latest fetch. */
  highWatermark: bigint | null;
  lastSampleAt: number;
}

/**
 * Per-partition records-lag samples, taken like the Java consumer takes them: when a fetch completes, and when
 * the application is handed records (Java records the lag in poll(), from the buffered fetch's high watermark
 * and the position after the records returned). Hand-over samples are taken at most every `sampleEveryMs`.
 */
export class RecordsLagMetrics {
  readonly #windowMs: number;
  readonly #sampleEveryMs: number;
  readonly #partitions = new Map<string, PartitionMetrics>();

  constructor(windowMs = 60_000, sampleEveryMs = 100) {
    this.#windowMs = windowMs;
    this.#sampleEveryMs = sampleEveryMs;
  }

  #entry(topic: string, partition: number): PartitionMetrics {
    const key = `${topic}\u0000${partition}`;
    let entry = this.#partitions.get(key);
    if (!entry) {
      entry = { topic, partition, last: 0, stat: new WindowedStat(this.#windowMs), position: null, highWatermark: null, lastSampleAt: -Infinity };
      this.#partitions.set(key, entry);
    }
    return entry;
  }

  /** Records one records-lag sample. */
  record(topic: string, partition: number, lag: number, now: number): void {
    const entry = this.#entry(topic, partition);
    entry.last = lag;
    entry.stat.record(lag, now);
    entry.lastSampleAt = now;
  }

  /** A fetch completed: its high watermark against the application's position (the fetch's own until known). */
  recordFetch(topic: string, partition: number, highWatermark: bigint, fetchPosition: bigint, now: number): void {
    const entry = this.#entry(topic, partition);
    entry.highWatermark = highWatermark;
    this.record(topic, partition, recordsLag(highWatermark, entry.position ?? fetchPosition), now);
  }

  /** The application was handed the record at `offset`: its position is now `offset + 1`. */
  delivered(topic: string, partition: number, offset: bigint, now: number = Date.now()): void {
    const entry = this.#entry(topic, partition);
    if (entry.position === null || offset + 1n > entry.position) entry.position = offset + 1n;
    if (entry.highWatermark !== null && now - entry.lastSampleAt >= this.#sampleEveryMs) {
      this.record(topic, partition, recordsLag(entry.highWatermark, entry.position), now);
    }
  }

  /** The application's position on a partition, or null when it was handed nothing yet. */
  position(topic: string, partition: number): bigint | null {
    return this.#partitions.get(`${topic}\u0000${partition}`)?.position ?? null;
  }

  /** Stops reporting every partition not in `assignments` (revoked in a rebalance). */
  retain(assignments: readonly { topic: string; partitions: readonly number[] }[]): void {
    const keep = new Set<string>();
    for (const a of assignments) for (const p of a.partitions) keep.add(`${a.topic}\u0000${p}`);
    for (const key of [...this.#partitions.keys()]) if (!keep.has(key)) this.#partitions.delete(key);
  }

  /** Stops reporting a partition (revoked). */
  forget(topic: string, partition: number): void {
    this.#partitions.delete(`${topic}\u0000${partition}`);
  }

  snapshot(now: number): LagMetricsSnapshot {
    const partitions: PartitionLagMetrics[] = [];
    let consumerMax: number | null = null;
    for (const entry of this.#partitions.values()) {
      const max = entry.stat.max(now);
      partitions.push({ topic: entry.topic, partition: entry.partition, 'records-lag': entry.last, 'records-lag-avg': entry.stat.avg(now), 'records-lag-max': max });
      if (max !== null && (consumerMax === null || max > consumerMax)) consumerMax = max;
    }
    partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    return { partitions, 'records-lag-max': consumerMax };
  }
}

/** The chapter's log lines: `metricName: records-lag, metricValue: 3` for every partition, then the consumer's max. */
export function metricLines(snapshot: LagMetricsSnapshot): string[] {
  const round = (value: number | null) => (value === null ? 'NaN' : String(Math.round(value * 100) / 100));
  const lines: string[] = [];
  for (const p of snapshot.partitions) {
    for (const name of ['records-lag', 'records-lag-avg', 'records-lag-max'] as const) {
      lines.push(`${p.topic}-${p.partition} metricName: ${name}, metricValue: ${round(p[name])}`);
    }
  }
  lines.push(`consumer metricName: records-lag-max, metricValue: ${round(snapshot['records-lag-max'])}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------------
// Feeding the metrics from a real consumer's fetches

interface FetchRequestShape {
  topics: { topicId: string; partitions: { partition: number; fetchOffset: bigint }[] }[];
}

interface FetchResponseShape {
  responses: {
    topicId: string;
    partitions: { partitionIndex: number; errorCode: number; highWatermark: bigint; records?: { firstOffset: bigint; lastOffsetDelta: number }[] | null }[];
  }[];
}

/**
 * The lag of every partition in one fetch. `positions` holds the last known position per partition
 * (`topicId:partition`) and is updated: an incremental fetch session may answer for partitions the request
 * did not list.
 */
export function lagsFromFetch(
  request: FetchRequestShape,
  response: FetchResponseShape,
  positions: Map<string, bigint>,
): { topicId: string; partition: number; lag: number; highWatermark: bigint; position: bigint }[] {
  for (const topic of request.topics) {
    for (const p of topic.partitions) positions.set(`${topic.topicId}:${p.partition}`, p.fetchOffset);
  }
  const lags: { topicId: string; partition: number; lag: number; highWatermark: bigint; position: bigint }[] = [];
  for (const topic of response.responses) {
    for (const p of topic.partitions) {
      if (p.errorCode !== 0 || p.highWatermark < 0n) continue;
      const key = `${topic.topicId}:${p.partitionIndex}`;
      const fetchOffset = positions.get(key);
      if (fetchOffset === undefined) continue;
      const position = positionAfterFetch(fetchOffset, p.records);
      positions.set(key, position);
      lags.push({ topicId: topic.topicId, partition: p.partitionIndex, lag: recordsLag(p.highWatermark, position), highWatermark: p.highWatermark, position });
    }
  }
  return lags;
}

interface MetadataClient {
  metadata(options: { topics: string[] }): Promise<{ topics: Map<string, { id: string }> }>;
  topics: { current: string[] };
}

/**
 * Records the lag of every fetch `consumer` makes into `metrics`, from the client's diagnostics channel
 * (the same one an APM would use). The application calls `metrics.delivered()` for every record it is handed.
 * Returns a function that detaches it.
 */
export function attachLagMetrics(consumer: MetadataClient, metrics: RecordsLagMetrics, topics: readonly string[] = [], now: () => number = Date.now): () => void {
  const names = new Map<string, string>();
  const positions = new Map<string, bigint>();
  // Fetches that came back before the topic ids were known: applied once the names arrive.
  const waiting = new Map<string, { topicId: string; partition: number; highWatermark: bigint; position: bigint }>();
  let refreshing = false;
  const refreshNames = () => {
    if (refreshing) return;
    refreshing = true;
    const wanted = [...new Set([...topics, ...consumer.topics.current])];
    consumer
      .metadata({ topics: wanted })
      .then((metadata) => {
        for (const [name, topic] of metadata.topics) names.set(topic.id, name);
        const at = now();
        for (const [key, fetch] of waiting) {
          const name = names.get(fetch.topicId);
          if (name === undefined) continue;
          waiting.delete(key);
          metrics.recordFetch(name, fetch.partition, fetch.highWatermark, fetch.position, at);
        }
      })
      .catch(() => undefined)
      .finally(() => {
        refreshing = false;
      });
  };
  if (topics.length > 0) refreshNames();
  const handlers = {
    asyncEnd(message: unknown) {
      const context = message as { client?: unknown; options?: FetchRequestShape; result?: FetchResponseShape; error?: unknown };
      if (context.client !== consumer || context.error || !context.options || !context.result) return;
      const at = now();
      for (const fetch of lagsFromFetch(context.options, context.result, positions)) {
        const name = names.get(fetch.topicId);
        if (name === undefined) {
          waiting.set(`${fetch.topicId}:${fetch.partition}`, fetch);
          refreshNames();
          continue;
        }
        metrics.recordFetch(name, fetch.partition, fetch.highWatermark, fetch.position, at);
      }
    },
  };
  consumerFetchesChannel.subscribe(handlers as never);
  return () => consumerFetchesChannel.unsubscribe(handlers as never);
}
