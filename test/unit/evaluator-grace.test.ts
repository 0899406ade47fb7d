// Holding a group's status while it rebalances (issue 7): every branch of holdDuringRebalance, and shownStatus.
import { describe, expect, it } from 'vitest';
import { holdDuringRebalance, shownStatus } from '../../evaluator/index.ts';
import type { GroupStatusName } from '../../evaluator/index.ts';

const GRACE = 60_000;
const SINCE = 1_000_000;

function hold(shown: GroupStatusName | null, judged: GroupStatusName, rebalancingSince: number | null, nowMs: number, graceMs = GRACE) {
  return holdDuringRebalance({ shown, judged, rebalancingSince, nowMs, graceMs });
}

describe('holdDuringRebalance', () => {
  it('stable when not rebalancing, whatever the statuses', () => {
    expect(hold('OK', 'ERR', null, SINCE)).toEqual({ kind: 'stable' });
    expect(hold(null, 'WARN', null, SINCE, 0)).toEqual({ kind: 'stable' });
  });

  it('holding: rebalancing within the grace period and judged worse than shown', () => {
    expect(hold('OK', 'ERR', SINCE, SINCE + 10_000)).toEqual({ kind: 'holding', since: SINCE, held: 'OK', judged: 'ERR' });
    expect(hold('WARN', 'ERR', SINCE, SINCE)).toEqual({ kind: 'holding', since: SINCE, held: 'WARN', judged: 'ERR' });
    // NOTFOUND shown (the group was unknown) holds too: anything judged is worse by Burrow's numbering.
    expect(hold('NOTFOUND', 'OK', SINCE, SINCE + 1)).toEqual({ kind: 'holding', since: SINCE, held: 'NOTFOUND', judged: 'OK' });
    // One ms before the grace period ends.
    expect(hold('OK', 'WARN', SINCE, SINCE + GRACE - 1).kind).toBe('holding');
  });

  it('rebalancing: judged no worse than shown, or nothing shown yet, is shown at once', () => {
    expect(hold('ERR', 'OK', SINCE, SINCE + 10_000)).toEqual({ kind: 'rebalancing', since: SINCE });
    expect(hold('WARN', 'WARN', SINCE, SINCE + 10_000)).toEqual({ kind: 'rebalancing', since: SINCE });
    expect(hold(null, 'ERR', SINCE, SINCE + 10_000)).toEqual({ kind: 'rebalancing', since: SINCE });
  });

  it('grace-expired: rebalancing for the grace period or longer shows the judged status', () => {
    expect(hold('OK', 'ERR', SINCE, SINCE + GRACE)).toEqual({ kind: 'grace-expired', since: SINCE, judged: 'ERR' });
    expect(hold('ERR', 'OK', SINCE, SINCE + 10 * GRACE)).toEqual({ kind: 'grace-expired', since: SINCE, judged: 'OK' });
  });

  it('a grace period of 0 never holds', () => {
    expect(hold('OK', 'ERR', SINCE, SINCE, 0)).toEqual({ kind: 'grace-expired', since: SINCE, judged: 'ERR' });
    expect(hold('OK', 'ERR', SINCE, SINCE + 5, 0)).toEqual({ kind: 'grace-expired', since: SINCE, judged: 'ERR' });
  });
});

describe('shownStatus', () => {
  it('the held status while holding, the judged one otherwise', () => {
    expect(shownStatus(hold('OK', 'ERR', SINCE, SINCE + 1), 'ERR')).toBe('OK');
    expect(shownStatus(hold('ERR', 'OK', SINCE, SINCE + 1), 'OK')).toBe('OK');
    expect(shownStatus(hold('OK', 'ERR', SINCE, SINCE + GRACE), 'ERR')).toBe('ERR');
    expect(shownStatus(hold('OK', 'ERR', null, SINCE), 'ERR')).toBe('ERR');
  });
});
