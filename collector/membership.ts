// Group membership between two cycles: who joined, who left, whether the epoch moved or the group entered a
// rebalance; and whether client ids the group did not have when it last settled arrived (a deploy). Pure: the
// tracker passes the descriptions and the partitions' offsets, and turns the answers into events.
import type { DeployEvent, GroupDescription, MemberInfo, MemberRef, OffsetMark, PartitionDetail, RebalanceEvent } from './types.ts';

/**
 * Broker states of a group in the middle of a rebalance: classic groups (PreparingRebalance,
 * CompletingRebalance) and KIP-848 groups (Assigning, Reconciling). Compared without case.
 */
const REBALANCING_STATES = new Set(['preparingrebalance', 'completingrebalance', 'assigning', 'reconciling']);

export function isRebalancingState(state: string): boolean {
  return REBALANCING_STATES.has(state.toLowerCase());
}

export interface MembershipChange {
  joined: MemberRef[];
  left: MemberRef[];
  epochMoved: boolean;
  enteredRebalance: boolean;
}

function ref(member: MemberInfo): MemberRef {
  return { memberId: member.memberId, clientId: member.clientId, host: member.host, instanceId: member.groupInstanceId };
}

const byMember = (a: MemberRef, b: MemberRef) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

/** What changed between the previous and the current description; null when nothing did. */
export function membershipChange(previous: GroupDescription, current: GroupDescription): MembershipChange | null {
  const before = new Map(previous.members.map((m) => [m.memberId, m]));
  const now = new Map(current.members.map((m) => [m.memberId, m]));
  const joined: MemberRef[] = [];
  const left: MemberRef[] = [];
  for (const [id, member] of now) if (!before.has(id)) joined.push(ref(member));
  for (const [id, member] of before) if (!now.has(id)) left.push(ref(member));
  const epochMoved = previous.epoch >= 0 && current.epoch >= 0 && previous.epoch !== current.epoch;
  const enteredRebalance = isRebalancingState(current.state) && !isRebalancingState(previous.state);
  if (joined.length === 0 && left.length === 0 && !epochMoved && !enteredRebalance) return null;
  return { joined: joined.sort(byMember), left: left.sort(byMember), epochMoved, enteredRebalance };
}

/**
 * A deploy (a client id change): members with client ids the group did not have when it last settled joined.
 * A restart that keeps its client id is not one. Null when none arrived.
 */
export function newClientIds(settled: ReadonlySet<string>, members: readonly MemberInfo[]): string[] | null {
  if (settled.size === 0) return null;
  const arrived = [...new Set(members.map((m) => m.clientId))].filter((id) => !settled.has(id)).sort();
  return arrived.length > 0 ? arrived : null;
}

/** Every partition's committed offset and log end at this moment. */
export function offsetMarks(details: readonly PartitionDetail[]): OffsetMark[] {
  return details.map((d) => ({ topic: d.topic, partition: d.partition, committed: d.committed, logEnd: d.logEnd }));
}

function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)].filter((v) => v !== '').sort();
}

export function rebalanceEvent(
  cluster: string,
  group: string,
  at: number,
  previous: GroupDescription,
  current: GroupDescription,
  change: MembershipChange,
  offsets: OffsetMark[],
): RebalanceEvent {
  return {
    kind: 'rebalance',
    cluster,
    group,
    at,
    previousState: previous.state,
    state: current.state,
    previousEpoch: previous.epoch,
    epoch: current.epoch,
    joined: change.joined,
    left: change.left,
    memberCount: current.members.length,
    offsets,
  };
}

/** The deploy event: `settledClientIds`/`settledHosts` are the group's when it last settled, before the change. */
export function deployEvent(
  cluster: string,
  group: string,
  at: number,
  settledClientIds: ReadonlySet<string>,
  settledHosts: ReadonlySet<string>,
  current: GroupDescription,
  offsets: OffsetMark[],
): DeployEvent {
  return {
    kind: 'deploy',
    cluster,
    group,
    at,
    clientIdsBefore: distinct(settledClientIds),
    clientIds: distinct(current.members.map((m) => m.clientId)),
    hostsBefore: distinct(settledHosts),
    hosts: distinct(current.members.map((m) => m.host)),
    offsets,
  };
}
