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
import type { GroupStatusName, PartitionResult, TimeLag, Trend } from '../../evaluator/index.ts';
import type {
  CycleReport,
  DeployEvent,
  DocKind,
  EventDoc,
  GroupDoc,
  GroupReport,
  HeartbeatDoc,
  OffsetMark,
  PartitionDetail,
  PartitionDoc,
  RebalanceEvent,
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
const FRACTION_FIELDS = new Set(['complete', 'lag_velocity']);

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

/** A duration as a whole number of ms (documents hold safe integers), or null when unknown or not finite. */
function wholeMs(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : Math.round(value);
}

/** Messages per second to 3 decimals (shorter JSON, and a `float` holds no more), or null. */
function perSecond(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const rounded = Math.round(value * 1000) / 1000;
  return rounded === 0 ? 0 : rounded;
}

function timeLagMs(t: TimeLag | undefined): number | null {
  return !t || t.kind === 'unknown' ? null : wholeMs(t.ms);
}

/** `lag_velocity`, `catch_up_ms`, `data_loss_ms` of a trend: null where the trend does not say. */
function trendFields(t: Trend | undefined): { lag_velocity: number | null; catch_up_ms: number | null; data_loss_ms: number | null } {
  if (!t || t.kind === 'unknown') return { lag_velocity: null, catch_up_ms: null, data_loss_ms: null };
  return {
    lag_velocity: perSecond(t.velocity),
    catch_up_ms: t.kind === 'catching-up' ? wholeMs(t.catchUpMs) : null,
    data_loss_ms: t.kind === 'falling-behind' ? wholeMs(t.dataLossMs) : null,
  };
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
    time_lag_ms: timeLagMs(p.timeLag),
    time_lag_kind: p.timeLag?.kind ?? 'unknown',
    ...trendFields(p.trend),
    log_start_offset: detail?.logStart ?? null,
  };
}

/** The status judged before a rebalance hold (the shown status when nothing is held). */
function judgedStatus(group: GroupReport): GroupStatusName {
  const hold = group.rebalance;
  return hold && (hold.kind === 'holding' || hold.kind === 'grace-expired') ? hold.judged : group.result.status;
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
    max_time_lag_ms: wholeMs(result.maxTimeLagMs),
    ...trendFields(result.trend),
    trend: result.trend?.kind ?? 'unknown',
    rebalancing: (group.rebalance?.kind ?? 'stable') !== 'stable',
    judged_status: judgedStatus(group),
    epoch: group.epoch,
  };
}

/** The membership fields of an event document that is not about membership: every field is in every document. */
const NO_MEMBERSHIP = {
  epoch: null,
  previous_epoch: null,
  state: null,
  previous_state: null,
  member_count: null,
  members_joined: null,
  members_left: null,
  client_ids: null,
  previous_client_ids: null,
  hosts: null,
  previous_hosts: null,
  offsets: null,
} as const satisfies Partial<EventDoc>;

/** At most this many partitions are listed in an event's message; `offsets` always has them all. */
const MESSAGE_OFFSETS = 32;

/**
 * Offsets as one line, e.g. `offsets: orders p0=1200 (lag 50), p1=1300; payments p0=none` — the committed
 * offset of each partition (`none`: no commit), its lag when it has one (`lag ?` when the log end is unknown),
 * topics in the order given, at most MESSAGE_OFFSETS partitions (the `offsets` field has them all).
 */
export function offsetsLine(offsets: readonly OffsetMark[]): string {
  if (offsets.length === 0) return 'offsets: none';
  const topics: string[] = [];
  let topic: string | null = null;
  let marks: string[] = [];
  const flush = (): void => {
    if (topic !== null) topics.push(`${topic} ${marks.join(', ')}`);
  };
  for (const o of offsets.slice(0, MESSAGE_OFFSETS)) {
    if (o.topic !== topic) {
      flush();
      topic = o.topic;
      marks = [];
    }
    const lag = o.committed === null ? '' : o.logEnd === null ? ' (lag ?)' : o.logEnd > o.committed ? ` (lag ${o.logEnd - o.committed})` : '';
    marks.push(`p${o.partition}=${o.committed ?? 'none'}${lag}`);
  }
  flush();
  const more = offsets.length - MESSAGE_OFFSETS;
  return `offsets: ${topics.join('; ')}${more > 0 ? `; and ${more} more partitions` : ''}`;
}

function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)].filter((v) => v !== '').sort();
}

/** `orders-2 (/10.0.0.2), orders-3 (/10.0.0.3, /10.0.0.4)`: members by client id, with their hosts. */
function memberList(members: RebalanceEvent['joined']): string {
  const hosts = new Map<string, string[]>();
  for (const m of members) {
    const id = m.clientId || m.memberId;
    if (!hosts.has(id)) hosts.set(id, []);
    if (m.host && !hosts.get(id)!.includes(m.host)) hosts.get(id)!.push(m.host);
  }
  return [...hosts].map(([id, on]) => (on.length > 0 ? `${id} (${on.join(', ')})` : id)).join(', ');
}

function rebalanceMessage(e: RebalanceEvent): string {
  const parts = [`group ${e.group}: rebalance`];
  if (e.previousEpoch !== e.epoch) parts.push(`epoch ${e.previousEpoch} → ${e.epoch}`);
  parts.push(e.previousState !== e.state ? `${e.previousState} → ${e.state}` : e.state);
  parts.push(`${e.memberCount} member${e.memberCount === 1 ? '' : 's'}`);
  let text = parts.join(', ');
  if (e.joined.length > 0) text += `; joined ${memberList(e.joined)}`;
  if (e.left.length > 0) text += `; left ${memberList(e.left)}`;
  return `${text}; ${offsetsLine(e.offsets)}`;
}

function deployMessage(e: DeployEvent): string {
  const list = (xs: readonly string[]) => (xs.length > 0 ? xs.join(', ') : 'none');
  const change = (name: string, before: readonly string[], after: readonly string[]) =>
    list(before) === list(after) ? `${name} ${list(after)} (unchanged)` : `${name} ${list(before)} → ${list(after)}`;
  const clients = change('client ids', e.clientIdsBefore, e.clientIds);
  const hosts = change('hosts', e.hostsBefore, e.hosts);
  return `group ${e.group}: deploy, ${clients}; ${hosts}; ${offsetsLine(e.offsets)}`;
}

/**
 * The document of an event. `group` is the group's report of the same cycle, when there is one: it gives a
 * deploy event the epoch, state and member count the event itself does not carry.
 */
export function eventDoc(event: WarrenEvent, group?: GroupReport): EventDoc {
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
      ...NO_MEMBERSHIP,
    };
  }
  const base: EventDoc = {
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
    message: '',
    ...NO_MEMBERSHIP,
  };
  switch (event.kind) {
    case 'group-gone':
      return { ...base, message: `group ${event.group}: gone (${event.why})` };
    case 'rebalance':
      return {
        ...base,
        message: rebalanceMessage(event),
        epoch: event.epoch,
        previous_epoch: event.previousEpoch,
        state: event.state,
        previous_state: event.previousState,
        member_count: event.memberCount,
        members_joined: distinct(event.joined.map((m) => m.clientId)),
        members_left: distinct(event.left.map((m) => m.clientId)),
        offsets: event.offsets,
      };
    case 'deploy': {
      const before = new Set(event.clientIdsBefore);
      const after = new Set(event.clientIds);
      return {
        ...base,
        message: deployMessage(event),
        epoch: group ? group.epoch : null,
        state: group ? group.state : null,
        member_count: group ? group.memberCount : null,
        members_joined: event.clientIds.filter((id) => !before.has(id)),
        members_left: event.clientIdsBefore.filter((id) => !after.has(id)),
        client_ids: event.clientIds,
        previous_client_ids: event.clientIdsBefore,
        hosts: event.hosts,
        previous_hosts: event.hostsBefore,
        offsets: event.offsets,
      };
    }
  }
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

/** The series key of an event's id: what tells it from other events of the same group at the same time. */
function eventKey(event: WarrenEvent): (string | number | null)[] {
  switch (event.kind) {
    case 'status-change':
      return [event.cluster, event.group, event.kind, event.from, event.to];
    case 'group-gone':
      return [event.cluster, event.group, event.kind, event.why];
    case 'rebalance':
      return [event.cluster, event.group, event.kind, event.previousEpoch, event.epoch, event.previousState, event.state];
    case 'deploy':
      return [event.cluster, event.group, event.kind, event.clientIds.join(',')];
  }
}

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
    // Groups whose membership changed this cycle, or that are rebalancing: in `changed` mode every partition of
    // theirs is written, so the new owners and client ids are on record (the canary split reads them).
    const moving = new Set<string>();
    if (changedOnly && !full) {
      for (const event of events) if (event.kind === 'rebalance' || event.kind === 'deploy') moving.add(event.group);
    }

    for (const group of report.groups) {
      const result = group.result;
      const wholeGroup = full || moving.has(group.group) || (group.rebalance !== undefined && group.rebalance.kind !== 'stable');
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
          if (!wholeGroup && !isBusy && !memory.busy.has(key)) {
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
    // Every event is its own document. Its id holds its time, so the same kind of event in another cycle is
    // another document; events of one cycle that share a key get ordinals 0, 1, … in the order given (a re-send
    // of the same cycle gives the same ids, so it is still stored once).
    const seen = new Map<string, number>();
    let reports: Map<string, GroupReport> | undefined;
    for (const event of events) {
      const key = eventKey(event);
      const seenKey = `${event.at}\u0000${key.join('\u0000')}`;
      const ordinal = seen.get(seenKey) ?? 0;
      seen.set(seenKey, ordinal + 1);
      let group: GroupReport | undefined;
      if (event.kind === 'deploy') {
        reports ??= new Map(report.groups.map((g) => [g.group, g]));
        group = event.cluster === report.cluster ? reports.get(event.group) : undefined;
      }
      add('event', event.at, key, eventDoc(event, group), `${event.cluster}/${event.group} ${event.kind}`, ordinal);
    }
    add('heartbeat', report.finishedAt, [report.cluster], heartbeatDoc(report), `${report.cluster} heartbeat`);

    if (changedOnly) {
      memory.cycles++;
      memory.busy = busy;
    }
    return { docs, refused, skipped };
  }
}
