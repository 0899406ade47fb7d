// Types of the evaluator: Burrow's statuses, the sliding window it judges, and its results.
// Types only: no code that runs lives here.

/** Burrow's status names. The numbers are Burrow's (`protocol.StatusConstant`). */
export type StatusName = 'NOTFOUND' | 'OK' | 'WARN' | 'ERR' | 'STOP' | 'STALL' | 'REWIND';

/** Statuses a single partition can have. */
export type PartitionStatusName = 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND';

/** Statuses a group can have: the worst partition, with STOP, STALL and REWIND shown as ERR. */
export type GroupStatusName = 'NOTFOUND' | 'OK' | 'WARN' | 'ERR';

/**
 * One entry of a partition's window: a committed offset as Warren saw it.
 * `timestamp` is the commit time (ms) the entry stands for, `observedAt` when Warren read it (ms),
 * `lag` the lag at that time (log-end − committed, never negative) or null when it is not known.
 */
export interface OffsetEntry {
  offset: number;
  timestamp: number;
  observedAt: number;
  lag: number | null;
}

/** What the rules need to judge one partition. */
export interface PartitionInput {
  topic: string;
  partition: number;
  /** The window, oldest first: at most `ringSize` entries, none when the partition was never committed. */
  offsets: readonly OffsetEntry[];
  /** How many entries a full window holds (Burrow's `intervals`). */
  ringSize: number;
  /** The last log-end offsets seen for the partition, oldest first. */
  brokerOffsets: readonly number[];
  /** Lag now: newest log-end − newest committed offset, never negative; 0 when either is unknown. */
  currentLag: number;
  owner: string;
  clientId: string;
  /**
   * Whether a live member of the group has the partition assigned. Burrow sees every commit; Warren only sees
   * the committed offset move. A partition that has not moved for longer than its window's span is STOP when
   * nobody owns it, and STALL (the consumer is alive but makes no progress) when somebody does.
   */
  owned: boolean;
  /**
   * For lag in time and trend (optional). The committed offset now (null: no commit; absent: the newest window
   * entry's),
   * the log-end history of the topic-partition (shared by every group reading it; without it `timeLag` is
   * `unknown` unless the lag is 0 or `exactProducedAt` is given), the log-start offset now (null: not read; the
   * trend's `dataLossMs` needs it), and, in exact mode, when the record at the committed offset was produced (ms).
   */
  committed?: number | null;
  logEnds?: LogEndHistory;
  logStart?: number | null;
  exactProducedAt?: number | null;
}

/**
 * The log-end offsets of one topic-partition and the times Warren saw them, oldest first, as parallel arrays
 * (`offsets[i]` was the log end at `times[i]`). Offsets never decrease. A run of cycles where the log end did
 * not move keeps two points, when the run started and when it was last seen, so a burst after an idle spell is
 * placed at the right time. Bounded: when full, the point whose removal changes the curve least goes.
 */
export interface LogEndHistory {
  offsets: number[];
  times: number[];
}

/**
 * How far behind in time the committed offset is: now − the time the record at the committed offset was
 * produced (the log end passed it). A discriminated union on `kind`:
 * - `caught-up`: the committed offset is at the log end; 0.
 * - `interpolated`: the log end passed the committed offset between two points of the history.
 * - `extrapolated`: the committed offset is older than the history; `ms` extends the history's average rate
 *   backwards and is never below `atLeastMs` (now − the oldest point), which is certain.
 * - `exact`: the producer's timestamp of the record at the committed offset, read from Kafka.
 * - `unknown`: no commit, or no log-end history yet (none, or a single point: nothing to estimate an older
 *   record's time from).
 */
export type TimeLag =
  | { kind: 'caught-up'; ms: 0 }
  | { kind: 'interpolated'; ms: number; producedAt: number }
  | { kind: 'extrapolated'; ms: number; atLeastMs: number }
  | { kind: 'exact'; ms: number; producedAt: number }
  | { kind: 'unknown'; why: 'no-commit' | 'no-history' };

/**
 * Where the lag is heading: velocity is the change of the lag in messages per second over `spanMs` (from the
 * newest window entry at least `RuleConfig.trendSpanMs` old, or the first, to now): positive, the consumer falls
 * behind; negative, it catches up.
 * - `catching-up`: at this pace the lag reaches 0 in `catchUpMs`.
 * - `falling-behind`: `dataLossMs` is when the committed offset would fall behind the log start (retention
 *   deletes unread records) at this pace; null when the log start is unknown.
 * - `steady`: velocity 0 (within rounding).
 * - `unknown`: no commit now, no entry in the window, or a span of 0.
 */
export type Trend =
  | { kind: 'steady'; velocity: number; spanMs: number }
  | { kind: 'catching-up'; velocity: number; spanMs: number; catchUpMs: number }
  | { kind: 'falling-behind'; velocity: number; spanMs: number; dataLossMs: number | null }
  | { kind: 'unknown' };

/**
 * Holding a group's status while it rebalances (Warren): members come and go during a rebalance or a rolling
 * restart, partitions are briefly unowned and commits pause; a status worse than the one shown before is held
 * back for the grace period.
 * - `stable`: not rebalancing; the judged status is shown.
 * - `holding`: rebalancing since `since`; `judged` (worse than `held`) is held back and `held` shown.
 * - `rebalancing`: rebalancing since `since`, but the judged status is not worse; it is shown.
 * - `grace-expired`: rebalancing for longer than the grace period; the judged status is shown.
 */
export type RebalanceHold =
  | { kind: 'stable' }
  | { kind: 'holding'; since: number; held: GroupStatusName; judged: GroupStatusName }
  | { kind: 'rebalancing'; since: number }
  | { kind: 'grace-expired'; since: number; judged: GroupStatusName };

export interface RuleConfig {
  /** A lag at or below this counts as zero (Burrow's `allowed-lag`). */
  allowedLag: number;
  /** Rules run only when the partition's `complete` is at least this (Burrow's `minimum-complete`). */
  minimumComplete: number;
  /**
   * Warren: STOP (or STALL for an owned partition) needs at least this much time without progress, whatever
   * the window's span. 0 is Burrow's rule; Warren's collector uses two intervals, so one slow commit
   * after a restart is not an alarm.
   */
  minSilenceMs?: number;
  /**
   * Warren: the trend's velocity is measured from the newest window entry at least this old (0: from the
   * window's first entry). The collector uses three intervals.
   */
  trendSpanMs?: number;
}

/** Why a partition got its status: the rule that decided and the numbers it saw. Machine-readable. */
export type OkReason =
  | { rule: 'no-commits' }
  | { rule: 'incomplete-window'; complete: number; minimumComplete: number }
  | { rule: 'lag-within-allowed'; currentLag: number; allowedLag: number }
  | { rule: 'lag-reached-zero'; index: number; lag: number; allowedLag: number }
  | { rule: 'lag-decreasing'; index: number; from: number; to: number }
  | { rule: 'single-sample'; lag: number | null };

export type StopReason = {
  rule: 'stopped';
  /** Time from the last commit to now, and the span of the window: STOP when the first exceeds the second. */
  sinceLastMs: number;
  windowSpanMs: number;
  lastOffset: number;
  newestBrokerOffset: number | null;
};
export type RewindReason = { rule: 'rewind'; index: number; from: number; to: number };
export type StallReason =
  | { rule: 'stalled'; offset: number; entries: number; firstLag: number | null; lastLag: number | null }
  /** Warren: owned by a live member, but the committed offset has not moved for longer than the window's span. */
  | { rule: 'no-progress'; sinceLastMs: number; windowSpanMs: number; lastOffset: number; newestBrokerOffset: number | null; owner: string };
export type WarnReason = { rule: 'lag-not-decreasing'; entries: number; firstLag: number | null; lastLag: number | null };

/** The verdict on one partition: a discriminated union on `status`. */
export type PartitionVerdict =
  | { status: 'OK'; reason: OkReason }
  | { status: 'WARN'; reason: WarnReason }
  | { status: 'STOP'; reason: StopReason }
  | { status: 'STALL'; reason: StallReason }
  | { status: 'REWIND'; reason: RewindReason };

export type PartitionReason = PartitionVerdict['reason'];
export type RuleName = PartitionReason['rule'];

/** A judged partition: the verdict plus Burrow's per-partition fields. */
export type PartitionResult = PartitionVerdict & {
  topic: string;
  partition: number;
  owner: string;
  clientId: string;
  start: OffsetEntry | null;
  end: OffsetEntry | null;
  currentLag: number;
  complete: number;
  timeLag: TimeLag;
  trend: Trend;
};

/** Fields every group result has. */
interface GroupResultBase {
  cluster: string;
  group: string;
  complete: number;
  partitions: PartitionResult[];
  partitionCount: number;
  maxlag: PartitionResult | null;
  totallag: number;
  /** The largest known time lag of the group's partitions (ms), and the partition it is on; null when none is known. */
  maxTimeLagMs: number | null;
  maxTimeLag: PartitionResult | null;
  /**
   * The group's trend: velocities summed over the partitions with a known trend; catch-up time is total lag over
   * the summed velocity; data-loss time is the smallest of the partitions'.
   */
  trend: Trend;
}

/** The judgement of a group: NOTFOUND (unknown or expired) or the worst partition, capped at ERR. */
export type GroupResult =
  | (GroupResultBase & { status: 'NOTFOUND'; partitions: []; partitionCount: 0; maxlag: null; totallag: 0; maxTimeLagMs: null; maxTimeLag: null })
  | (GroupResultBase & {
      status: 'OK' | 'WARN' | 'ERR';
      /** The partition that decided the group's status (the first worst one), or null when all are OK. */
      worst: PartitionResult | null;
    });
