// Exact mode: when was the record at a committed offset produced? One small Fetch per partition leader reads
// the record batch that holds the offset, and the record's own timestamp is the answer.
//
// "The record at offset X" is the first data record at or after X: the next record the group will consume.
// That is the record at X itself whenever it exists; it differs only where X holds no data record — a
// transaction marker (control batch, never delivered to consumers) or a record removed by compaction.
// No record at or after X below the high watermark means there is nothing to consume yet: no time.
// Reads are read_uncommitted, like the log ends: a record of an aborted transaction can be the answer.
import { protocolErrorsCodesById, type API, type Admin, type ClusterMetadata, type KafkaRecord, type RecordsBatch, type fetchV17 } from '@platformatic/kafka';
import type { ScrapedGroup } from '../types.ts';
import { describeError } from './kafka.ts';
import { brokerApi, partialResponse } from './topic-churn.ts';

export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface RecordTimeError {
  topic: string;
  partition: number;
  /** The offset whose time could not be read; absent when the whole partition failed. */
  offset?: number;
  message: string;
}

/** topic → partition → offset → record timestamp (ms). */
export type RecordTimesByOffset = Map<string, Map<number, Map<number, number>>>;

export interface RecordTimesRead {
  times: RecordTimesByOffset;
  errors: RecordTimeError[];
  /** Fetch requests sent: the cost of the read. */
  fetches: number;
}

export interface RecordTimeOptions {
  /** Cluster metadata to find partition leaders and topic ids (read from the client when absent). */
  metadata?: ClusterMetadata;
  /** Bytes asked for per partition. The broker still returns a whole first batch when it is bigger. */
  partitionMaxBytes?: number;
}

export const DEFAULT_PARTITION_MAX_BYTES = 64 * 1024;
/** Fetches that may follow an offset without a data record (markers, compacted gaps) before giving up. */
const MAX_HOPS = 4;
/** Kafka's "timestamp type" attribute bit: set for LogAppendTime, where the batch's max timestamp is the time. */
const LOG_APPEND_TIME = 0x08;
/** Control batches (transaction markers) carry no data for consumers. */
const CONTROL_BATCH = 0x20;
const OFFSET_OUT_OF_RANGE = 1;
/** With session id 0, epoch -1 asks for a full fetch without creating a fetch session (KIP-227). */
const NO_SESSION_ID = 0;
const NO_SESSION_EPOCH = -1;
const READ_UNCOMMITTED = 0;

// ---------------------------------------------------------------------------------------------------
// Pure pieces

/** Distinct offsets per partition, ascending: topic → partition → offsets. */
export function uniquePositions(positions: Iterable<RecordPosition>): Map<string, Map<number, number[]>> {
  const sets = new Map<string, Map<number, Set<number>>>();
  for (const { topic, partition, offset } of positions) {
    let partitions = sets.get(topic);
    if (!partitions) sets.set(topic, (partitions = new Map()));
    let offsets = partitions.get(partition);
    if (!offsets) partitions.set(partition, (offsets = new Set()));
    offsets.add(offset);
  }
  const result = new Map<string, Map<number, number[]>>();
  for (const [topic, partitions] of sets) {
    const sorted = new Map<number, number[]>();
    for (const [partition, offsets] of partitions) sorted.set(partition, [...offsets].sort((a, b) => a - b));
    result.set(topic, sorted);
  }
  return result;
}

/** A record's timestamp (ms): its own (CreateTime), or the batch's for LogAppendTime topics; null when it has none. */
export function recordTimestamp(batch: Pick<RecordsBatch, 'attributes' | 'firstTimestamp' | 'maxTimestamp'>, record: Pick<KafkaRecord, 'timestampDelta'>): number | null {
  const time = batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta;
  return time < 0n || time > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(time);
}

export interface FoundRecord {
  offset: bigint;
  /** null: the record carries no timestamp (-1). */
  timestamp: number | null;
}

/** The first data record at or after `offset` in fetched batches (control batches skipped); undefined when none. */
export function firstRecordAtOrAfter(batches: readonly RecordsBatch[], offset: number | bigint): FoundRecord | undefined {
  const wanted = BigInt(offset);
  for (const batch of batches) {
    if (batch.attributes & CONTROL_BATCH) continue;
    if (batch.firstOffset + BigInt(batch.lastOffsetDelta) < wanted) continue;
    for (const record of batch.records) {
      const at = batch.firstOffset + BigInt(record.offsetDelta);
      if (at >= wanted) return { offset: at, timestamp: recordTimestamp(batch, record) };
    }
  }
  return undefined;
}

/** The last offset the fetched batches cover (control batches included), or null when there are none. */
export function lastCoveredOffset(batches: readonly RecordsBatch[]): bigint | null {
  const last = batches.at(-1);
  return last ? last.firstOffset + BigInt(last.lastOffsetDelta) : null;
}

/**
 * The positions exact mode reads: every committed offset of the accepted groups, except where the group is at
 * (or beyond) the log end read in the same cycle — no record there yet, nothing to fetch. `wanted` keeps who
 * asked, `positions` are deduplicated across groups.
 */
export function exactPositions(
  groups: ReadonlyMap<string, Pick<ScrapedGroup, 'committed'>>,
  accept: (group: string) => boolean,
  logEnd: ReadonlyMap<string, readonly (number | null)[]>,
): { wanted: { group: string; topic: string; partition: number; offset: number }[]; positions: RecordPosition[] } {
  const wanted: { group: string; topic: string; partition: number; offset: number }[] = [];
  const seen = new Set<string>();
  const positions: RecordPosition[] = [];
  for (const [group, { committed }] of groups) {
    if (!accept(group)) continue;
    for (const [topic, partitions] of committed) {
      const ends = logEnd.get(topic);
      for (const [partition, offset] of partitions) {
        const end = ends?.[partition];
        if (end !== undefined && end !== null && offset >= end) continue;
        wanted.push({ group, topic, partition, offset });
        const key = `${partition}\u0000${offset}\u0000${topic}`;
        if (seen.has(key)) continue;
        seen.add(key);
        positions.push({ topic, partition, offset });
      }
    }
  }
  return { wanted, positions };
}

/** Gives each group its record times: group → topic → partition → ms, for the positions that have one. */
export function recordTimesByGroup(wanted: readonly { group: string; topic: string; partition: number; offset: number }[], times: RecordTimesByOffset): Map<string, Map<string, Map<number, number>>> {
  const result = new Map<string, Map<string, Map<number, number>>>();
  for (const { group, topic, partition, offset } of wanted) {
    const time = times.get(topic)?.get(partition)?.get(offset);
    if (time === undefined) continue;
    let topics = result.get(group);
    if (!topics) result.set(group, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, time);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Reading

type FetchApi = API<Parameters<typeof fetchV17.createRequest>, fetchV17.FetchResponse>;
type FetchPartitionResponse = fetchV17.FetchResponsePartition;

/** One partition's progress: the offsets still unanswered and where the next fetch starts. */
export interface PartitionWork {
  topic: string;
  partition: number;
  pending: number[];
  cursor: number;
  /** The partition's batch did not fit beside others: fetch it in a request of its own. */
  alone: boolean;
  hops: number;
}

/**
 * Reads the timestamp of the record at each position (see the file comment for "at"). Positions with no record
 * yet are absent from `times` without an error; failures are absent with an error. Never throws.
 */
export async function readRecordTimes(admin: Admin, positions: Iterable<RecordPosition>, options: RecordTimeOptions = {}): Promise<RecordTimesRead> {
  const result: RecordTimesRead = { times: new Map(), errors: [], fetches: 0 };
  const work: PartitionWork[] = [];
  for (const [topic, partitions] of uniquePositions(positions)) {
    for (const [partition, pending] of partitions) work.push({ topic, partition, pending, cursor: pending[0]!, alone: false, hops: 0 });
  }
  if (work.length === 0) return result;

  const outcome = outcomes(result);
  const { failAll } = outcome;

  let api: FetchApi;
  let metadata: ClusterMetadata;
  try {
    api = await brokerApi(admin, 'Fetch');
    metadata = options.metadata ?? (await admin.metadata({ topics: [...new Set(work.map((w) => w.topic))] }));
  } catch (error) {
    for (const w of work) failAll(w, `fetch setup failed: ${describeError(error)}`);
    return result;
  }
  // Fetch up to v12 names topics; later versions use topic ids.
  const byName = api.version <= 12;
  const names = new Map<string, string>();
  // The client keeps internal topics in its metadata without details.
  for (const [name, topic] of metadata.topics) if (topic) names.set(topic.id, name);
  const partitionMaxBytes = options.partitionMaxBytes ?? DEFAULT_PARTITION_MAX_BYTES;

  // Rounds: each sends, per leader, one request for the partitions' cursors (plus one per partition whose
  // batch did not fit), in parallel. Every round answers or moves on at least one offset per partition.
  for (let active = work; active.length > 0; active = active.filter((w) => w.pending.length > 0)) {
    const requests = new Map<string, { leader: number; items: PartitionWork[] }>();
    for (const w of active) {
      const topicMetadata = metadata.topics.get(w.topic);
      const leader = topicMetadata?.partitions[w.partition]?.leader ?? -1;
      if (!topicMetadata || leader < 0 || !metadata.brokers.has(leader)) {
        failAll(w, `no leader known for ${w.topic}/${w.partition}`);
        continue;
      }
      const key = w.alone ? `${leader}/${w.topic}/${w.partition}` : `${leader}`;
      const request = requests.get(key) ?? { leader, items: [] };
      request.items.push(w);
      requests.set(key, request);
    }
    await Promise.all(
      [...requests.values()].map(async ({ leader, items }) => {
        result.fetches++;
        let response: fetchV17.FetchResponse;
        try {
          response = await sendFetch(admin, api, metadata, leader, items, byName, partitionMaxBytes);
        } catch (error) {
          for (const w of items) failAll(w, `fetch from broker ${leader} failed: ${describeError(error)}`);
          return;
        }
        const answers = new Map<string, FetchPartitionResponse>();
        for (const topic of response.responses) {
          const name = byName ? topic.topicId : (names.get(topic.topicId) ?? topic.topicId);
          for (const p of topic.partitions) answers.set(`${p.partitionIndex}/${name}`, p);
        }
        for (const w of items) {
          const answer = answers.get(`${w.partition}/${w.topic}`);
          if (!answer) failAll(w, `broker ${leader} left ${w.topic}/${w.partition} out of its fetch response`);
          else settle(w, answer, items.length > 1, outcome);
        }
      }),
    );
  }
  return result;
}

export interface Outcomes {
  record(w: PartitionWork, offset: number, time: number): void;
  error(w: PartitionWork, message: string, offset?: number): void;
  /** Gives up on every offset of the partition. */
  failAll(w: PartitionWork, message: string): void;
  /** Gives up on the partition's lowest offset and moves on to the next. */
  failHead(w: PartitionWork, message: string): void;
}

/** Where a read's answers and failures go: into `result`. */
export function outcomes(result: RecordTimesRead): Outcomes {
  const error = (w: PartitionWork, message: string, offset?: number) => {
    result.errors.push({ topic: w.topic, partition: w.partition, ...(offset === undefined ? {} : { offset }), message });
  };
  return {
    record(w, offset, time) {
      let partitions = result.times.get(w.topic);
      if (!partitions) result.times.set(w.topic, (partitions = new Map()));
      let offsets = partitions.get(w.partition);
      if (!offsets) partitions.set(w.partition, (offsets = new Map()));
      offsets.set(offset, time);
    },
    error,
    failAll(w, message) {
      error(w, message, w.pending.length === 1 ? w.pending[0] : undefined);
      w.pending = [];
    },
    failHead(w, message) {
      error(w, message, w.pending.shift());
      w.cursor = w.pending[0] ?? w.cursor;
      w.hops = 0;
    },
  };
}

/**
 * Applies one partition's fetch answer (`shared`: the request carried other partitions too): records the times
 * it determines and sets up the partition's next fetch, or finishes it.
 */
export function settle(w: PartitionWork, answer: FetchPartitionResponse, shared: boolean, outcome: Outcomes): void {
  if (answer.errorCode === OFFSET_OUT_OF_RANGE) {
    outcome.failHead(w, `offset ${w.pending[0]} is outside the log (below its start or beyond its end)`);
    return;
  }
  if (answer.errorCode !== 0) {
    outcome.failAll(w, `fetch error ${protocolErrorsCodesById[answer.errorCode] ?? answer.errorCode}`);
    return;
  }
  const batches = answer.records ?? [];
  const covered = lastCoveredOffset(batches);
  if (covered === null) {
    if (BigInt(w.cursor) >= answer.highWatermark) {
      w.pending = []; // nothing to consume at or after these offsets yet: no time, no error
    } else if (shared && !w.alone) {
      w.alone = true; // its first batch did not fit beside the other partitions' batches
    } else {
      outcome.failHead(w, `no complete record batch at offset ${w.cursor} (high watermark ${answer.highWatermark})`);
      w.alone = false;
    }
    return;
  }
  w.alone = false;
  while (w.pending.length > 0 && BigInt(w.pending[0]!) <= covered) {
    const offset = w.pending[0]!;
    const found = firstRecordAtOrAfter(batches, Math.max(offset, w.cursor));
    if (!found) break;
    w.pending.shift();
    w.hops = 0;
    if (found.timestamp === null) outcome.error(w, `the record at offset ${found.offset} has no timestamp`, offset);
    else outcome.record(w, offset, found.timestamp);
  }
  // Offsets at the high watermark, or with only markers between them and it: nothing to consume yet.
  const end = answer.highWatermark;
  w.pending = w.pending.filter((offset) => BigInt(offset) !== end && !(BigInt(offset) <= covered && covered + 1n >= end));
  if (w.pending.length === 0) return;
  if (BigInt(w.pending[0]!) <= covered) {
    // No data record between the offset and the end of what came back (markers, compacted gap): read on.
    if (++w.hops > MAX_HOPS) {
      outcome.failHead(w, `no data record within ${MAX_HOPS} fetches after offset ${w.pending[0]}`);
      return;
    }
    w.cursor = Number(covered + 1n);
  } else {
    w.cursor = w.pending[0]!;
    w.hops = 0;
  }
}

async function sendFetch(admin: Admin, api: FetchApi, metadata: ClusterMetadata, leader: number, items: PartitionWork[], byName: boolean, partitionMaxBytes: number): Promise<fetchV17.FetchResponse> {
  const topics = new Map<string, fetchV17.FetchRequestTopic>();
  for (const w of items) {
    const id = byName ? w.topic : metadata.topics.get(w.topic)!.id;
    const topic = topics.get(id) ?? { topicId: id, partitions: [] };
    topic.partitions.push({ partition: w.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(w.cursor), lastFetchedEpoch: -1, partitionMaxBytes });
    topics.set(id, topic);
  }
  const connection = await admin.connections.get(metadata.brokers.get(leader)!);
  const maxBytes = Math.min(partitionMaxBytes * items.length, 64 * 1024 * 1024);
  try {
    return await api.async(connection, 0, 0, maxBytes, READ_UNCOMMITTED, NO_SESSION_ID, NO_SESSION_EPOCH, [...topics.values()], [], '');
  } catch (error) {
    // A partition-level error fails the whole call in the client; the response is kept on the error.
    const response = partialResponse(error);
    if (response && 'responses' in response && (response as fetchV17.FetchResponse).errorCode === 0) return response as fetchV17.FetchResponse;
    throw error;
  }
}
