// The tracker keeps, per cluster, the windows of every group-partition, turns each cycle's scrape into a
// judged report (through the pure evaluator) and the events of what changed, and answers read-only queries
// (StateView) for the HTTP API, the metrics and the CLI. Time comes only from the scrapes.
import {
  emptyHistory,
  emptyLogEnds,
  evaluateGroup,
  holdDuringRebalance,
  isNegativeLag,
  lagOf,
  lastCommitTime,
  newestLogEnd,
  paddedOffsets,
  recordLogEnd,
  recordSample,
  shownStatus,
  type GroupResult,
  type GroupStatusName,
  type LogEndHistory,
  type PartitionHistory,
  type PartitionInput,
  type RebalanceHold,
  type RuleConfig,
} from '../evaluator/index.ts';
import { deployEvent, isRebalancingState, membershipChange, offsetMarks, newClientIds, rebalanceEvent } from './membership.ts';
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
  /** Hold a worse status back this long while a group rebalances (0: never). */
  rebalanceGraceMs?: number;
  /** Log-end points kept per topic-partition for lag in time. */
  logEndHistory?: number;
  /** Events kept per group for `groupEvents`. */
  eventsPerGroup?: number;
  /**
   * Lag in time (default on): keep log-end histories and hand them to the evaluator. Off, `timeLag` is unknown
   * everywhere; the benchmark turns it off to measure the estimator's share of the evaluate step.
   */
  timeLag?: boolean;
}

interface GroupState {
  description: GroupDescription;
  /** topic → partition → history */
  histories: Map<string, Map<number, PartitionHistory>>;
  firstSeen: number;
  report: GroupReport | null;
  /** The status shown last (after any rebalance hold); null before the first report. */
  shown: GroupStatusName | null;
  /** When the current rebalance started (first membership change of a run of them); null when stable. */
  rebalancingSince: number | null;
  /** The last cycle that saw the membership change or the group in a rebalancing state. */
  lastChangeAt: number;
  /**
   * The deploy baseline: client ids and hosts of the members when the group last settled (members, and
   * nothing changed for the grace period). While the group is still forming (first seen, members only
   * joining) joiners are added to it; the first departure, or settling, freezes it. `deployedInRun`: the
   * current rebalance already gave its deploy event.
   */
  clientIds: Set<string>;
  hosts: Set<string>;
  baselineFrozen: boolean;
  deployedInRun: boolean;
  /** Recent events of the group, oldest first, at most `eventsPerGroup`. */
  events: WarrenEvent[];
}

interface ClusterState {
  topics: Map<string, TopicMetadata>;
  logEnd: Map<string, (number | null)[]>;
  /** Log-end history per topic-partition (index = partition), shared by every group reading it. */
  logEnds: Map<string, LogEndHistory[]>;
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
      this.#clusters.set(name, {
        topics: new Map(),
        logEnd: new Map(),
        logEnds: new Map(),
        groups: new Map(),
        forgotten: new Map(),
        lastCycle: undefined,
        fullCycles: 0,
      });
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
    // Topics: a topic gone from the metadata is removed from every group (Burrow's DeleteTopic). A topic whose
    // metadata could not be read this cycle (a leader moving, or deleted while it was read) is kept as it was:
    // if it is gone, the next cycle's list says so.
    const unread = new Set(scrape.errors.flatMap((e) => (e.stage === 'metadata' && e.topic !== undefined ? [e.topic] : [])));
    const topics = new Map(scrape.topics);
    for (const [topic, meta] of state.topics) {
      if (topics.has(topic)) continue;
      if (unread.has(topic)) topics.set(topic, meta);
      else for (const group of state.groups.values()) group.histories.delete(topic);
    }
    state.topics = topics;
    state.logEnd = scrape.logEnd;
    if (this.#options.timeLag !== false) this.#recordLogEnds(state, scrape, at);

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
      const isNew = !group;
      if (!group) {
        group = {
          description: scraped.description,
          histories: new Map(),
          firstSeen: at,
          report: null,
          shown: null,
          rebalancingSince: null,
          lastChangeAt: at,
          clientIds: new Set(scraped.description.members.map((m) => m.clientId)),
          hosts: new Set(scraped.description.members.map((m) => m.host)),
          baselineFrozen: false,
          deployedInRun: false,
          events: [],
        };
        state.groups.set(name, group);
      }
      const previousDescription = group.description;
      group.description = scraped.description;
      const judged = this.#judge(scrape, state, name, group, scraped, at);
      negativeLagClamped += judged.clamped;
      const groupEvents = this.#membershipEvents(scrape.cluster, name, group, isNew ? null : previousDescription, judged.report, at);

      // Expiry: no member, and nothing has moved for expire-group.
      if (this.#expired(group, at)) {
        state.groups.delete(name);
        state.forgotten.set(name, commitSignature(scraped.committed));
        events.push({ kind: 'group-gone', cluster: scrape.cluster, group: name, at, why: 'expired' });
        continue;
      }
      const previous = group.shown;
      this.#holdDuringRebalance(group, judged.report, groupEvents.some((e) => e.kind === 'rebalance'), at);
      this.#settle(group, at);
      group.report = judged.report;
      group.shown = judged.report.result.status;
      partitionCount += judged.report.result.partitionCount;
      reports.push(judged.report);
      const result = judged.report.result;
      for (const event of groupEvents) this.#remember(group, event, events);
      if (previous !== null && previous !== result.status) {
        const worst = result.status === 'NOTFOUND' ? null : result.worst;
        this.#remember(group, {
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
        }, events);
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

  /** Keeps an event in the group's recent events and in the cycle's. */
  #remember(group: GroupState, event: WarrenEvent, events: WarrenEvent[]): void {
    events.push(event);
    const keep = this.#options.eventsPerGroup ?? 50;
    if (keep <= 0) return;
    group.events.push(event);
    if (group.events.length > keep) group.events.splice(0, group.events.length - keep);
  }

  /** Adds this cycle's log ends to the per-partition histories; forgets topics and partitions that are gone. */
  #recordLogEnds(state: ClusterState, scrape: ClusterScrape, at: number): void {
    const capacity = this.#options.logEndHistory ?? 120;
    for (const topic of state.logEnds.keys()) if (!state.topics.has(topic)) state.logEnds.delete(topic);
    for (const [topic, ends] of scrape.logEnd) {
      let histories = state.logEnds.get(topic);
      if (!histories) state.logEnds.set(topic, (histories = []));
      if (histories.length > ends.length) histories.length = ends.length;
      for (let p = 0; p < ends.length; p++) {
        const end = ends[p];
        const history = (histories[p] ??= emptyLogEnds());
        if (end !== null && end !== undefined) recordLogEnd(history, end, at, capacity);
      }
    }
  }

  /** Rebalance and deploy events from the change of membership since the last cycle. */
  #membershipEvents(cluster: string, name: string, group: GroupState, previous: GroupDescription | null, report: GroupReport, at: number): WarrenEvent[] {
    const current = group.description;
    // The first sight of a group tells nothing about what changed; it only records who the members are.
    const change = previous === null ? null : membershipChange(previous, current);
    const out: WarrenEvent[] = [];
    if (change) out.push(rebalanceEvent(cluster, name, at, previous!, current, change, offsetMarks(report.details)));
    if ((change && change.left.length > 0) || current.members.length === 0) group.baselineFrozen = true;
    if (!group.baselineFrozen) {
      for (const m of current.members) {
        group.clientIds.add(m.clientId);
        group.hosts.add(m.host);
      }
    }
    if (!group.deployedInRun && newClientIds(group.clientIds, current.members)) {
      out.push(deployEvent(cluster, name, at, group.clientIds, group.hosts, current, offsetMarks(report.details)));
      group.deployedInRun = true;
    }
    return out;
  }

  /** Once the group has settled (members, nothing changed for the grace period), its client ids are the deploy baseline. */
  #settle(group: GroupState, at: number): void {
    const members = group.description.members;
    if (group.rebalancingSince !== null || members.length === 0 || at - group.lastChangeAt < (this.#options.rebalanceGraceMs ?? 0)) return;
    group.clientIds = new Set(members.map((m) => m.clientId));
    group.hosts = new Set(members.map((m) => m.host));
    group.baselineFrozen = true;
    group.deployedInRun = false;
  }

  /**
   * A membership change (or a rebalancing broker state) starts a rebalance; for the grace period after its
   * first change, a status worse than the one shown before is held back (evaluator's holdDuringRebalance):
   * partitions are briefly unowned and commits pause while members come and go, and the STOP that follows
   * shows a cycle or two later. The rebalance is over once nothing has changed for the grace period. A group
   * that keeps changing (a consumer in a crash loop) is held for one grace period only, never longer.
   */
  #holdDuringRebalance(group: GroupState, report: GroupReport, changed: boolean, at: number): void {
    const graceMs = this.#options.rebalanceGraceMs ?? 0;
    const rebalancingNow = changed || isRebalancingState(group.description.state);
    if (rebalancingNow) {
      group.lastChangeAt = at;
      if (group.rebalancingSince === null) group.rebalancingSince = at;
    } else if (group.rebalancingSince !== null && at - group.lastChangeAt >= graceMs) {
      group.rebalancingSince = null;
    }
    const judged = report.result.status;
    const hold: RebalanceHold = holdDuringRebalance({ shown: group.shown, judged, rebalancingSince: group.rebalancingSince, nowMs: at, graceMs });
    report.rebalance = hold;
    const shown = shownStatus(hold, judged);
    if (shown !== judged) report.result = { ...report.result, status: shown } as GroupResult;
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
      const starts = scrape.logStart?.get(topic);
      const logEnds = state.logEnds.get(topic);
      const recordTimes = scrape.recordTimes?.get(name)?.get(topic);
      for (const p of [...ids].sort((a, b) => a - b)) {
        const committed = committedOnTopic?.get(p) ?? null;
        const logEnd = ends?.[p] ?? null;
        const logStart = starts?.[p] ?? null;
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
          committed,
          logEnds: logEnds?.[p],
          logStart,
          exactProducedAt: recordTimes?.get(p) ?? null,
        });
        details.push({
          topic,
          partition: p,
          committed,
          logEnd,
          logStart,
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
    return this.#clusters.get(cluster)?.groups.get(group)?.events;
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

