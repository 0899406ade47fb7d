// The Kafka source: one cycle's read of one cluster with @platformatic/kafka's admin client.
// Order matters: committed offsets are read before log-end offsets, so a lag can only be overstated by the
// time between the two reads, never negative. Log-start offsets are read alongside the log ends; in exact mode
// the record times at the committed offsets come last (record-time.ts). Topics deleted or created mid-cycle and
// moving partition leaders are read around (topic-churn.ts).
import { readFileSync } from 'node:fs';
import { Admin, consumerGroupDescribeV0, type ClusterMetadata } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { readSecret, type ClusterConfig } from '../config.ts';
import type {
  ClusterScrape,
  GroupDescription,
  MemberInfo,
  ScrapeError,
  ScrapeStage,
  ScrapedGroup,
  TopicMetadata,
} from '../types.ts';
import { exactPositions, readRecordTimes, recordTimesByGroup } from './record-time.ts';
import { listOffsetsByLeader, partialResponse, readMetadata, type ListedOffsets } from './topic-churn.ts';

/** Group protocol types a consumer-lag monitor looks at: consumers, and groups that only commit (assign()). */
const CONSUMER_PROTOCOL_TYPES = new Set(['consumer', '']);

export class KafkaSourceError extends Error {
  override readonly name = 'KafkaSourceError';
  readonly stage: ScrapeStage;
  constructor(stage: ScrapeStage, message: string) {
    super(message);
    this.stage = stage;
  }
}

/**
 * A short, single-line description of a client error, without stack or secrets: the client's own summary and
 * the root cause it wraps (the client nests errors several levels deep, e.g. "Listing topics failed" →
 * "connect ECONNREFUSED 127.0.0.1:9092").
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const clean = (text: string) => text.replace(/\s+/g, ' ').replace(/\.$/, '').trim();
  let root: Error = error;
  for (let depth = 0; depth < 10; depth++) {
    const nested = (root as Error & { errors?: unknown[] }).errors;
    const next = Array.isArray(nested) && nested.length > 0 ? nested[0] : (root as Error & { cause?: unknown }).cause;
    if (!(next instanceof Error) || next === root) break;
    root = next;
  }
  const top = clean(error.message);
  const cause = clean(root.message);
  return root === error || top.includes(cause) ? top : `${top}: ${cause}`;
}

/** Converts a broker's int64 to a number, refusing (null) values above 2^53 rather than rounding them. */
export function safeOffset(value: bigint): number | null {
  if (value < 0n) return null;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}

export function groupFilter(config: Pick<ClusterConfig, 'groupAllowlist' | 'groupDenylist'>): (group: string) => boolean {
  const allow = config.groupAllowlist ? new RegExp(config.groupAllowlist) : null;
  const deny = config.groupDenylist ? new RegExp(config.groupDenylist) : null;
  return (group) => (allow === null || allow.test(group)) && (deny === null || !deny.test(group));
}

/** The groups read in exact mode (`exactTimeLagGroups`, unanchored); null when none are. */
export function exactGroupFilter(config: Pick<ClusterConfig, 'exactTimeLagGroups'>): ((group: string) => boolean) | null {
  if (!config.exactTimeLagGroups) return null;
  const exact = new RegExp(config.exactTimeLagGroups);
  return (group) => exact.test(group);
}

/** Client options for a cluster: TLS and SASL from the config, secrets read from files when given so. */
export function clientOptions(cluster: string, config: ClusterConfig) {
  const options: ConstructorParameters<typeof Admin>[0] = {
    clientId: config.clientId,
    bootstrapBrokers: config.brokers,
    timeout: config.requestTimeout,
    requestTimeout: config.requestTimeout,
    connectTimeout: config.connectTimeout,
    retries: 1,
    retryDelay: 250,
    metadataMaxAge: 5_000,
  };
  if (config.tls.enabled) {
    options.tls = {
      rejectUnauthorized: !config.tls.insecureSkipVerify,
      ...(config.tls.caFile ? { ca: readFileSync(config.tls.caFile) } : {}),
      ...(config.tls.certFile ? { cert: readFileSync(config.tls.certFile) } : {}),
      ...(config.tls.keyFile ? { key: readFileSync(config.tls.keyFile) } : {}),
    };
  }
  if (config.sasl) {
    const password = readSecret(config.sasl.password, config.sasl.passwordFile, `clusters.${cluster}.sasl.password`);
    options.sasl = { mechanism: config.sasl.mechanism, username: config.sasl.username, password: password ?? '' };
  }
  return options;
}

export class KafkaSource {
  readonly cluster: string;
  readonly #config: ClusterConfig;
  readonly #logger: Logger;
  readonly #accept: (group: string) => boolean;
  readonly #exact: ((group: string) => boolean) | null;
  #admin: Admin | null = null;

  constructor(cluster: string, config: ClusterConfig, logger: Logger) {
    this.cluster = cluster;
    this.#config = config;
    this.#logger = logger;
    this.#accept = groupFilter(config);
    this.#exact = exactGroupFilter(config);
  }

  #client(): Admin {
    if (this.#admin === null || this.#admin.closed) this.#admin = new Admin(clientOptions(this.cluster, this.#config));
    return this.#admin;
  }

  /** Drops the client, so the next cycle starts with fresh connections (after a failure). */
  async #reset(): Promise<void> {
    const admin = this.#admin;
    this.#admin = null;
    if (admin) await admin.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.#reset();
  }

  /** Reads the cluster once. Never throws: failures are returned as errors, with `reachable: false`. */
  async scrape(now: () => number = Date.now): Promise<ClusterScrape> {
    const startedAt = now();
    const scrape: ClusterScrape = {
      cluster: this.cluster,
      startedAt,
      finishedAt: startedAt,
      topics: new Map(),
      logEnd: new Map(),
      logStart: new Map(),
      recordTimes: new Map(),
      groups: new Map(),
      errors: [],
      reachable: false,
    };
    try {
      await this.#read(scrape);
      scrape.reachable = true;
    } catch (error) {
      const stage = error instanceof KafkaSourceError ? error.stage : 'connect';
      scrape.errors.push({ cluster: this.cluster, stage, message: error instanceof KafkaSourceError ? error.message : describeError(error) });
      await this.#reset();
    }
    scrape.finishedAt = now();
    return scrape;
  }

  async #stage<T>(stage: ScrapeStage, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new KafkaSourceError(stage, `${stage} failed: ${describeError(error)}`);
    }
  }

  async #read(scrape: ClusterScrape): Promise<void> {
    const admin = this.#client();
    // 1. Topics and partitions.
    // A topic deleted or created meanwhile is retried around, never a failed cycle (topic-churn.ts).
    const { metadata, skipped } = await this.#stage('metadata', () => readMetadata(admin));
    for (const { topic, error } of skipped) {
      scrape.errors.push({ cluster: this.cluster, stage: 'metadata', topic, message: `metadata of ${topic} not read this cycle: ${describeError(error)}` });
    }
    for (const [name, topic] of metadata.topics) {
      // The client leaves internal topics (__consumer_offsets) without metadata: they carry no consumer lag.
      if (!topic) continue;
      scrape.topics.set(name, { name, partitions: topic.partitionsCount, internal: name.startsWith('__') });
    }

    // 2. Groups, filtered by allowlist/denylist.
    // The client lists only classic groups unless asked; KIP-848 groups are type `consumer`.
    const listed = await this.#stage('list-groups', () => admin.listGroups({ types: ['classic', 'consumer'] }));
    const classic: string[] = [];
    const consumer: string[] = [];
    for (const [id, group] of listed) {
      if (!CONSUMER_PROTOCOL_TYPES.has(group.protocolType ?? '') || !this.#accept(id)) continue;
      if (group.groupType === 'consumer') consumer.push(id);
      else classic.push(id);
    }

    // 3. State and members.
    const descriptions = new Map<string, GroupDescription>();
    if (classic.length > 0) {
      const described = await this.#stage('describe-groups', () => admin.describeGroups({ groups: classic }));
      for (const id of classic) {
        const group = described.get(id);
        const summary = listed.get(id)!;
        descriptions.set(id, {
          group: id,
          groupType: summary.groupType === 'classic' || summary.groupType === undefined ? 'classic' : 'unknown',
          protocolType: group?.protocolType ?? summary.protocolType,
          state: group?.state ?? summary.state,
          epoch: -1,
          members: group ? [...group.members.values()].map(classicMember) : [],
        });
      }
    }
    if (consumer.length > 0) {
      for (const description of await this.#describeConsumerGroups(admin, consumer, scrape.errors)) {
        descriptions.set(description.group, description);
      }
    }

    // 4. Committed offsets, before log-end offsets.
    const groupIds = [...descriptions.keys()];
    if (groupIds.length > 0) {
      const offsets = await this.#stage('offset-fetch', () => admin.listConsumerGroupOffsets({ groups: groupIds }));
      for (const entry of offsets) {
        const committed = new Map<string, Map<number, number>>();
        for (const topic of entry.topics) {
          const partitions = new Map<number, number>();
          for (const p of topic.partitions) {
            if (p.committedOffset < 0n) continue;
            const offset = safeOffset(p.committedOffset);
            if (offset === null) {
              scrape.errors.push(outOfRange(this.cluster, 'offset-fetch', topic.name, p.partitionIndex, p.committedOffset, entry.groupId));
              continue;
            }
            partitions.set(p.partitionIndex, offset);
          }
          if (partitions.size > 0) committed.set(topic.name, partitions);
        }
        const description = descriptions.get(entry.groupId);
        if (description) scrape.groups.set(entry.groupId, { description, committed } satisfies ScrapedGroup);
      }
      for (const [id, description] of descriptions) {
        if (!scrape.groups.has(id)) scrape.groups.set(id, { description, committed: new Map() });
      }
    }

    // 5. Log-end offsets (timestamp -1) and log-start offsets (-2), one request per partition leader.
    // A partition that does not answer (topic deleted since the metadata, leader moving) is reported and keeps a
    // null log end: not read this cycle. Only the log ends are essential: a failed log-start read leaves nulls.
    const wanted = [...scrape.topics.values()].filter((topic) => topic.partitions > 0).map((topic) => ({ name: topic.name, partitions: range(topic.partitions) }));
    for (const topic of scrape.topics.values()) {
      scrape.logEnd.set(topic.name, new Array<number | null>(topic.partitions).fill(null));
      scrape.logStart!.set(topic.name, new Array<number | null>(topic.partitions).fill(null));
    }
    if (wanted.length > 0) {
      const options = { isolationLevel: 0, retryDelay: 250 };
      const [ends, starts] = await Promise.allSettled([
        this.#stage('list-offsets', () => listOffsetsByLeader(admin, metadata, wanted, -1n, options)),
        listOffsetsByLeader(admin, metadata, wanted, -2n, options),
      ]);
      if (ends.status === 'rejected') throw ends.reason;
      this.#fillOffsets(scrape, scrape.logEnd, ends.value, 'log-end');
      if (starts.status === 'fulfilled') this.#fillOffsets(scrape, scrape.logStart!, starts.value, 'log-start');
      else scrape.errors.push({ cluster: this.cluster, stage: 'list-offsets', message: `list-offsets (log-start) failed: ${describeError(starts.reason)}` });
    }

    // 6. Exact mode: the time of the record at each committed offset of the groups configured for it.
    if (this.#exact) await this.#readRecordTimes(admin, metadata, scrape, this.#exact);
  }

  #fillOffsets(scrape: ClusterScrape, into: Map<string, (number | null)[]>, listed: ListedOffsets, which: 'log-end' | 'log-start'): void {
    for (const [topic, partitions] of listed.offsets) {
      const offsets = into.get(topic);
      if (!offsets) continue;
      for (const [partition, value] of partitions) {
        const offset = safeOffset(value);
        if (offset === null && value >= 0n) scrape.errors.push(outOfRange(this.cluster, 'list-offsets', topic, partition, value));
        offsets[partition] = offset;
      }
    }
    for (const { topic, partition, message } of listed.failed) {
      scrape.errors.push({ cluster: this.cluster, stage: 'list-offsets', topic, partition, message: `list-offsets (${which}) of ${topic}/${partition}: ${message}` });
    }
  }

  /** Fills `scrape.recordTimes`; failures become `record-time` errors, never a failed cycle. */
  async #readRecordTimes(admin: Admin, metadata: ClusterMetadata, scrape: ClusterScrape, accept: (group: string) => boolean): Promise<void> {
    const { wanted, positions } = exactPositions(scrape.groups, accept, scrape.logEnd);
    if (positions.length === 0) return;
    try {
      const read = await readRecordTimes(admin, positions, { metadata });
      scrape.recordTimes = recordTimesByGroup(wanted, read.times);
      for (const error of read.errors) {
        scrape.errors.push({ cluster: this.cluster, stage: 'record-time', topic: error.topic, partition: error.partition, message: `record-time: ${error.message}` });
      }
      this.#logger.debug({ cluster: this.cluster, positions: positions.length, fetches: read.fetches, errors: read.errors.length }, 'record times read');
    } catch (error) {
      scrape.errors.push({ cluster: this.cluster, stage: 'record-time', message: `record-time failed: ${describeError(error)}` });
    }
  }

  /** KIP-848 groups: ConsumerGroupDescribe (API 69) sent to each group's coordinator. */
  async #describeConsumerGroups(admin: Admin, groups: string[], errors: ScrapeError[]): Promise<GroupDescription[]> {
    const coordinators = await this.#stage('describe-groups', () => admin.findCoordinator({ keyType: 0, keys: groups }));
    const byBroker = new Map<string, { host: string; port: number; groups: string[] }>();
    for (const coordinator of coordinators) {
      const key = `${coordinator.host}:${coordinator.port}`;
      const entry = byBroker.get(key) ?? { host: coordinator.host, port: coordinator.port, groups: [] };
      entry.groups.push(coordinator.key);
      byBroker.set(key, entry);
    }
    const results: GroupDescription[] = [];
    for (const { host, port, groups: ids } of byBroker.values()) {
      const connection = await this.#stage('describe-groups', () => admin.connections.get({ host, port }));
      let response: consumerGroupDescribeV0.ConsumerGroupDescribeResponse;
      try {
        response = await consumerGroupDescribeV0.api.async(connection, ids, false);
      } catch (error) {
        // A per-group error (e.g. the group vanished since ListGroups) fails the whole response in the client;
        // keep the groups that did answer and report the others.
        const partial = partialResponse(error);
        if (!partial || !('groups' in partial)) {
          throw new KafkaSourceError('describe-groups', `describe-groups failed: ${describeError(error)}`);
        }
        response = partial as consumerGroupDescribeV0.ConsumerGroupDescribeResponse;
      }
      for (const group of response.groups) {
        if (group.errorCode !== 0) {
          errors.push({ cluster: this.cluster, stage: 'describe-groups', group: group.groupId, message: `ConsumerGroupDescribe error ${group.errorCode}${group.errorMessage ? `: ${group.errorMessage}` : ''}` });
          continue;
        }
        results.push({
          group: group.groupId,
          groupType: 'consumer',
          protocolType: 'consumer',
          state: group.groupState,
          epoch: group.groupEpoch,
          members: group.members.map((member) => ({
            memberId: member.memberId,
            groupInstanceId: member.instanceId ?? null,
            clientId: member.clientId,
            host: member.clientHost,
            assignments: member.assignment.topicPartitions.map((tp) => ({ topic: tp.topicName, partitions: [...tp.partitions].sort((a, b) => a - b) })),
          })),
        });
      }
    }
    return results;
  }
}

function classicMember(member: { id: string; groupInstanceId?: string | null; clientId: string; clientHost: string; assignments?: Map<string, { topic: string; partitions: number[] }> }): MemberInfo {
  return {
    memberId: member.id,
    groupInstanceId: member.groupInstanceId ?? null,
    clientId: member.clientId,
    host: member.clientHost,
    assignments: member.assignments ? [...member.assignments.values()].map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) })) : [],
  };
}

function outOfRange(cluster: string, stage: ScrapeStage, topic: string, partition: number, value: bigint, group?: string): ScrapeError {
  return {
    cluster,
    stage,
    topic,
    partition,
    ...(group ? { group } : {}),
    code: 'offset-out-of-range',
    message: `offset ${value} is above 2^53 and cannot be kept exact; refused`,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export type { TopicMetadata };
