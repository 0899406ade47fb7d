// Synthetic cycle reports for the Elasticsearch sink's tests and benchmark: groups of partitions whose
// committed offsets move cycle after cycle, judged by the real evaluator (evaluateGroup), with the same
// shapes the collector hands its sinks. Deterministic: the same options give the same report.
//
// Lag in time and the trend are made here, not by the evaluator, so the figures stay the same whatever the
// estimator does (see `syntheticTimeLag`): producers write `step` records per interval, so a lag of L records
// is L × interval / step ms behind; the first cycle has no log-end history yet (unknown). The velocity is the
// change of the lag over the window; retention keeps about RETAINED records and deletes whole segments of
// SEGMENT records, so the log start is the committed offset − RETAINED rounded down to a segment (it moves
// seldom, as in Kafka) and a partition falling behind loses data after (committed − log start) / velocity s.
// With `eventsEvery`, group 0 is redeployed every N cycles: a rebalance and a deploy event (sampleEvents),
// a new client id, a new epoch and a rebalancing group in that cycle.
import { evaluateGroup, type GroupResult, type OffsetEntry, type PartitionInput, type PartitionResult, type TimeLag, type Trend } from '../evaluator/index.ts';
import type { CycleReport, DeployEvent, GroupReport, MemberRef, PartitionDetail, RebalanceEvent, StatusChangeEvent, WarrenEvent } from '../collector/types.ts';

export interface SampleOptions {
  cluster: string;
  groups: number;
  topicsPerGroup: number;
  partitionsPerTopic: number;
  /** The cycle's time (ms). */
  at: number;
  /** Which cycle this is (0, 1, 2, …): offsets move by `step` per cycle. */
  cycle: number;
  intervalMs?: number;
  ringSize?: number;
  /** Committed offset of every partition at cycle 0. */
  baseOffset?: number;
  step?: number;
  groupPrefix?: string;
  /** Lag of a partition in a cycle; default: 0 for most, growing for every 7th partition. */
  lag?: (group: number, topic: number, partition: number, cycle: number) => number;
  /** Committed offset override (e.g. 5,000,000,007 for one partition). */
  committed?: (group: number, topic: number, partition: number, cycle: number) => number | undefined;
  /** Redeploy group 0 every N cycles (cycles N, 2N, …): see sampleEvents. */
  eventsEvery?: number;
}

/** Records retention keeps per partition, and records per segment (retention deletes whole segments). */
export const RETAINED = 500_000;
export const SEGMENT = 100_000;

/** The log start of a partition whose committed offset is `committed`: see the top of this file. */
export function logStartOf(committed: number): number {
  return Math.max(0, Math.floor((committed - RETAINED) / SEGMENT) * SEGMENT);
}

const defaultLag = (g: number, t: number, p: number, cycle: number): number => ((g + t + p) % 7 === 0 ? 100 * (cycle + 1) + p : 0);

export function groupName(options: Pick<SampleOptions, 'groupPrefix'>, g: number): string {
  return `${options.groupPrefix ?? 'group'}-${String(g).padStart(4, '0')}`;
}

export function topicName(g: number, t: number): string {
  return `topic-${String((g * 3 + t) % 50).padStart(2, '0')}`;
}

/** Which deploy group 0 runs in a cycle (1, 2, …) when `eventsEvery` is set; 0 otherwise or for other groups. */
export function deployOf(options: Pick<SampleOptions, 'eventsEvery'>, g: number, cycle: number): number {
  return options.eventsEvery && g === 0 ? Math.floor(cycle / options.eventsEvery) + 1 : 0;
}

/** Whether group 0 is redeployed in this cycle. */
export function redeployedIn(options: Pick<SampleOptions, 'eventsEvery'>, cycle: number): boolean {
  return !!options.eventsEvery && cycle > 0 && cycle % options.eventsEvery === 0;
}

function clientIdOf(options: Pick<SampleOptions, 'groupPrefix' | 'eventsEvery'>, g: number, cycle: number): string {
  const deploy = deployOf(options, g, cycle);
  return `client-${groupName(options, g)}${deploy > 0 ? `-v${deploy}` : ''}`;
}

export interface SyntheticInput {
  /** The lag of this partition in each cycle of its window, oldest first (the last is now). */
  lags: readonly number[];
  committed: number;
  logStart: number;
  at: number;
  intervalMs: number;
  step: number;
  /** Which cycle this is: 0 has no log-end history yet. */
  cycle: number;
}

/** The time lag and trend of a synthetic partition (see the top of this file). */
export function syntheticTimeLag(x: SyntheticInput): { timeLag: TimeLag; trend: Trend } {
  const lag = x.lags[x.lags.length - 1]!;
  let timeLag: TimeLag;
  if (x.cycle === 0) timeLag = { kind: 'unknown', why: 'no-history' };
  else if (lag === 0) timeLag = { kind: 'caught-up', ms: 0 };
  else {
    const ms = Math.round((lag * x.intervalMs) / x.step);
    const historyMs = x.cycle * x.intervalMs;
    timeLag = ms <= historyMs ? { kind: 'interpolated', ms, producedAt: x.at - ms } : { kind: 'extrapolated', ms, atLeastMs: historyMs };
  }
  const spanMs = (x.lags.length - 1) * x.intervalMs;
  let trend: Trend;
  if (spanMs === 0) trend = { kind: 'unknown' };
  else {
    const velocity = ((lag - x.lags[0]!) * 1000) / spanMs;
    if (velocity === 0) trend = { kind: 'steady', velocity, spanMs };
    else if (velocity < 0) trend = { kind: 'catching-up', velocity, spanMs, catchUpMs: Math.round((lag / -velocity) * 1000) };
    else trend = { kind: 'falling-behind', velocity, spanMs, dataLossMs: Math.round(((x.committed - x.logStart) / velocity) * 1000) };
  }
  return { timeLag, trend };
}

/** The group's lag in time and trend from its partitions', as the evaluator defines them (evaluator/types.ts). */
export function withSyntheticTimeLag(result: GroupResult, parts: readonly { timeLag: TimeLag; trend: Trend }[]): GroupResult {
  if (result.status === 'NOTFOUND') return result;
  const partitions: PartitionResult[] = result.partitions.map((p, i) => ({ ...p, timeLag: parts[i]!.timeLag, trend: parts[i]!.trend }));
  const same = (p: PartitionResult | null): PartitionResult | null => (p === null ? null : partitions[result.partitions.indexOf(p)]!);
  let maxTimeLag: PartitionResult | null = null;
  let velocity = 0;
  let spanMs = 0;
  let known = 0;
  let dataLossMs: number | null = null;
  for (const p of partitions) {
    if (p.timeLag.kind !== 'unknown' && (maxTimeLag === null || p.timeLag.ms > (maxTimeLag.timeLag as { ms: number }).ms)) maxTimeLag = p;
    if (p.trend.kind === 'unknown') continue;
    known++;
    velocity += p.trend.velocity;
    spanMs = Math.max(spanMs, p.trend.spanMs);
    if (p.trend.kind === 'falling-behind' && p.trend.dataLossMs !== null) dataLossMs = dataLossMs === null ? p.trend.dataLossMs : Math.min(dataLossMs, p.trend.dataLossMs);
  }
  let trend: Trend;
  if (known === 0) trend = { kind: 'unknown' };
  else if (velocity === 0) trend = { kind: 'steady', velocity, spanMs };
  else if (velocity < 0) trend = { kind: 'catching-up', velocity, spanMs, catchUpMs: Math.round((result.totallag / -velocity) * 1000) };
  else trend = { kind: 'falling-behind', velocity, spanMs, dataLossMs };
  return {
    ...result,
    partitions,
    maxlag: same(result.maxlag),
    worst: same(result.worst),
    maxTimeLag,
    maxTimeLagMs: maxTimeLag ? (maxTimeLag.timeLag as { ms: number }).ms : null,
    trend,
  };
}

/** One cluster's cycle: every group with every partition judged by the evaluator. */
export function sampleReport(options: SampleOptions): CycleReport {
  const intervalMs = options.intervalMs ?? 30_000;
  const ringSize = options.ringSize ?? 10;
  const base = options.baseOffset ?? 1_000_000;
  const step = options.step ?? 100;
  const lagOf = options.lag ?? defaultLag;
  const groups: GroupReport[] = [];
  let partitionCount = 0;
  const topics = new Set<string>();
  for (let g = 0; g < options.groups; g++) {
    const group = groupName(options, g);
    const inputs: PartitionInput[] = [];
    const details: PartitionDetail[] = [];
    const synthetic: { timeLag: TimeLag; trend: Trend }[] = [];
    const clientId = clientIdOf(options, g, options.cycle);
    for (let t = 0; t < options.topicsPerGroup; t++) {
      const topic = topicName(g, t);
      topics.add(topic);
      for (let p = 0; p < options.partitionsPerTopic; p++) {
        const offsetAt = (cycle: number): number => options.committed?.(g, t, p, cycle) ?? base + cycle * step + p;
        const offsets: OffsetEntry[] = [];
        for (let c = Math.max(0, options.cycle - ringSize + 1); c <= options.cycle; c++) {
          const ts = options.at - (options.cycle - c) * intervalMs;
          offsets.push({ offset: offsetAt(c), timestamp: ts, observedAt: ts, lag: lagOf(g, t, p, c) });
        }
        const committed = offsetAt(options.cycle);
        const lag = lagOf(g, t, p, options.cycle);
        const logStart = logStartOf(committed);
        const deploy = deployOf(options, g, options.cycle);
        const member = `consumer-${group}-${p % 3}${deploy > 0 ? `-v${deploy}` : ''}`;
        inputs.push({
          topic,
          partition: p,
          offsets,
          ringSize,
          brokerOffsets: [committed + lag],
          currentLag: lag,
          owner: `/10.0.${g % 250}.${p % 3}`,
          clientId,
          owned: true,
        });
        details.push({ topic, partition: p, committed, logEnd: committed + lag, logStart, memberId: `${member}-6b1f0c2e-8d4a-4f55-9a3e-0c2d${String(g).padStart(8, '0')}`, host: `/10.0.${g % 250}.${p % 3}`, clientId });
        synthetic.push(syntheticTimeLag({ lags: offsets.map((o) => o.lag ?? 0), committed, logStart, at: options.at, intervalMs, step, cycle: options.cycle }));
        partitionCount++;
      }
    }
    const result = withSyntheticTimeLag(evaluateGroup(options.cluster, group, inputs, options.at), synthetic);
    const redeployed = g === 0 && redeployedIn(options, options.cycle);
    const deploy = deployOf(options, g, options.cycle);
    groups.push({
      cluster: options.cluster,
      group,
      observedAt: options.at,
      state: redeployed ? 'Reconciling' : 'Stable',
      groupType: deploy > 0 ? 'consumer' : 'classic',
      memberCount: 3,
      epoch: deploy > 0 ? deploy : -1,
      result,
      rebalance: redeployed ? { kind: 'rebalancing', since: options.at } : { kind: 'stable' },
      details,
    });
  }
  return {
    cluster: options.cluster,
    startedAt: options.at,
    finishedAt: options.at + 40,
    durationMs: 40,
    ok: true,
    groups,
    topicCount: topics.size,
    partitionCount,
    errors: [],
    negativeLagClamped: 0,
    offsetsOutOfRange: 0,
  };
}

export function statusChange(cluster: string, group: string, at: number, from: StatusChangeEvent['from'], to: StatusChangeEvent['to']): StatusChangeEvent {
  return {
    kind: 'status-change',
    cluster,
    group,
    at,
    from,
    to,
    topic: to === 'OK' ? null : 'topic-00',
    partition: to === 'OK' ? null : 0,
    partitionStatus: to === 'OK' ? null : 'WARN',
    reason: to === 'OK' ? null : { rule: 'lag-not-decreasing', entries: 10, firstLag: 100, lastLag: 1000 },
  };
}

function members(options: Pick<SampleOptions, 'groupPrefix' | 'eventsEvery'>, cycle: number): MemberRef[] {
  const group = groupName(options, 0);
  const deploy = deployOf(options, 0, cycle);
  return [0, 1, 2].map((i) => ({
    memberId: `consumer-${group}-${i}-v${deploy}-6b1f0c2e-8d4a-4f55-9a3e-0c2d${'0'.repeat(8)}`,
    clientId: clientIdOf(options, 0, cycle),
    host: `/10.0.0.${i}`,
    instanceId: null,
  }));
}

/**
 * The events of a sample cycle: with `eventsEvery`, in cycles N, 2N, … group 0 is redeployed — a rebalance
 * event (the three members of the old deploy left, three of the new one joined, the epoch moved) and a deploy
 * event (new client id), both with every partition's offsets of `report`.
 */
export function sampleEvents(options: SampleOptions, report: CycleReport): WarrenEvent[] {
  if (!redeployedIn(options, options.cycle)) return [];
  const group = report.groups.find((g) => g.group === groupName(options, 0));
  if (!group) return [];
  const offsets = group.details.map((d) => ({ topic: d.topic, partition: d.partition, committed: d.committed, logEnd: d.logEnd }));
  const before = members(options, options.cycle - 1);
  const after = members(options, options.cycle);
  const rebalance: RebalanceEvent = {
    kind: 'rebalance',
    cluster: options.cluster,
    group: group.group,
    at: options.at,
    previousState: 'Stable',
    state: 'Reconciling',
    previousEpoch: deployOf(options, 0, options.cycle - 1),
    epoch: deployOf(options, 0, options.cycle),
    joined: after,
    left: before,
    memberCount: after.length,
    offsets,
  };
  const hosts = [...new Set(after.map((m) => m.host))].sort();
  const deploy: DeployEvent = {
    kind: 'deploy',
    cluster: options.cluster,
    group: group.group,
    at: options.at,
    clientIdsBefore: [before[0]!.clientId],
    clientIds: [after[0]!.clientId],
    hostsBefore: hosts,
    hosts,
    offsets,
  };
  return [rebalance, deploy];
}
