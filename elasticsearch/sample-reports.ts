// Synthetic cycle reports for the Elasticsearch sink's tests and benchmark: groups of partitions whose
// committed offsets move cycle after cycle, judged by the real evaluator (evaluateGroup), with the same
// shapes the collector hands its sinks. Deterministic: the same options give the same report.
import { evaluateGroup, type OffsetEntry, type PartitionInput } from '../evaluator/index.ts';
import type { CycleReport, GroupReport, PartitionDetail, StatusChangeEvent } from '../collector/types.ts';

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
}

const defaultLag = (g: number, t: number, p: number, cycle: number): number => ((g + t + p) % 7 === 0 ? 100 * (cycle + 1) + p : 0);

export function groupName(options: Pick<SampleOptions, 'groupPrefix'>, g: number): string {
  return `${options.groupPrefix ?? 'group'}-${String(g).padStart(4, '0')}`;
}

export function topicName(g: number, t: number): string {
  return `topic-${String((g * 3 + t) % 50).padStart(2, '0')}`;
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
        const member = `consumer-${group}-${p % 3}`;
        inputs.push({
          topic,
          partition: p,
          offsets,
          ringSize,
          brokerOffsets: [committed + lag],
          currentLag: lag,
          owner: `/10.0.${g % 250}.${p % 3}`,
          clientId: `client-${group}`,
          owned: true,
        });
        details.push({ topic, partition: p, committed, logEnd: committed + lag, logStart: 0, memberId: `${member}-6b1f0c2e-8d4a-4f55-9a3e-0c2d${String(g).padStart(8, '0')}`, host: `/10.0.${g % 250}.${p % 3}`, clientId: `client-${group}` });
        partitionCount++;
      }
    }
    const result = evaluateGroup(options.cluster, group, inputs, options.at);
    groups.push({ cluster: options.cluster, group, observedAt: options.at, state: 'Stable', groupType: 'classic', memberCount: 3, epoch: -1, result, rebalance: { kind: 'stable' }, details });
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
