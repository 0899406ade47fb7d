// Offsets snapshots: taken from a real Tracker's report, written and read back, refused with the file and the
// field named when corrupted; and the diff of two snapshots, worked through by hand.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffSnapshots, formatDiff, parseSnapshot, readSnapshot, SnapshotError, snapshotFromReport, snapshotText, writeSnapshot, type OffsetSnapshot } from '../../collector/offsets.ts';
import { Tracker } from '../../collector/tracker.ts';
import { buildScrape, T0 } from '../contract/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'warren-offsets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trackedReport() {
  const tracker = new Tracker({ clusters: ['prod'], intervals: 10, expireGroupMs: 86_400_000, rules: { allowedLag: 0, minimumComplete: 0 } });
  tracker.ingest(
    buildScrape('prod', T0, {
      // `payments` partition 1: log end unknown. `orders` partition 2: never committed.
      topics: { payments: [500, null], orders: [1000, 1000, 1000] },
      groups: { svc: { committed: { payments: { 0: 450, 1: 20 }, orders: { 1: 990, 0: 1000 } } } },
    }),
  );
  return tracker.groupReport('prod', 'svc')!;
}

const snap = (takenAt: string, partitions: OffsetSnapshot['partitions'], group = 'svc'): OffsetSnapshot => ({ version: 1, cluster: 'prod', group, takenAt, partitions });

describe('snapshotFromReport', () => {
  it('takes every partition of the report, sorted, with committed and log end (null where unknown)', () => {
    const snapshot = snapshotFromReport(trackedReport());
    expect(snapshot).toEqual({
      version: 1,
      cluster: 'prod',
      group: 'svc',
      takenAt: new Date(T0).toISOString(),
      partitions: [
        { topic: 'orders', partition: 0, committed: 1000, logEnd: 1000 },
        { topic: 'orders', partition: 1, committed: 990, logEnd: 1000 },
        { topic: 'orders', partition: 2, committed: null, logEnd: 1000 },
        { topic: 'payments', partition: 0, committed: 450, logEnd: 500 },
        { topic: 'payments', partition: 1, committed: 20, logEnd: null },
      ],
    });
  });

  it('writes and reads back the same snapshot; the file is two-space JSON with a final newline', () => {
    const snapshot = snapshotFromReport(trackedReport());
    const path = join(dir, 'round-trip.json');
    writeSnapshot(path, snapshot);
    expect(readFileSync(path, 'utf8')).toBe(snapshotText(snapshot));
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    expect(readSnapshot(path)).toEqual(snapshot);
  });

  it('reads a hand-written file in any order and sorts its partitions', () => {
    const path = join(dir, 'unsorted.json');
    writeFileSync(
      path,
      JSON.stringify(snap('2026-01-01T12:00:00+01:00', [
        { topic: 'b', partition: 0, committed: 1, logEnd: 2 },
        { topic: 'a', partition: 10, committed: 1, logEnd: 2 },
        { topic: 'a', partition: 2, committed: null, logEnd: null },
      ])),
    );
    expect(readSnapshot(path).partitions.map((p) => `${p.topic}/${p.partition}`)).toEqual(['a/2', 'a/10', 'b/0']);
  });

  it('cannot write into a missing directory: SnapshotError naming the file', () => {
    const path = join(dir, 'no-such-dir', 'x.json');
    expect(() => writeSnapshot(path, snap('2026-01-01T00:00:00Z', []))).toThrow(`cannot write snapshot file ${path}: ENOENT`);
  });
});

describe('readSnapshot refuses bad files, naming the file and the field', () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const good = () => snap('2026-01-01T12:00:00.000Z', [{ topic: 'orders', partition: 0, committed: 5, logEnd: 9 }]);
  const refused = (path: string): SnapshotError => {
    try {
      readSnapshot(path);
    } catch (error) {
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as SnapshotError).file).toBe(path);
      return error as SnapshotError;
    }
    throw new Error(`${path} was accepted`);
  };

  it('a missing file', () => {
    const path = join(dir, 'nope.json');
    expect(refused(path).message).toBe(`snapshot file ${path} does not exist`);
  });

  it('a directory', () => {
    expect(refused(dir).message).toBe(`cannot read snapshot file ${dir}: EISDIR`);
  });

  it('not JSON (a truncated file)', () => {
    const path = write('truncated.json', snapshotText(good()).slice(0, 40));
    expect(refused(path).message).toMatch(new RegExp(`^snapshot file ${path} is not JSON: `));
  });

  it('another version', () => {
    const path = write('v2.json', JSON.stringify({ ...good(), version: 2 }));
    expect(refused(path).message).toBe(`snapshot file ${path} is not a valid offsets snapshot: version: expected 1 (this Warren reads snapshot version 1), got 2`);
  });

  it('a missing field, a negative offset, a fractional partition, a bad date: each named by its path', () => {
    const { group: _group, ...noGroup } = good();
    expect(refused(write('no-group.json', JSON.stringify(noGroup))).message).toMatch(/: group: /);
    const negative = good();
    negative.partitions[0]!.committed = -1;
    expect(refused(write('negative.json', JSON.stringify(negative))).message).toContain('partitions[0].committed: expected an offset of at least 0');
    const fractional = { ...good(), partitions: [{ topic: 'orders', partition: 0.5, committed: 1, logEnd: 1 }] };
    expect(refused(write('fractional.json', JSON.stringify(fractional))).message).toContain('partitions[0].partition: expected a whole number');
    const stringOffset = { ...good(), partitions: [{ topic: 'orders', partition: 0, committed: '5', logEnd: 1 }] };
    expect(refused(write('string.json', JSON.stringify(stringOffset))).message).toContain('partitions[0].committed: ');
    expect(refused(write('date.json', JSON.stringify({ ...good(), takenAt: 'yesterday' }))).message).toContain('takenAt: expected an ISO 8601 date-time');
    expect(refused(write('array.json', '[]')).message).toMatch(/: \(root\): /);
  });

  it('a partition listed twice', () => {
    const twice = { ...good(), partitions: [good().partitions[0], good().partitions[0]] };
    expect(refused(write('twice.json', JSON.stringify(twice))).message).toContain('partitions[1]: orders/0 appears more than once');
  });

  it('parseSnapshot names its source the same way', () => {
    expect(() => parseSnapshot({}, 'stdin')).toThrow(/^snapshot file stdin is not a valid offsets snapshot: version: /);
  });
});

describe('diffSnapshots', () => {
  const before = snap('2026-01-01T12:00:00.000Z', [
    { topic: 'orders', partition: 0, committed: 100, logEnd: 150 },
    { topic: 'orders', partition: 1, committed: 200, logEnd: 200 },
    { topic: 'orders', partition: 2, committed: null, logEnd: 40 },
    { topic: 'retired', partition: 0, committed: 7, logEnd: 7 },
  ]);
  const after = snap('2026-01-01T12:05:00.000Z', [
    { topic: 'audit', partition: 0, committed: 3, logEnd: 10 },
    { topic: 'orders', partition: 0, committed: 160, logEnd: 170 },
    { topic: 'orders', partition: 1, committed: 150, logEnd: 230 },
    { topic: 'orders', partition: 2, committed: 40, logEnd: 40 },
  ]);

  it('per partition: moved, log ends and lags; partitions of one side only, listed', () => {
    const diff = diffSnapshots(before, after);
    expect(diff.elapsedMs).toBe(300_000);
    expect(diff.before).toEqual({ cluster: 'prod', group: 'svc', takenAt: '2026-01-01T12:00:00.000Z' });
    expect(diff.partitions).toEqual([
      { topic: 'audit', partition: 0, before: null, after: 3, moved: null, logEndBefore: null, logEndAfter: 10, lagBefore: null, lagAfter: 7 },
      { topic: 'orders', partition: 0, before: 100, after: 160, moved: 60, logEndBefore: 150, logEndAfter: 170, lagBefore: 50, lagAfter: 10 },
      // Rewound by 50 while 30 more were produced.
      { topic: 'orders', partition: 1, before: 200, after: 150, moved: -50, logEndBefore: 200, logEndAfter: 230, lagBefore: 0, lagAfter: 80 },
      // First commit after the snapshot: no `moved`.
      { topic: 'orders', partition: 2, before: null, after: 40, moved: null, logEndBefore: 40, logEndAfter: 40, lagBefore: null, lagAfter: 0 },
      { topic: 'retired', partition: 0, before: 7, after: null, moved: null, logEndBefore: 7, logEndAfter: null, lagBefore: 0, lagAfter: null },
    ]);
    expect(diff.totals).toEqual({ moved: 10, produced: 50, lagBefore: 50, lagAfter: 97 });
    expect(diff.onlyBefore).toEqual([{ topic: 'retired', partition: 0 }]);
    expect(diff.onlyAfter).toEqual([{ topic: 'audit', partition: 0 }]);
  });

  it('a snapshot against itself moves nothing', () => {
    const diff = diffSnapshots(before, before);
    expect(diff.partitions.every((p) => p.moved === null || p.moved === 0)).toBe(true);
    expect(diff).toMatchObject({ elapsedMs: 0, totals: { moved: 0, produced: 0 }, onlyBefore: [], onlyAfter: [] });
  });

  it('lag never below 0 (log end read before a commit that passed it)', () => {
    const diff = diffSnapshots(snap('2026-01-01T00:00:00Z', [{ topic: 't', partition: 0, committed: 12, logEnd: 10 }]), snap('2026-01-01T00:00:01Z', []));
    expect(diff.partitions[0]!.lagBefore).toBe(0);
  });

  it('the text form: header, table, totals, one-side partitions and rewinds', () => {
    const text = formatDiff(diffSnapshots(before, after));
    const lines = text.split('\n');
    expect(lines[0]).toBe('before: prod/svc at 2026-01-01T12:00:00.000Z');
    expect(lines[1]).toBe('after:  prod/svc at 2026-01-01T12:05:00.000Z (300.0 s later)');
    expect(lines[3]).toMatch(/^TOPIC\s+PARTITION\s+BEFORE\s+AFTER\s+MOVED\s+LOG-END-BEFORE\s+LOG-END-AFTER\s+LAG-BEFORE\s+LAG-AFTER$/);
    expect(lines[5]).toMatch(/^orders\s+0\s+100\s+160\s+60\s+150\s+170\s+50\s+10$/);
    expect(lines[4]).toMatch(/^audit\s+0\s+-\s+3\s+-\s+-\s+10\s+-\s+7$/);
    expect(lines).toContain('moved 10, produced 50, lag 50 -> 97');
    expect(lines).toContain('only before: retired/0');
    expect(lines).toContain('only after: audit/0');
    expect(lines).toContain('rewound: orders/1');
  });
});
