// The tracker keeps, per cluster, the windows of every group-partition, turns each cycle's scrape into a
// judged report (through the pure evaluator) and the events of what changed, and answers read-only queries
// (StateView) for the HTTP API, the metrics and the CLI. Time comes only from the scrapes.
import {
  emptyHistory,
  evaluateGroup,
  isNegativeLag,
  lagOf,
  lastCommitTime,
  newestLogEnd,
  paddedOffsets,
  recordSample,
  type GroupStatusName,
  type PartitionHistory,
  type PartitionInput,
  type RuleConfig,
} from '../evaluator/index.ts';
import type {
  ClusterScrape,
  ConsumerPartitionView,
  CycleReport,
  GroupDescription,
  GroupReport,
  MemberInfo,
  PartitionDetail,
  ScrapedGroup,
  StateView,
  TopicMetadata,
  WarrenEvent,
} from './types.ts';

export interface TrackerOptions {
  clusters: readonly string[];
  /** Window size (Burrow's `intervals`). */
  intervals: number;
  /** Forget a group whose committed offsets have not moved for this long (ms). */
  expireGroupMs: number;
  rules: RuleConfig;
}

interface GroupState {
  description: GroupDescription;
  /** topic → partition → history */
  histories: Map<string, Map<number, PartitionHistory>>;
  firstSeen: number;
  report: GroupReport | null;
}

interface ClusterState {
  topics: Map<string, TopicMetadata>;
  logEnd: Map<string, (number | null)[]>;
  groups: Map<string, GroupState>;
  /**
   * Groups (key `group`) and group topics (key `group\0topic`) forgotten through expiry or the API → the
   * fingerprint of the committed offsets they had then (null: taken at the next scrape). They come back when
   * their committed offsets move.
   */
  forgotten: Map<string, string | null>;
  lastCycle: CycleReport | undefined;
  fullCycles: number;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A fingerprint of a group's committed offsets, to tell when a forgotten group commits again. */
function commitSignature(committed: ScrapedGroup['committed']): string {
  const parts: string[] = [];
  for (const [topic, partitions] of committed) for (const [p, offset] of partitions) parts.push(`${topic}:${p}:${offset}`);
  return parts.sort().join(',');
}

export class Tracker implements StateView {
  readonly #options: TrackerOptions;
  readonly #clusters = new Map<string, ClusterState>();

  constructor(options: TrackerOptions) {
    this.#options = options;
    for (const name of options.clusters) {
      this.#clusters.set(name, { topics: new Map(), logEnd: new Map(), groups: new Map(), forgotten: new Map(), lastCycle: undefined, fullCycles: 0 });
    }
  }

  /** Takes one cycle's scrape of a cluster; returns the judged report and the events it caused. */
  ingest(scrape: ClusterScrape): { report: CycleReport; events: WarrenEvent[] } {
    const state = this.#clusters.get(scrape.cluster);
    if (!state) throw new Error(`unknown cluster ${scrape.cluster}`);
    const at = scrape.finishedAt;
    const base = {
      cluster: scrape.cluster,
      startedAt: scrape.startedAt,
      finishedAt: scrape.finishedAt,
      durationMs: scrape.finishedAt - scrape.startedAt,
      errors: scrape.errors,
      offsetsOutOfRange: scrape.errors.filter((e) => e.code === 'offset-out-of-range').length,
    };
    if (!scrape.reachable) {
      // Keep the last known state: a cluster that cannot be read tells nothing about its groups.
      const report: CycleReport = { ...base, ok: false, groups: [], topicCount: state.topics.size, partitionCount: 0, negativeLagClamped: 0 };
      state.lastCycle = report;
      return { report, events: [] };
    }

    const events: WarrenEvent[] = [];
    // Topics: a topic gone from the metadata is removed from every group (Burrow's DeleteTopic).
    for (const topic of state.topics.keys()) {
      if (!scrape.topics.has(topic)) for (const group of state.groups.values()) group.histories.delete(topic);
    }
    state.topics = scrape.topics;
    state.logEnd = scrape.logEnd;

    // Groups gone from the broker are deleted; forgotten groups stay forgotten until their offsets move.
    for (const name of state.groups.keys()) {
      if (!scrape.groups.has(name)) {
        state.groups.delete(name);
        events.push({ kind: 'group-gone', cluster: scrape.cluster, group: name, at, why: 'deleted' });
      }
    }
    for (const key of state.forgotten.keys()) if (!scrape.groups.has(key.split('\0')[0]!)) state.forgotten.delete(key);

    let negativeLagClamped = 0;
    let partitionCount = 0;
    const reports: GroupReport[] = [];
    for (const [name, scraped] of [...scrape.groups].sort((a, b) => byName(a[0], b[0]))) {
      if (stillForgotten(state.forgotten, name, scraped.committed)) continue;
      let group = state.groups.get(name);
      if (!group) {
        group = { description: scraped.description, histories: new Map(), firstSeen: at, report: null };
        state.groups.set(name, group);
      }
      group.description = scraped.description;
      const judged = this.#judge(scrape, state, name, group, scraped, at);
      negativeLagClamped += judged.clamped;

      // Expiry: no member, and nothing has moved for expire-group.
      if (this.#expired(group, at)) {
        state.groups.delete(name);
        state.forgotten.set(name, commitSignature(scraped.committed));
        events.push({ kind: 'group-gone', cluster: scrape.cluster, group: name, at, why: 'expired' });
        continue;
      }
      const previous = group.report?.result.status;
      group.report = judged.report;
      partitionCount += judged.report.result.partitionCount;
      reports.push(judged.report);
      const result = judged.report.result;
      if (previous !== undefined && previous !== result.status) {
        const worst = result.status === 'NOTFOUND' ? null : result.worst;
        events.push({
          kind: 'status-change',
          cluster: scrape.cluster,
          group: name,
          at,
          from: previous as GroupStatusName,
          to: result.status,
          topic: worst?.topic ?? null,
          partition: worst?.partition ?? null,
          partitionStatus: worst?.status ?? null,
          reason: worst?.reason ?? null,
        });
      }
    }

    const report: CycleReport = {
      ...base,
      ok: true,
      groups: reports,
      topicCount: scrape.topics.size,
      partitionCount,
      negativeLagClamped,
    };
    state.lastCycle = report;
    state.fullCycles++;
    return { report, events };
  }

  #expired(group: GroupState, at: number): boolean {
    if (group.description.members.length > 0) return false;
    let last = group.firstSeen;
    for (const partitions of group.histories.values()) for (const history of partitions.values()) last = Math.max(last, lastCommitTime(history));
    return at - last > this.#options.expireGroupMs;
  }

  /** Records this cycle's samples for a group and judges it. */
  #judge(scrape: ClusterScrape, state: ClusterState, name: string, group: GroupState, scraped: ScrapedGroup, at: number) {
    const owners = new Map<string, Map<number, MemberInfo>>();
    for (const member of scraped.description.members) {
      for (const assignment of member.assignments) {
        let partitions = owners.get(assignment.topic);
        if (!partitions) owners.set(assignment.topic, (partitions = new Map()));
        for (const p of assignment.partitions) partitions.set(p, member);
      }
    }
    // The partitions of a group: every partition of each topic it has committed on (as Burrow extends the
    // array to the topic's partition count), plus whatever its members are assigned.
    const topics = new Set<string>([...scraped.committed.keys(), ...owners.keys(), ...group.histories.keys()]);
    const inputs: PartitionInput[] = [];
    const details: PartitionDetail[] = [];
    let clamped = 0;
    for (const topic of [...topics].sort(byName)) {
      const meta = state.topics.get(topic);
      if (!meta) {
        group.histories.delete(topic);
        continue;
      }
      const committedOnTopic = scraped.committed.get(topic);
      if (stillForgotten(state.forgotten, `${name}\0${topic}`, committedOnTopic ? new Map([[topic, committedOnTopic]]) : new Map())) {
        group.histories.delete(topic);
        continue;
      }
      const owned = owners.get(topic);
      const ids = new Set<number>();
      if (committedOnTopic || group.histories.has(topic)) for (let p = 0; p < meta.partitions; p++) ids.add(p);
      if (owned) for (const p of owned.keys()) if (p < meta.partitions) ids.add(p);
      let histories = group.histories.get(topic);
      if (!histories) group.histories.set(topic, (histories = new Map()));
      const ends = scrape.logEnd.get(topic);
      for (const p of [...ids].sort((a, b) => a - b)) {
        const committed = committedOnTopic?.get(p) ?? null;
        const logEnd = ends?.[p] ?? null;
        const owner = owned?.get(p);
        let history = histories.get(p);
        if (!history) histories.set(p, (history = emptyHistory()));
        recordSample(history, { committed, logEnd, observedAt: at }, this.#options.intervals);
        if (isNegativeLag(logEnd, committed)) clamped++;
        // A log end that could not be read this cycle: the newest known one stands in (as in Burrow).
        const knownEnd = logEnd ?? newestLogEnd(history);
        inputs.push({
          topic,
          partition: p,
          offsets: history.offsets,
          ringSize: this.#options.intervals,
          brokerOffsets: history.brokerOffsets,
          currentLag: lagOf(knownEnd, committed) ?? 0,
          owner: owner?.host ?? '',
          clientId: owner?.clientId ?? '',
          owned: owner !== undefined,
        });
        details.push({
          topic,
          partition: p,
          committed,
          logEnd,
          logStart: null,
          memberId: owner?.memberId ?? '',
          host: owner?.host ?? '',
          clientId: owner?.clientId ?? '',
        });
      }
    }
    const result = evaluateGroup(scrape.cluster, name, inputs, at, this.#options.rules);
    const report: GroupReport = {
      cluster: scrape.cluster,
      group: name,
      observedAt: at,
      state: scraped.description.state,
      groupType: scraped.description.groupType,
      memberCount: scraped.description.members.length,
      epoch: scraped.description.epoch,
      result,
      rebalance: { kind: 'stable' },
      details,
    };
    return { report, clamped };
  }

  // ----------------------------------------------------------------------------------------------
  // StateView

  clusters(): string[] {
    return [...this.#clusters.keys()].sort(byName);
  }

  hasCluster(cluster: string): boolean {
    return this.#clusters.has(cluster);
  }

  topics(cluster: string): string[] | undefined {
    const state = this.#clusters.get(cluster);
    return state ? [...state.topics.keys()].sort(byName) : undefined;
  }

  topicOffsets(cluster: string, topic: string): (number | null)[] | undefined {
    return this.#clusters.get(cluster)?.logEnd.get(topic);
  }

  consumersOfTopic(cluster: string, topic: string): string[] | undefined {
    const state = this.#clusters.get(cluster);
    if (!state) return undefined;
    const names: string[] = [];
    for (const [name, group] of state.groups) {
      const histories = group.histories.get(topic);
      if (histories && [...histories.values()].some((h) => h.offsets.length > 0)) names.push(name);
    }
    return names.sort(byName);
  }

  groups(cluster: string): string[] | undefined {
    const state = this.#clusters.get(cluster);
    return state ? [...state.groups.keys()].sort(byName) : undefined;
  }

  groupDetail(cluster: string, group: string): Map<string, ConsumerPartitionView[]> | undefined {
    const state = this.#clusters.get(cluster)?.groups.get(group);
    if (!state || !state.report) return undefined;
    const detail = new Map<string, ConsumerPartitionView[]>();
    const results = state.report.result.partitions;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      let views = detail.get(result.topic);
      if (!views) detail.set(result.topic, (views = []));
      const history = state.histories.get(result.topic)?.get(result.partition);
      views[result.partition] = {
        offsets: paddedOffsets(history?.offsets ?? [], this.#options.intervals),
        owner: result.owner,
        clientId: result.clientId,
        currentLag: result.currentLag,
      };
    }
    for (const views of detail.values()) {
      for (let i = 0; i < views.length; i++) views[i] ??= { offsets: [], owner: '', clientId: '', currentLag: 0 };
    }
    return detail;
  }

  groupReport(cluster: string, group: string): GroupReport | undefined {
    return this.#clusters.get(cluster)?.groups.get(group)?.report ?? undefined;
  }

  groupReports(cluster: string): GroupReport[] | undefined {
    const state = this.#clusters.get(cluster);
    if (!state) return undefined;
    return [...state.groups.keys()].sort(byName).flatMap((name) => state.groups.get(name)!.report ?? []);
  }

  lastCycle(cluster: string): CycleReport | undefined {
    return this.#clusters.get(cluster)?.lastCycle;
  }

  ready(): boolean {
    for (const state of this.#clusters.values()) if (state.fullCycles === 0) return false;
    return true;
  }

  groupEvents(cluster: string, group: string): readonly WarrenEvent[] | undefined {
    return this.#clusters.get(cluster)?.groups.has(group) ? [] : undefined;
  }

  deleteGroup(cluster: string, group: string, topic?: string): void {
    const state = this.#clusters.get(cluster);
    const tracked = state?.groups.get(group);
    if (!state || !tracked) return;
    if (topic !== undefined) {
      tracked.histories.delete(topic);
      state.forgotten.set(`${group}\0${topic}`, null);
      if (tracked.histories.size > 0) {
        if (tracked.report) {
          const keep = tracked.report.result.partitions.map((p) => p.topic !== topic);
          tracked.report = {
            ...tracked.report,
            details: tracked.report.details.filter((_, i) => keep[i]),
            result: { ...tracked.report.result, partitions: tracked.report.result.partitions.filter((_, i) => keep[i]) } as GroupReport['result'],
          };
        }
        return;
      }
    }
    state.groups.delete(group);
    state.forgotten.set(group, null);
  }
}

/**
 * Whether a forgotten group (or group topic) stays forgotten: yes while its committed offsets are those it had
 * when it was forgotten. The first scrape after an API delete records them.
 */
function stillForgotten(forgotten: Map<string, string | null>, key: string, committed: ScrapedGroup['committed']): boolean {
  if (!forgotten.has(key)) return false;
  const signature = commitSignature(committed);
  const then = forgotten.get(key);
  if (then === null || then === signature) {
    forgotten.set(key, signature);
    return true;
  }
  forgotten.delete(key);
  return false;
}

