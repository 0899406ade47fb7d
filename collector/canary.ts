// Canaries: a new version of a consumer runs on a few members of the same group (its own client id, or its own
// hosts) next to the old version. `lagByMember` splits the group's lag by client id and by host, so the
// canary's partitions can be compared with the rest's. Pure.
import { STATUS_CODE, type PartitionStatusName } from '../evaluator/index.ts';
import type { GroupReport } from './types.ts';

export interface MemberLag {
  /** The client id (or host) the members share; '' for the partitions nobody owns. */
  key: string;
  /** Members owning at least one partition under this key. */
  members: number;
  partitions: number;
  totalLag: number;
  maxLag: number;
  /** The largest known lag in time (ms) of these partitions; null when none is known. */
  maxTimeLagMs: number | null;
  /** The worst partition status, in the evaluator's order (OK < WARN < STOP < STALL < REWIND). */
  worstStatus: PartitionStatusName;
  /** Sorted. */
  memberIds: string[];
}

export interface MemberSplit {
  byClientId: MemberLag[];
  byHost: MemberLag[];
  /** Partitions owned by nobody (key ''); null when every partition has an owner. */
  unassigned: MemberLag | null;
}

interface Accumulator {
  memberIds: Set<string>;
  partitions: number;
  totalLag: number;
  maxLag: number;
  maxTimeLagMs: number | null;
  worstStatus: PartitionStatusName;
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function finish(key: string, acc: Accumulator): MemberLag {
  const memberIds = [...acc.memberIds].filter((id) => id !== '').sort();
  return {
    key,
    members: memberIds.length,
    partitions: acc.partitions,
    totalLag: acc.totalLag,
    maxLag: acc.maxLag,
    maxTimeLagMs: acc.maxTimeLagMs,
    worstStatus: acc.worstStatus,
    memberIds,
  };
}

/**
 * The group's lag split by the owners' client id and by their host (partitions sorted into the member that owns
 * them now), plus the partitions nobody owns. Each list is sorted by key.
 */
export function lagByMember(report: GroupReport): MemberSplit {
  const byClientId = new Map<string, Accumulator>();
  const byHost = new Map<string, Accumulator>();
  let unassigned: Accumulator | null = null;
  const add = (map: Map<string, Accumulator> | null, key: string, memberId: string, lag: number, timeLagMs: number | null, status: PartitionStatusName) => {
    let acc = map ? map.get(key) : unassigned;
    if (!acc) {
      acc = { memberIds: new Set(), partitions: 0, totalLag: 0, maxLag: 0, maxTimeLagMs: null, worstStatus: 'OK' };
      if (map) map.set(key, acc);
      else unassigned = acc;
    }
    acc.memberIds.add(memberId);
    acc.partitions++;
    acc.totalLag += lag;
    acc.maxLag = Math.max(acc.maxLag, lag);
    if (timeLagMs !== null) acc.maxTimeLagMs = Math.max(acc.maxTimeLagMs ?? 0, timeLagMs);
    if (STATUS_CODE[status] > STATUS_CODE[acc.worstStatus]) acc.worstStatus = status;
  };
  report.result.partitions.forEach((p, i) => {
    const detail = report.details[i]!;
    const timeLagMs = p.timeLag.kind === 'unknown' ? null : p.timeLag.ms;
    if (detail.memberId === '') {
      add(null, '', '', p.currentLag, timeLagMs, p.status);
      return;
    }
    add(byClientId, detail.clientId, detail.memberId, p.currentLag, timeLagMs, p.status);
    add(byHost, detail.host, detail.memberId, p.currentLag, timeLagMs, p.status);
  });
  const list = (map: Map<string, Accumulator>) => [...map].map(([key, acc]) => finish(key, acc)).sort(byKey);
  const none = unassigned as Accumulator | null;
  return { byClientId: list(byClientId), byHost: list(byHost), unassigned: none ? finish('', none) : null };
}
