// Blue/green comparison on reports of a real Tracker fed synthetic scrapes: how far green is behind blue per
// partition, tolerance, negative `behind` (green ahead), partitions only one group has, and the verdicts.
import { describe, expect, it } from 'vitest';
import { compareGroups, comparisonSummary, formatComparison } from '../../collector/compare.ts';
import { Tracker } from '../../collector/tracker.ts';
import type { GroupReport } from '../../collector/types.ts';
import { buildScrape, T0, type GroupSpec } from '../contract/fixtures.ts';

/** Reports of the given groups after one cycle on topics orders (3 partitions), audit (1), other (1). */
function reports(groups: Record<string, GroupSpec>): Record<string, GroupReport> {
  const tracker = new Tracker({ clusters: ['prod'], intervals: 10, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
  tracker.ingest(buildScrape('prod', T0, { topics: { orders: [1000, 1000, 1000], audit: [50], other: [9] }, groups }));
  return Object.fromEntries(Object.keys(groups).map((name) => [name, tracker.groupReport('prod', name)!]));
}

describe('compareGroups', () => {
  it('behind = blue − green per partition; negative when green is ahead; totals count only positive gaps', () => {
    const { blue, green } = reports({
      blue: { committed: { orders: { 0: 900, 1: 800, 2: 700 } } },
      green: { committed: { orders: { 0: 850, 1: 800, 2: 720 } } },
    });
    const c = compareGroups(blue!, green!);
    expect(c).toEqual({
      verdict: 'behind',
      blue: 'blue',
      green: 'green',
      tolerance: 0,
      partitions: [
        { topic: 'orders', partition: 0, blueCommitted: 900, greenCommitted: 850, logEnd: 1000, behind: 50, caughtUp: false },
        { topic: 'orders', partition: 1, blueCommitted: 800, greenCommitted: 800, logEnd: 1000, behind: 0, caughtUp: true },
        { topic: 'orders', partition: 2, blueCommitted: 700, greenCommitted: 720, logEnd: 1000, behind: -20, caughtUp: true },
      ],
      partitionsBehind: 1,
      totalBehind: 50,
    });
    expect(comparisonSummary(c)).toBe('green green is behind blue blue on 1 partition, 50 messages in all');
  });

  it('tolerance: a gap at most the tolerance counts as caught up (inclusive); one above does not', () => {
    const { blue, green } = reports({
      blue: { committed: { orders: { 0: 900, 1: 800, 2: 700 } } },
      green: { committed: { orders: { 0: 850, 1: 790, 2: 700 } } },
    });
    expect(compareGroups(blue!, green!, { tolerance: 50 })).toMatchObject({ verdict: 'caught-up', tolerance: 50, partitionsBehind: 0, totalBehind: 60 });
    expect(compareGroups(blue!, green!, { tolerance: 49 })).toMatchObject({ verdict: 'behind', partitionsBehind: 1 });
    expect(comparisonSummary(compareGroups(blue!, green!, { tolerance: 50 }))).toBe('green green has caught up with blue blue (within 50)');
  });

  it('refuses a negative or fractional tolerance', () => {
    const { blue } = reports({ blue: { committed: { orders: { 0: 1 } } } });
    expect(() => compareGroups(blue!, blue!, { tolerance: -1 })).toThrow(RangeError);
    expect(() => compareGroups(blue!, blue!, { tolerance: 0.5 })).toThrow(/whole number/);
  });

  it('a group against itself has caught up', () => {
    const { blue } = reports({ blue: { committed: { orders: { 0: 1, 1: 2, 2: 3 } } } });
    expect(compareGroups(blue!, blue!).verdict).toBe('caught-up');
  });

  it('missing commits: green never committed a partition (behind, gap unknown); blue never did (does not count)', () => {
    const { blue, green } = reports({
      // The tracker lists every partition of a topic the group committed on: orders/2 has no commit from blue.
      blue: { committed: { orders: { 0: 900, 1: 800 } } },
      green: { committed: { orders: { 0: 900, 2: 30 } } },
    });
    const c = compareGroups(blue!, green!);
    expect(c.partitions).toEqual([
      { topic: 'orders', partition: 0, blueCommitted: 900, greenCommitted: 900, logEnd: 1000, behind: 0, caughtUp: true },
      { topic: 'orders', partition: 1, blueCommitted: 800, greenCommitted: null, logEnd: 1000, behind: null, caughtUp: false },
      { topic: 'orders', partition: 2, blueCommitted: null, greenCommitted: 30, logEnd: 1000, behind: null, caughtUp: false },
    ]);
    expect(c).toMatchObject({ verdict: 'behind', partitionsBehind: 1, totalBehind: 0 });
  });

  it('a green that owns the partitions but has not committed yet is behind on all of them', () => {
    const { blue, green } = reports({
      blue: { committed: { orders: { 0: 10, 1: 10, 2: 10 } } },
      green: { committed: {}, members: [{ host: '/10.0.0.2', clientId: 'green-1', topic: 'orders', partitions: [0, 1, 2] }] },
    });
    expect(compareGroups(blue!, green!)).toMatchObject({ verdict: 'behind', partitionsBehind: 3, totalBehind: 0 });
  });

  it('partitions only one group reads: blue-only ones keep green behind; green-only ones do not matter', () => {
    const { blue, green } = reports({
      blue: { committed: { orders: { 0: 5, 1: 5, 2: 5 }, audit: { 0: 40 } } },
      green: { committed: { orders: { 0: 5, 1: 5, 2: 5 }, other: { 0: 9 } } },
    });
    const c = compareGroups(blue!, green!);
    expect(c.partitions.map((p) => [`${p.topic}/${p.partition}`, p.blueCommitted, p.greenCommitted, p.logEnd, p.caughtUp])).toEqual([
      ['audit/0', 40, null, 50, false],
      ['orders/0', 5, 5, 1000, true],
      ['orders/1', 5, 5, 1000, true],
      ['orders/2', 5, 5, 1000, true],
      ['other/0', null, 9, 9, false],
    ]);
    expect(c).toMatchObject({ verdict: 'behind', partitionsBehind: 1 });
    const { blue: blue2, green: green2 } = reports({
      blue: { committed: { orders: { 0: 5, 1: 5, 2: 5 } } },
      green: { committed: { orders: { 0: 5, 1: 5, 2: 5 }, other: { 0: 9 } } },
    });
    expect(compareGroups(blue2!, green2!).verdict).toBe('caught-up');
  });

  it('no partition in common: its own verdict, whatever the numbers', () => {
    const { blue, green } = reports({ blue: { committed: { audit: { 0: 40 } } }, green: { committed: { other: { 0: 9 } } } });
    const c = compareGroups(blue!, green!);
    expect(c).toMatchObject({ verdict: 'no-common-partitions', partitionsBehind: 1, totalBehind: 0 });
    expect(c.partitions).toHaveLength(2);
    expect(comparisonSummary(c)).toBe('green green and blue blue have no partition in common: nothing to compare');
  });

  it('the text form: a table like describe, then the summary', () => {
    const { blue, green } = reports({
      blue: { committed: { orders: { 0: 900, 1: 800, 2: 700 } } },
      green: { committed: { orders: { 0: 850, 1: 800 } } },
    });
    const lines = formatComparison(compareGroups(blue!, green!)).split('\n');
    expect(lines[0]).toMatch(/^TOPIC\s+PARTITION\s+BLUE\s+GREEN\s+LOG-END-OFFSET\s+BEHIND\s+CAUGHT-UP$/);
    expect(lines[1]).toMatch(/^orders\s+0\s+900\s+850\s+1000\s+50\s+no$/);
    expect(lines[3]).toMatch(/^orders\s+2\s+700\s+-\s+1000\s+-\s+no$/);
    expect(lines.at(-1)).toBe('green green is behind blue blue on 2 partitions, 50 messages in all');
  });
});
