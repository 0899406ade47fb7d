// Group membership between two cycles: who joined, who left, whether the epoch moved or the group entered a
// rebalance, and whether a new client id arrived (a deploy). Pure: the tracker passes both descriptions and
// the partitions' offsets, and turns the answer into rebalance and deploy events.
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
  /** Client ids of joined members that the group never had before (sorted, distinct). */
  newClientIds: string[];
}

function ref(member: MemberInfo): MemberRef {
  return { memberId: member.memberId, clientId: member.clientId, host: member.host, instanceId: member.groupInstanceId };
}

const byMember = (a: MemberRef, b: MemberRef) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

/**
 * What changed between the previous and the current description; null when nothing did.
 * `knownClientIds` are the client ids the group's members had before (across cycles), to tell a deploy of a
 * new client id from members of the same software coming back.
 */
export function membershipChange(previous: GroupDescription, current: GroupDescription, knownClientIds: ReadonlySet<string>): MembershipChange | null {
  const before = new Map(previous.members.map((m) => [m.memberId, m]));
  const now = new Map(current.members.map((m) => [m.memberId, m]));
  const joined: MemberRef[] = [];
  const left: MemberRef[] = [];
  for (const [id, member] of now) if (!before.has(id)) joined.push(ref(member));
  for (const [id, member] of before) if (!now.has(id)) left.push(ref(member));
  const epochMoved = previous.epoch >= 0 && current.epoch >= 0 && previous.epoch !== current.epoch;
  const enteredRebalance = isRebalancingState(current.state) && !isRebalancingState(previous.state);
  if (joined.length === 0 && left.length === 0 && !epochMoved && !enteredRebalance) return null;
  const newClientIds = knownClientIds.size === 0 ? [] : [...new Set(joined.map((m) => m.clientId).filter((id) => !knownClientIds.has(id)))].sort();
  return { joined: joined.sort(byMember), left: left.sort(byMember), epochMoved, enteredRebalance, newClientIds };
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

/** A deploy: members with a client id the group never had joined. `before` is the client ids known until now. */
export function deployEvent(
  cluster: string,
  group: string,
  at: number,
  knownClientIds: ReadonlySet<string>,
  knownHosts: ReadonlySet<string>,
  current: GroupDescription,
  offsets: OffsetMark[],
): DeployEvent {
  return {
    kind: 'deploy',
    cluster,
    group,
    at,
    clientIdsBefore: distinct(knownClientIds),
    clientIds: distinct(current.members.map((m) => m.clientId)),
    hostsBefore: distinct(knownHosts),
    hosts: distinct(current.members.map((m) => m.host)),
    offsets,
  };
}
