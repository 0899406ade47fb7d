// Holding a group's status while it rebalances (Warren, issue 7). Pure: `nowMs` is an argument.
// During a rebalance or a rolling restart partitions are briefly unowned and commits pause, so the rules can
// judge a group worse than it is. For `graceMs` after the rebalance started, a status worse than the one shown
// before is held back; a status no worse is shown at once; after the grace period the judged status is shown.
import { STATUS_CODE } from './status.ts';
import type { GroupStatusName, RebalanceHold } from './types.ts';

const STABLE: RebalanceHold = Object.freeze({ kind: 'stable' }) as RebalanceHold;

export interface RebalanceHoldInput {
  /** The status shown before this judgement; null when none was shown yet (nothing to hold). */
  shown: GroupStatusName | null;
  /** The status the rules give the group now. */
  judged: GroupStatusName;
  /** When the group's current rebalance started (ms); null when it is not rebalancing. */
  rebalancingSince: number | null;
  nowMs: number;
  /** How long a worse status is held back; 0 never holds. */
  graceMs: number;
}

/** Whether the judged status is held back, shown as judged while rebalancing, or the grace period has run out. */
export function holdDuringRebalance(input: RebalanceHoldInput): RebalanceHold {
  const since = input.rebalancingSince;
  if (since === null) return STABLE;
  const judged = input.judged;
  if (input.nowMs - since >= input.graceMs) return { kind: 'grace-expired', since, judged };
  const shown = input.shown;
  if (shown !== null && STATUS_CODE[judged] > STATUS_CODE[shown]) return { kind: 'holding', since, held: shown, judged };
  return { kind: 'rebalancing', since };
}

/** The status to show: the held one while holding, else the judged one. */
export function shownStatus(hold: RebalanceHold, judged: GroupStatusName): GroupStatusName {
  return hold.kind === 'holding' ? hold.held : judged;
}
