// Judging a partition and a group (burrow-spec.md §2.1, §2.2). Pure: `nowMs` is an argument.
import { judgeWindow, lagWithinAllowed } from './rules.ts';
import { STATUS_CODE, groupStatusOf } from './status.ts';
import { TIME_LAG_CAUGHT_UP, TIME_LAG_NO_HISTORY, estimateTimeLag, exactTimeLag } from './time-lag.ts';
import { TREND_UNKNOWN, groupTrend, partitionTrend } from './trend.ts';
import type { GroupResult, PartitionInput, PartitionResult, PartitionVerdict, RuleConfig, TimeLag } from './types.ts';

export const DEFAULT_RULES: Readonly<RuleConfig> = Object.freeze({ allowedLag: 0, minimumComplete: 0 });

/**
 * The verdict on one partition, with Burrow's `complete`, `start`, `end` and `current_lag`, and Warren's lag in
 * time and trend. The committed offset is `p.committed` (null: none now); when the field is absent, the newest
 * window entry's.
 * Time lag: exact mode (`exactProducedAt` given) → `exact` (`caught-up` at lag 0); lag 0 with a known committed
 * offset → `caught-up`; no `logEnds` → unknown `no-history`; else the estimate from the log-end history.
 */
export function evaluatePartition(p: PartitionInput, nowMs: number, rules: RuleConfig = DEFAULT_RULES): PartitionResult {
  const window = p.offsets;
  const n = window.length;
  const complete = n === 0 ? 0 : n < p.ringSize ? n / p.ringSize : 1;
  let verdict: PartitionVerdict;
  if (n === 0) {
    verdict = { status: 'OK', reason: { rule: 'no-commits' } };
  } else if (complete < rules.minimumComplete) {
    verdict = { status: 'OK', reason: { rule: 'incomplete-window', complete, minimumComplete: rules.minimumComplete } };
  } else if (lagWithinAllowed(p.currentLag, rules.allowedLag)) {
    verdict = { status: 'OK', reason: { rule: 'lag-within-allowed', currentLag: p.currentLag, allowedLag: rules.allowedLag } };
  } else {
    verdict = judgeWindow(window, p.brokerOffsets, nowMs, rules.allowedLag, p.owned ? p.owner : null, rules.minSilenceMs ?? 0);
  }
  const currentLag = p.currentLag;
  // Explicit null is "no commit now" (the tracker's word for it); only an absent field falls back to the window.
  const committed = p.committed !== undefined ? p.committed : n === 0 ? null : window[n - 1]!.offset;
  const exactProducedAt = p.exactProducedAt;
  let timeLag: TimeLag;
  if (typeof exactProducedAt === 'number') timeLag = currentLag === 0 ? TIME_LAG_CAUGHT_UP : exactTimeLag(exactProducedAt, nowMs);
  else if (currentLag === 0 && committed !== null) timeLag = TIME_LAG_CAUGHT_UP;
  else if (p.logEnds === undefined) timeLag = TIME_LAG_NO_HISTORY;
  else timeLag = estimateTimeLag(p.logEnds, committed, nowMs);
  return {
    ...verdict,
    topic: p.topic,
    partition: p.partition,
    owner: p.owner,
    clientId: p.clientId,
    start: n === 0 ? null : window[0]!,
    end: n === 0 ? null : window[n - 1]!,
    currentLag,
    complete,
    timeLag,
    trend: partitionTrend(window, currentLag, p.logStart ?? null, committed, nowMs, rules.trendSpanMs ?? 0),
  } as PartitionResult;
}

/** The NOTFOUND result: an unknown or expired group (burrow-spec.md §2.4). */
export function notFound(cluster: string, group: string): GroupResult {
  return { cluster, group, status: 'NOTFOUND', complete: 1, partitions: [], partitionCount: 0, maxlag: null, totallag: 0, maxTimeLagMs: null, maxTimeLag: null, trend: TREND_UNKNOWN };
}

/**
 * A group's status from its partitions: the worst partition (STOP, STALL, REWIND shown as ERR), total lag,
 * the partition with the most lag, and the share of partitions whose window is full; Warren's largest known
 * lag in time (the first partition wins ties; unknown ones are left out) and the group's trend.
 * Partitions are judged in the order given; callers sort them (topic, then partition) so that ties in
 * `maxlag` and `worst` always go to the same partition.
 */
export function evaluateGroup(
  cluster: string,
  group: string,
  inputs: readonly PartitionInput[],
  nowMs: number,
  rules: RuleConfig = DEFAULT_RULES,
): GroupResult {
  const partitions: PartitionResult[] = new Array(inputs.length);
  let status: 'OK' | 'WARN' | 'ERR' = 'OK';
  let worst: PartitionResult | null = null;
  let maxlag: PartitionResult | null = null;
  let totallag = 0;
  let full = 0;
  let maxTimeLag: PartitionResult | null = null;
  let maxTimeLagMs = -1;
  for (let i = 0; i < inputs.length; i++) {
    const result = evaluatePartition(inputs[i]!, nowMs, rules);
    partitions[i] = result;
    totallag += result.currentLag;
    if (worst === null ? result.status !== 'OK' : STATUS_CODE[result.status] > STATUS_CODE[worst.status]) worst = result;
    const asGroup = groupStatusOf(result.status);
    if (STATUS_CODE[asGroup] > STATUS_CODE[status]) status = asGroup;
    if (maxlag === null || result.currentLag > maxlag.currentLag) maxlag = result;
    if (result.complete === 1) full++;
    const timeLag = result.timeLag;
    if (timeLag.kind !== 'unknown' && timeLag.ms > maxTimeLagMs) {
      maxTimeLagMs = timeLag.ms;
      maxTimeLag = result;
    }
  }
  const partitionCount = inputs.length;
  return {
    cluster,
    group,
    status,
    worst,
    complete: partitionCount > 0 ? Math.fround(full / partitionCount) : 0,
    partitions,
    partitionCount,
    maxlag,
    totallag,
    maxTimeLagMs: maxTimeLag === null ? null : maxTimeLagMs,
    maxTimeLag,
    trend: groupTrend(partitions),
  };
}

/** Only the partitions worse than OK, as Burrow's `/status` endpoint shows them; the group's numbers are unchanged. */
export function onlyProblems(result: GroupResult): GroupResult {
  if (result.status === 'NOTFOUND') return result;
  return { ...result, partitions: result.partitions.filter((p) => p.status !== 'OK') };
}
