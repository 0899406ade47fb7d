// `warren describe`'s table: the TIME-LAG column and its duration format.
import { describe, expect, it } from 'vitest';
import { describeRows, formatDuration, formatTable } from '../../collector/describe.ts';
import { Tracker } from '../../collector/tracker.ts';
import type { ClusterScrape } from '../../collector/types.ts';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [850, '850ms'],
    [12_400, '12.4s'],
    [185_000, '3m05s'],
    [7_260_000, '2h01m'],
    [273_600_000, '3d04h'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('describe rows', () => {
  it('show the time lag once there is a history, "-" before, and mark an extrapolated one as a lower bound', () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 10, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
    const scrape = (at: number, end: number, committed: number): ClusterScrape => ({
      cluster: 'c',
      startedAt: at,
      finishedAt: at,
      reachable: true,
      errors: [],
      topics: new Map([['t', { name: 't', partitions: 1, internal: false }]]),
      logEnd: new Map([['t', [end]]]),
      groups: new Map([['g', { description: { group: 'g', groupType: 'classic', protocolType: 'consumer', state: 'Empty', epoch: -1, members: [] }, committed: new Map([['t', new Map([[0, committed]])]]) }]]),
    });
    // 10 records a second from t = 0; the group sits at offset 50 (produced at 5 s).
    for (let s = 0; s <= 8; s++) tracker.ingest(scrape(s * 1000, s * 10, Math.min(50, s * 10)));
    const rows = describeRows(tracker.groupReport('c', 'g')!);
    expect(rows[0]).toMatchObject({ lag: 30, timeLagMs: 3000, timeLagKind: 'interpolated' });
    const table = formatTable(rows);
    expect(table.split('\n')[0]).toMatch(/\sLAG\s+TIME-LAG\s+CONSUMER-ID/);
    expect(table.split('\n')[1]).toMatch(/\s30\s+3\.0s\s/);
  });
});
