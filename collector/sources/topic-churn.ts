// Reads that survive a cluster changing under them: a topic deleted (or created) between ListTopics and the
// Metadata or ListOffsets requests of the same cycle, or a partition whose leader is moving. The client fails a
// whole call for one such topic or partition (and its "Unknown topic" message may name the wrong one), so:
// metadata is retried with a fresh topic list, then read topic by topic; offsets are listed per leader here,
// keeping the partitions that answered and reporting the others by their own topic and partition.
import { ResponseError, kGetApi, protocolErrorsCodesById, type API, type Admin, type ClusterMetadata } from '@platformatic/kafka';

/** Protocol errors a topic or partition gives while it is being deleted, created or moved to another leader. */
const CHURN_CODES = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
]);

/** Whether a client error (at any depth) comes from a topic or partition changing, rather than the cluster failing. */
export function isTopicChurnError(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): boolean => {
    if (!(e instanceof Error) || seen.has(e) || depth > 10) return false;
    seen.add(e);
    const { apiCode, errors, cause } = e as Error & { apiCode?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof apiCode === 'number' && CHURN_CODES.has(apiCode)) return true;
    // The client's own summary of UNKNOWN_TOPIC_OR_PARTITION in Metadata (the name in it may be wrong).
    if (/^Unknown (topic|partition)\b/.test(e.message)) return true;
    return (Array.isArray(errors) && errors.some((n) => visit(n, depth + 1))) || visit(cause, depth + 1);
  };
  return visit(error, 0);
}

export interface TopicFailure {
  topic: string;
  error: unknown;
}

/**
 * Metadata of the cluster's topics, tolerating topics that vanish mid-read: `listTopics` then one Metadata
 * request; if a topic changed in between, once more with a fresh list; if that too fails for a topic, one
 * request per topic, skipping those that fail (returned in `skipped`). Any other error is thrown.
 */
export async function readMetadata(admin: Admin): Promise<{ metadata: ClusterMetadata; skipped: TopicFailure[] }> {
  for (let attempt = 0; ; attempt++) {
    const names = await admin.listTopics({ includeInternals: true });
    try {
      return { metadata: await admin.metadata({ topics: [...names], forceUpdate: true }), skipped: [] };
    } catch (error) {
      if (!isTopicChurnError(error)) throw error;
      if (attempt === 0) continue;
      return metadataPerTopic(admin, names);
    }
  }
}

async function metadataPerTopic(admin: Admin, names: string[]): Promise<{ metadata: ClusterMetadata; skipped: TopicFailure[] }> {
  const results = await Promise.allSettled(names.map((name) => admin.metadata({ topics: [name], forceUpdate: true })));
  const skipped: TopicFailure[] = [];
  let merged: ClusterMetadata | null = null;
  for (const [i, result] of results.entries()) {
    const name = names[i]!;
    if (result.status === 'rejected') {
      if (!isTopicChurnError(result.reason)) throw result.reason;
      skipped.push({ topic: name, error: result.reason });
      continue;
    }
    merged ??= { ...result.value, topics: new Map() };
    merged.topics.set(name, result.value.topics.get(name)!);
  }
  // Every topic vanished: the cluster answered, with no topics.
  merged ??= { ...(await admin.metadata({ topics: [], forceUpdate: true })), topics: new Map() };
  return { metadata: merged, skipped };
}

// ---------------------------------------------------------------------------------------------------
// ListOffsets per leader

export interface OffsetsRequestTopic {
  name: string;
  partitions: number[];
}

interface ListOffsetsPartition {
  partitionIndex: number;
  currentLeaderEpoch: number;
  timestamp: bigint;
}
interface ListOffsetsRequestTopic {
  name: string;
  partitions: ListOffsetsPartition[];
}
interface ListOffsetsResponse {
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number; offset: bigint }[] }[];
}
type ListOffsetsApi = API<[replica: number, isolationLevel: number, topics: ListOffsetsRequestTopic[]], ListOffsetsResponse>;

export interface PartitionFailure {
  topic: string;
  partition: number;
  message: string;
}

export interface ListedOffsets {
  /** topic → partition → offset, for the partitions that answered. */
  offsets: Map<string, Map<number, bigint>>;
  failed: PartitionFailure[];
}

/**
 * Groups the wanted partitions by their leader in `metadata`. Partitions without a known leader (topic gone,
 * leader being elected) are returned in `failed`. The leader epoch is not sent (-1): a stale epoch would only
 * turn an answer into an error.
 */
export function planByLeader(metadata: Pick<ClusterMetadata, 'topics' | 'brokers'>, topics: readonly OffsetsRequestTopic[], timestamp: bigint): { byLeader: Map<number, ListOffsetsRequestTopic[]>; failed: PartitionFailure[] } {
  const byLeader = new Map<number, ListOffsetsRequestTopic[]>();
  const failed: PartitionFailure[] = [];
  for (const { name, partitions } of topics) {
    const topic = metadata.topics.get(name);
    for (const partition of partitions) {
      const leader = topic?.partitions[partition]?.leader ?? -1;
      if (leader < 0 || !metadata.brokers.has(leader)) {
        failed.push({ topic: name, partition, message: topic ? `no leader known for ${name}/${partition}` : `topic ${name} has no metadata` });
        continue;
      }
      let requests = byLeader.get(leader);
      if (!requests) byLeader.set(leader, (requests = []));
      let request = requests.find((r) => r.name === name);
      if (!request) requests.push((request = { name, partitions: [] }));
      request.partitions.push({ partitionIndex: partition, currentLeaderEpoch: -1, timestamp });
    }
  }
  return { byLeader, failed };
}

/**
 * Takes one leader's answer into `into`: the offsets of the partitions without error, a failure naming the
 * topic and partition for the others, and for any partition asked but left out of the answer.
 */
export function takeAnswer(asked: readonly ListOffsetsRequestTopic[], response: ListOffsetsResponse, leader: number, into: ListedOffsets): void {
  const answered = new Set<string>();
  for (const topic of response.topics) {
    for (const p of topic.partitions) {
      answered.add(`${p.partitionIndex}/${topic.name}`);
      if (p.errorCode !== 0) {
        into.failed.push({ topic: topic.name, partition: p.partitionIndex, message: `broker ${leader}: ${protocolErrorsCodesById[p.errorCode] ?? `error ${p.errorCode}`}` });
        continue;
      }
      let partitions = into.offsets.get(topic.name);
      if (!partitions) into.offsets.set(topic.name, (partitions = new Map()));
      partitions.set(p.partitionIndex, p.offset);
    }
  }
  for (const topic of asked) {
    for (const p of topic.partitions) {
      if (!answered.has(`${p.partitionIndex}/${topic.name}`)) into.failed.push({ topic: topic.name, partition: p.partitionIndex, message: `broker ${leader} left ${topic.name}/${p.partitionIndex} out of its answer` });
    }
  }
}

/**
 * The response a ResponseError carries: a partition- or group-level error fails the whole call in the client,
 * with the rest of the answer kept on the error. Undefined for any other error.
 */
export function partialResponse(error: unknown): object | undefined {
  const response = error instanceof ResponseError ? (error as ResponseError & { response?: unknown }).response : undefined;
  return response && typeof response === 'object' ? response : undefined;
}

/** The partial answer a ListOffsets ResponseError carries. */
function partialAnswer(error: unknown): ListOffsetsResponse | undefined {
  const response = partialResponse(error);
  return response && Array.isArray((response as ListOffsetsResponse).topics) ? (response as ListOffsetsResponse) : undefined;
}

/**
 * ListOffsets for the given partitions at `timestamp` (-1: log end, -2: log start), one request per leader of
 * `metadata`, in parallel. Partition errors become `failed` entries; a leader that cannot be reached at all
 * (after one retry) throws, as the cluster is then not readable.
 */
export async function listOffsetsByLeader(admin: Admin, metadata: ClusterMetadata, topics: readonly OffsetsRequestTopic[], timestamp: bigint, options: { isolationLevel?: number; retryDelay?: number } = {}): Promise<ListedOffsets> {
  const { byLeader, failed } = planByLeader(metadata, topics, timestamp);
  const result: ListedOffsets = { offsets: new Map(), failed };
  if (byLeader.size === 0) return result;
  const api: ListOffsetsApi = await brokerApi(admin, 'ListOffsets');
  await Promise.all(
    [...byLeader].map(async ([leader, asked]) => {
      let response: ListOffsetsResponse;
      for (let attempt = 0; ; attempt++) {
        try {
          const connection = await admin.connections.get(metadata.brokers.get(leader)!);
          response = await api.async(connection, -1, options.isolationLevel ?? 0, asked);
          break;
        } catch (error) {
          const partial = partialAnswer(error);
          if (partial) {
            response = partial;
            break;
          }
          if (attempt >= 1) throw error;
          await new Promise((resolve) => setTimeout(resolve, options.retryDelay ?? 250));
        }
      }
      takeAnswer(asked, response, leader, result);
    }),
  );
  return result;
}

/** The version of API `name` the client and the cluster agree on (the client caches the broker's ApiVersions). */
export function brokerApi<Request extends unknown[], Response>(admin: Admin, name: string): Promise<API<Request, Response>> {
  return new Promise((resolve, reject) => {
    admin[kGetApi]<Request, Response>(name, (error, api) => (error || !api ? reject(error ?? new Error(`no ${name} API`)) : resolve(api)));
  });
}
