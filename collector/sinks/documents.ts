// Elasticsearch documents from a cycle's report and events: one per group-partition, one per group, one per
// event and a heartbeat per cluster per cycle. Pure apart from the per-cluster memory of `changed` mode.
//
// Ids are deterministic, so a document sent twice (a retry after a timeout, a re-send after a restart) is
// stored once. 18 bytes, base64url → 24 characters: 6 bytes of the document's time in ms (big-endian), 8 bytes
// of SHA-1 over the kind and the series (cluster, group, topic…), 4 bytes of an ordinal (the partition).
// Ids of one cycle share their first bytes and a topic's partitions differ only in the last ones, so the
// `_id` terms dictionary compresses about as well as Elasticsearch's own time-based ids (measured: 8 B per
// document instead of 13 B for a plain hash).
import { createHash } from 'node:crypto';
import { STATUS_CODE } from '../../evaluator/index.ts';
import type { PartitionResult } from '../../evaluator/index.ts';
import type {
  CycleReport,
  DocKind,
  EventDoc,
  GroupDoc,
  GroupReport,
  HeartbeatDoc,
  PartitionDetail,
  PartitionDoc,
  WarrenEvent,
} from '../types.ts';

export type WarrenDoc = PartitionDoc | GroupDoc | EventDoc | HeartbeatDoc;

export interface BuiltDoc {
  kind: DocKind;
  index: string;
  id: string;
  doc: WarrenDoc;
}

export interface RefusedDoc {
  kind: DocKind;
  /** What was refused, for the log: cluster/group/topic/partition. */
  what: string;
  problem: string;
}

export interface BuildResult {
  docs: BuiltDoc[];
  refused: RefusedDoc[];
  /** Partition documents left out by `changed` mode. */
  skipped: number;
}

// ---------------------------------------------------------------------------------------------------
// Names and ids

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `<prefix>-<kind>-YYYY.MM.DD` for the UTC day of `timestampMs`. */
export function indexName(prefix: string, kind: DocKind, timestampMs: number): string {
  const d = new Date(timestampMs);
  return `${prefix}-${kind}-${pad(d.getUTCFullYear(), 4)}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

const DAY_MS = 86_400_000;

/** 8 bytes identifying a series: the kind and its key fields. */
export function seriesHash(kind: DocKind, key: readonly (string | number | null)[]): Buffer {
  const hash = createHash('sha1');
  hash.update(kind);
  for (const part of key) hash.update(`\u0000${part === null ? '\u0001' : String(part)}`);
  return hash.digest().subarray(0, 8);
}

/**
 * The deterministic `_id` of a document: its time, its series and an ordinal within the series (a partition).
 * An ordinal outside 0..2^32−1 is folded into the hash instead.
 */
export function documentId(kind: DocKind, timestampMs: number, key: readonly (string | number | null)[], ordinal = 0, series?: Buffer): string {
  const bytes = Buffer.allocUnsafe(18);
  bytes.writeUIntBE(Math.max(0, Math.min(timestampMs, 2 ** 48 - 1)), 0, 6);
  const inRange = Number.isInteger(ordinal) && ordinal >= 0 && ordinal <= 0xffffffff;
  (inRange ? (series ?? seriesHash(kind, key)) : seriesHash(kind, [...key, ordinal])).copy(bytes, 6, 0, 8);
  bytes.writeUInt32BE(inRange ? ordinal : 0, 14);
  return bytes.toString('base64url');
}

// ---------------------------------------------------------------------------------------------------
// Safe numbers

/** Fields that hold fractions; every other number in a document must be a safe integer. */
const FRACTION_FIELDS = new Set(['complete']);

/**
 * Why the document cannot be sent as is, or null. Every integer must be exactly representable
 * (|n| ≤ 2^53 − 1): JSON and Elasticsearch's `long` would keep it, but JavaScript already rounded it.
 */
export function unsafeNumber(doc: object): string | null {
  for (const key in doc) {
    const value = (doc as Record<string, unknown>)[key];
    if (typeof value !== 'number' || Number.isSafeInteger(value)) continue;
    if (!Number.isFinite(value)) return `${key} is ${value}`;
    if (!FRACTION_FIELDS.has(key)) return `${key} = ${value} is not a safe integer (above 2^53 - 1 it cannot be kept exact)`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// One document each

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function partitionDoc(cluster: string, group: GroupReport, p: PartitionResult, detail: PartitionDetail | undefined, timestamp = iso(group.observedAt)): PartitionDoc {
  return {
    '@timestamp': timestamp,
    cluster,
    group: group.group,
    topic: p.topic,
    partition: p.partition,
    committed_offset: detail ? detail.committed : (p.end?.offset ?? null),
    log_end_offset: detail ? detail.logEnd : null,
    lag: p.currentLag,
    status: p.status,
    status_code: STATUS_CODE[p.status],
    owner: detail?.host || p.owner,
    client_id: detail?.clientId || p.clientId,
    member_id: detail?.memberId ?? '',
    complete: p.complete,
    reason: p.reason.rule,
    reason_detail: JSON.stringify(p.reason),
  };
}

export function groupDoc(group: GroupReport): GroupDoc {
  const result = group.result;
  const worst = result.status === 'NOTFOUND' ? null : result.worst;
  return {
    '@timestamp': iso(group.observedAt),
    cluster: group.cluster,
    group: group.group,
    status: result.status,
    status_code: STATUS_CODE[result.status],
    total_lag: result.totallag,
    max_lag: result.maxlag?.currentLag ?? 0,
    max_lag_topic: result.maxlag?.topic ?? null,
    max_lag_partition: result.maxlag?.partition ?? null,
    partition_count: result.partitionCount,
    complete: result.complete,
    state: group.state,
    group_type: group.groupType,
    member_count: group.memberCount,
    reason: result.status === 'NOTFOUND' ? 'not-found' : worst ? worst.reason.rule : 'ok',
    reason_detail: worst ? JSON.stringify({ topic: worst.topic, partition: worst.partition, status: worst.status, ...worst.reason }) : '',
  };
}

export function eventDoc(event: WarrenEvent): EventDoc {
  if (event.kind === 'status-change') {
    const where = event.topic !== null ? ` (${event.topic}/${event.partition} ${event.partitionStatus ?? ''}${event.reason ? `: ${event.reason.rule}` : ''})` : '';
    return {
      '@timestamp': iso(event.at),
      cluster: event.cluster,
      group: event.group,
      kind: event.kind,
      from_status: event.from,
      to_status: event.to,
      from_code: STATUS_CODE[event.from],
      to_code: STATUS_CODE[event.to],
      topic: event.topic,
      partition: event.partition,
      reason: event.reason?.rule ?? (event.to === 'OK' ? 'ok' : ''),
      message: `group ${event.group}: ${event.from} → ${event.to}${where}`,
    };
  }
  return {
    '@timestamp': iso(event.at),
    cluster: event.cluster,
    group: event.group,
    kind: event.kind,
    from_status: null,
    to_status: null,
    from_code: null,
    to_code: null,
    topic: null,
    partition: null,
    reason: event.kind === 'group-gone' ? event.why : event.kind,
    message: event.kind === 'group-gone' ? `group ${event.group}: gone (${event.why})` : `group ${event.group}: ${event.kind}`,
  };
}

export function heartbeatDoc(report: CycleReport): HeartbeatDoc {
  return {
    '@timestamp': iso(report.finishedAt),
    cluster: report.cluster,
    ok: report.ok,
    cycle_duration_ms: report.durationMs,
    groups: report.groups.length,
    partitions: report.partitionCount,
    topics: report.topicCount,
    errors: report.errors.length,
    error_message: report.errors[0]?.message ?? null,
    negative_lag_clamped: report.negativeLagClamped,
    offsets_out_of_range: report.offsetsOutOfRange,
  };
}

// ---------------------------------------------------------------------------------------------------
// A whole cycle

const KIND_NUMBER: Record<DocKind, number> = { partition: 0, group: 1, event: 2, heartbeat: 3 };

export interface DocumentOptions {
  prefix: string;
  partitionDocs: 'all' | 'changed';
  fullSnapshotEvery: number;
}

interface ClusterMemory {
  cycles: number;
  /** Partitions (group\0topic\0partition) that had lag or a problem in the previous cycle. */
  busy: Set<string>;
}

/** Builds the documents of each cycle. Keeps, per cluster, what `changed` mode needs from the previous cycle. */
export class DocumentBuilder {
  readonly #options: DocumentOptions;
  readonly #clusters = new Map<string, ClusterMemory>();

  constructor(options: DocumentOptions) {
    this.#options = options;
  }

  build(report: CycleReport, events: readonly WarrenEvent[]): BuildResult {
    const { prefix } = this.#options;
    const docs: BuiltDoc[] = [];
    const refused: RefusedDoc[] = [];
    let skipped = 0;
    const indices = new Map<number, string>();
    const index = (kind: DocKind, ms: number): string => {
      const key = Math.floor(ms / DAY_MS) * 4 + KIND_NUMBER[kind];
      let name = indices.get(key);
      if (name === undefined) indices.set(key, (name = indexName(prefix, kind, ms)));
      return name;
    };
    const add = (kind: DocKind, ms: number, key: (string | number | null)[], doc: WarrenDoc, what: string, ordinal = 0, series?: Buffer): void => {
      const problem = unsafeNumber(doc);
      if (problem) {
        refused.push({ kind, what, problem });
        return;
      }
      docs.push({ kind, index: index(kind, ms), id: documentId(kind, ms, key, ordinal, series), doc });
    };

    const changedOnly = this.#options.partitionDocs === 'changed';
    let memory = this.#clusters.get(report.cluster);
    if (!memory) {
      memory = { cycles: 0, busy: new Set() };
      this.#clusters.set(report.cluster, memory);
    }
    const full = !changedOnly || memory.cycles % this.#options.fullSnapshotEvery === 0;
    const busy = new Set<string>();

    for (const group of report.groups) {
      const result = group.result;
      const timestamp = iso(group.observedAt);
      let topic: string | null = null;
      let series: Buffer | undefined;
      for (let i = 0; i < result.partitions.length; i++) {
        const p = result.partitions[i]!;
        const detail = group.details[i];
        const what = `${report.cluster}/${group.group}/${p.topic}/${p.partition}`;
        if (changedOnly) {
          const key = `${group.group}\u0000${p.topic}\u0000${p.partition}`;
          const isBusy = p.currentLag > 0 || p.status !== 'OK';
          if (isBusy) busy.add(key);
          // A partition that was busy last cycle gets one more document, so graphs come back down to zero.
          if (!full && !isBusy && !memory.busy.has(key)) {
            skipped++;
            continue;
          }
        }
        if (p.topic !== topic) {
          topic = p.topic;
          series = seriesHash('partition', [report.cluster, group.group, topic]);
        }
        add('partition', group.observedAt, [report.cluster, group.group, p.topic], partitionDoc(report.cluster, group, p, detail, timestamp), what, p.partition, series);
      }
      add('group', group.observedAt, [report.cluster, group.group], groupDoc(group), `${report.cluster}/${group.group}`);
    }
    for (const event of events) {
      const key = event.kind === 'status-change' ? [event.cluster, event.group, event.kind, event.from, event.to] : event.kind === 'group-gone' ? [event.cluster, event.group, event.kind, event.why] : [event.cluster, event.group, event.kind];
      add('event', event.at, key, eventDoc(event), `${event.cluster}/${event.group} ${event.kind}`);
    }
    add('heartbeat', report.finishedAt, [report.cluster], heartbeatDoc(report), `${report.cluster} heartbeat`);

    if (changedOnly) {
      memory.cycles++;
      memory.busy = busy;
    }
    return { docs, refused, skipped };
  }
}
