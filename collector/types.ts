// Shapes shared between the collector's stages: source (Kafka) → tracker/evaluator → sinks (Elasticsearch,
// HTTP API, metrics). Types only: no code that runs lives here.
import type {
  GroupResult,
  GroupStatusName,
  OffsetEntry,
  RebalanceHold,
  TimeLag,
  Trend,
  PartitionReason,
  PartitionStatusName,
} from '../evaluator/index.ts';

// ---------------------------------------------------------------------------------------------------
// What the Kafka source reads from one cluster in one cycle.

export interface TopicMetadata {
  name: string;
  partitions: number;
  internal: boolean;
}

export interface MemberAssignment {
  topic: string;
  partitions: number[];
}

export interface MemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  /** Client host as the broker reports it, e.g. "/10.0.0.12". Burrow calls this the owner. */
  host: string;
  assignments: MemberAssignment[];
}

/** `classic` groups are described with DescribeGroups, `consumer` (KIP-848) ones with ConsumerGroupDescribe. */
export type GroupType = 'classic' | 'consumer' | 'unknown';

export interface GroupDescription {
  group: string;
  groupType: GroupType;
  protocolType: string;
  /** Broker state: Stable, Empty, PreparingRebalance, CompletingRebalance, Reconciling, Assigning, Dead, … */
  state: string;
  /** Generation (classic) or group epoch (consumer); -1 when unknown. */
  epoch: number;
  members: MemberInfo[];
}

export type ScrapeStage = 'connect' | 'metadata' | 'list-groups' | 'describe-groups' | 'offset-fetch' | 'list-offsets' | 'record-time';

export interface ScrapeError {
  cluster: string;
  stage: ScrapeStage;
  message: string;
  /** Set for errors counted on their own: an offset above 2^53, refused rather than rounded. */
  code?: 'offset-out-of-range';
  group?: string;
  topic?: string;
  partition?: number;
}

/** One cycle's raw read of a cluster. Committed offsets are read before log-end offsets. */
export interface ClusterScrape {
  cluster: string;
  startedAt: number;
  finishedAt: number;
  topics: Map<string, TopicMetadata>;
  /** Log-end offset per topic, indexed by partition; null when it could not be read. */
  logEnd: Map<string, (number | null)[]>;
  /** Log-start offset per topic (the oldest offset retention kept), indexed by partition; null when unknown. */
  logStart?: Map<string, (number | null)[]>;
  /**
   * Exact mode: when the record at a group's committed offset was produced (its timestamp, ms), for the groups
   * configured for it: group → topic → partition → time. Absent where it could not be read (no record there yet).
   */
  recordTimes?: Map<string, Map<string, Map<number, number>>>;
  groups: Map<string, ScrapedGroup>;
  errors: ScrapeError[];
  /** Whether the cluster answered at all (metadata read); false means everything else is empty. */
  reachable: boolean;
}

export interface ScrapedGroup {
  description: GroupDescription;
  /** Committed offsets: topic → partition → offset. Partitions with no commit (-1) are absent. */
  committed: Map<string, Map<number, number>>;
}

// ---------------------------------------------------------------------------------------------------
// After evaluation.

/** Per-partition facts that Burrow's status object lacks, aligned index by index with `result.partitions`. */
export interface PartitionDetail {
  topic: string;
  partition: number;
  committed: number | null;
  logEnd: number | null;
  logStart: number | null;
  memberId: string;
  host: string;
  clientId: string;
}

export interface GroupReport {
  cluster: string;
  group: string;
  observedAt: number;
  state: string;
  groupType: GroupType;
  memberCount: number;
  /** Generation (classic groups: -1, DescribeGroups does not tell it) or group epoch (KIP-848). */
  epoch: number;
  /**
   * The evaluator's judgement; partitions sorted by topic, then partition. While the group rebalances within
   * the grace period, `result.status` is the held status (see `rebalance`), the partitions keep their verdicts.
   */
  result: GroupResult;
  /** Whether the status is held back because the group is rebalancing. */
  rebalance: RebalanceHold;
  details: PartitionDetail[];
}

export interface CycleReport {
  cluster: string;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** False when the cluster could not be read at all this cycle. */
  ok: boolean;
  groups: GroupReport[];
  topicCount: number;
  partitionCount: number;
  errors: ScrapeError[];
  /** Partitions whose log-end was below the committed offset this cycle (lag clamped to 0). */
  negativeLagClamped: number;
  /** Offsets above Number.MAX_SAFE_INTEGER refused this cycle (never rounded). */
  offsetsOutOfRange: number;
}

/** Events are discriminated on `kind`. */
export type WarrenEvent = StatusChangeEvent | GroupGoneEvent | RebalanceEvent | DeployEvent;

/** A member as events name it. */
export interface MemberRef {
  memberId: string;
  clientId: string;
  host: string;
  instanceId: string | null;
}

/** A partition's position at the moment of an event: what was committed then (null: nothing) and the log end. */
export interface OffsetMark {
  topic: string;
  partition: number;
  committed: number | null;
  logEnd: number | null;
}

/**
 * The membership of a group changed since the last cycle: members joined or left, the epoch (KIP-848) moved,
 * or the group entered a rebalancing state. Carries every partition's committed offset at that moment, so data
 * handled before and after the change can be told apart (the seed's "log the offsets at deploy time").
 */
export interface RebalanceEvent {
  kind: 'rebalance';
  cluster: string;
  group: string;
  at: number;
  previousState: string;
  state: string;
  previousEpoch: number;
  epoch: number;
  joined: MemberRef[];
  left: MemberRef[];
  memberCount: number;
  offsets: OffsetMark[];
}

/**
 * A new version of the consumer is being rolled out (a client id change): a member joined with a client id the
 * group did not have when it last settled (a rolling or surge rollout of `app-v2`, a canary). A restart that keeps
 * its client id is not one. Once per rebalance. `clientIdsBefore`/`hostsBefore` are the settled ones; `offsets`
 * every partition's position at the cycle the new client id was seen.
 */
export interface DeployEvent {
  kind: 'deploy';
  cluster: string;
  group: string;
  at: number;
  clientIdsBefore: string[];
  clientIds: string[];
  hostsBefore: string[];
  hosts: string[];
  offsets: OffsetMark[];
}

export interface StatusChangeEvent {
  kind: 'status-change';
  cluster: string;
  group: string;
  at: number;
  from: GroupStatusName;
  to: GroupStatusName;
  /** The partition that decided the new status, when it is not OK. */
  topic: string | null;
  partition: number | null;
  partitionStatus: PartitionStatusName | null;
  reason: PartitionReason | null;
}

export interface GroupGoneEvent {
  kind: 'group-gone';
  cluster: string;
  group: string;
  at: number;
  why: 'deleted' | 'expired';
}

/** Something that takes each cycle's results. `write` must never block collection. */
export interface Sink {
  readonly name: string;
  write(report: CycleReport, events: readonly WarrenEvent[]): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Read-only view of the tracked state, for the HTTP API, the metrics and the CLI.

export interface ConsumerPartitionView {
  /** Burrow's ring: `intervals` slots, oldest first, leading nulls; [] when never committed. */
  offsets: (OffsetEntry | null)[];
  owner: string;
  clientId: string;
  currentLag: number;
}

export interface StateView {
  clusters(): string[];
  hasCluster(cluster: string): boolean;
  /** Topic names with log-end data, sorted; undefined for an unknown cluster. */
  topics(cluster: string): string[] | undefined;
  /** Newest log-end offset per partition, index = partition id, null where unknown; undefined when unknown. */
  topicOffsets(cluster: string, topic: string): (number | null)[] | undefined;
  /** Groups with committed offsets on the topic, sorted. */
  consumersOfTopic(cluster: string, topic: string): string[] | undefined;
  /** Group names, sorted; undefined for an unknown cluster. */
  groups(cluster: string): string[] | undefined;
  /** Burrow's consumer detail: topic → partitions (index = partition id). */
  groupDetail(cluster: string, group: string): Map<string, ConsumerPartitionView[]> | undefined;
  /** The latest judgement of the group; undefined for an unknown or expired group (NOTFOUND). */
  groupReport(cluster: string, group: string): GroupReport | undefined;
  groupReports(cluster: string): GroupReport[] | undefined;
  lastCycle(cluster: string): CycleReport | undefined;
  /** True once every cluster has finished its first full cycle. */
  ready(): boolean;
  /** Forget a group (or one topic of it) until it commits again. */
  deleteGroup(cluster: string, group: string, topic?: string): void;
  /** The group's recent rebalance, deploy and status events, oldest first (bounded); undefined for an unknown group. */
  groupEvents(cluster: string, group: string): readonly WarrenEvent[] | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Elasticsearch documents: one index family per kind, daily indices `<prefix>-<kind>-YYYY.MM.DD` (UTC).

export type DocKind = 'partition' | 'group' | 'event' | 'heartbeat';

export interface PartitionDoc {
  '@timestamp': string;
  cluster: string;
  group: string;
  topic: string;
  partition: number;
  committed_offset: number | null;
  log_end_offset: number | null;
  lag: number;
  status: PartitionStatusName;
  status_code: number;
  owner: string;
  client_id: string;
  member_id: string;
  complete: number;
  /** The rule that decided (`rule` of the evaluator's reason), e.g. "stalled". */
  reason: string;
  /** The whole reason as compact JSON, stored but not indexed. */
  reason_detail: string;
  /** Lag in time (ms, rounded; null when unknown) and how it was found (`TimeLag['kind']`). */
  time_lag_ms?: number | null;
  time_lag_kind?: TimeLag['kind'];
  /** Change of the lag in messages per second (positive: falling behind); null when the trend is unknown. */
  lag_velocity?: number | null;
  /** The oldest offset retention kept; null when unknown. */
  log_start_offset?: number | null;
  /** At this pace: when the lag reaches 0 (catching up), when retention overtakes the committed offset (falling behind). */
  catch_up_ms?: number | null;
  data_loss_ms?: number | null;
}

export interface GroupDoc {
  '@timestamp': string;
  cluster: string;
  group: string;
  status: GroupStatusName;
  status_code: number;
  total_lag: number;
  max_lag: number;
  max_lag_topic: string | null;
  max_lag_partition: number | null;
  partition_count: number;
  complete: number;
  state: string;
  group_type: GroupType;
  member_count: number;
  /** Rule of the partition that decided the status ("ok" when all partitions are OK). */
  reason: string;
  reason_detail: string;
  /** The largest known time lag of the group's partitions (ms); null when none is known. */
  max_time_lag_ms?: number | null;
  /** The group's trend (`Trend['kind']`): velocity summed over the partitions, catch-up and data-loss times. */
  lag_velocity?: number | null;
  catch_up_ms?: number | null;
  data_loss_ms?: number | null;
  trend?: Trend['kind'];
  /** Whether the group is rebalancing (any hold but `stable`), and the status judged before a rebalance hold. */
  rebalancing?: boolean;
  judged_status?: GroupStatusName;
  /** Generation (classic; -1 when unknown) or group epoch (KIP-848). */
  epoch?: number;
}

export interface EventDoc {
  '@timestamp': string;
  cluster: string;
  group: string;
  kind: WarrenEvent['kind'];
  from_status: string | null;
  to_status: string | null;
  from_code: number | null;
  to_code: number | null;
  topic: string | null;
  partition: number | null;
  reason: string;
  message: string;
  /** Rebalance and deploy events (null in other events): the group's epoch and broker state before and after, and its member count. */
  epoch?: number | null;
  previous_epoch?: number | null;
  state?: string | null;
  previous_state?: string | null;
  member_count?: number | null;
  /** Client ids of the members that joined and left (deploy: client ids that appeared and disappeared). */
  members_joined?: string[] | null;
  members_left?: string[] | null;
  /** Deploy events: the group's client ids and hosts after and before the change. */
  client_ids?: string[] | null;
  previous_client_ids?: string[] | null;
  hosts?: string[] | null;
  previous_hosts?: string[] | null;
  /** Every partition's committed offset and log end at the event; stored, not indexed. */
  offsets?: OffsetMark[] | null;
}

export interface HeartbeatDoc {
  '@timestamp': string;
  cluster: string;
  ok: boolean;
  cycle_duration_ms: number;
  groups: number;
  partitions: number;
  topics: number;
  errors: number;
  error_message: string | null;
  /** The cycle's `negativeLagClamped` and `offsetsOutOfRange` (offsets above 2^53 refused, never rounded). */
  negative_lag_clamped?: number;
  offsets_out_of_range?: number;
  /** Sink health, filled in by the Elasticsearch sink at send time. */
  spool_bytes?: number;
  docs_indexed_total?: number;
  bulk_failures_total?: number;
  docs_dropped_total?: number;
  /** Documents Elasticsearch rejected (in the dead-letter file) and documents the sink refused (unsafe numbers). */
  docs_dead_lettered_total?: number;
  docs_refused_total?: number;
}
