// `warren offsets snapshot|diff` and `warren compare` against a real Kafka 4.x broker, run in-process through
// main() with the output captured: offsets committed through the admin API, snapshots taken, offsets moved,
// diffs of file against file and of file against now, and a blue/green comparison before and after green
// catches up — with the exit codes and the errors for missing groups and bad snapshot files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../collector/cli.ts';
import { readSnapshot, type OffsetSnapshot, type SnapshotDiff } from '../../collector/offsets.ts';
import type { GroupComparison } from '../../collector/compare.ts';
import { admin, commit, createTopic, produce, uniqueName } from '../helpers/kafka.ts';
import { kafkaBrokers } from '../helpers/services.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { code, out, err };
}

describe('warren offsets and compare on kafka4', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-cli-offsets-'));
  const prefix = uniqueName('it-offsets');
  const topic = `${prefix}-orders`;
  const other = `${prefix}-audit`;
  const svc = `${prefix}-svc`;
  const blue = `${prefix}-blue`;
  const green = `${prefix}-green`;
  const elsewhere = `${prefix}-elsewhere`;
  const file = (name: string) => join(dir, name);
  let brokers: string[];
  let client: Admin;
  let config: string;

  beforeAll(async () => {
    brokers = kafkaBrokers('kafka4');
    client = admin(brokers);
    await createTopic(client, topic, 3);
    await createTopic(client, other, 1);
    await produce(brokers, topic, [0, 1, 2], 100);
    await produce(brokers, other, [0], 5);
    await commit(client, svc, topic, { 0: 40, 1: 60, 2: 100 });
    await commit(client, blue, topic, { 0: 100, 1: 100, 2: 100 });
    await commit(client, green, topic, { 0: 70, 1: 100, 2: 90 });
    await commit(client, elsewhere, other, { 0: 5 });
    // A config file of one cluster, reading only this test's groups.
    config = file('warren.yaml');
    writeFileSync(config, `clusters:\n  k4:\n    brokers: [${brokers.join(', ')}]\n    groupAllowlist: "^${prefix}-"\n`);
  });

  afterAll(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('snapshot: the group\'s committed and log-end offsets, as versioned JSON on stdout', async () => {
    const { code, out, err } = await cli(['offsets', 'snapshot', '--config', config, '--group', svc]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const snapshot = JSON.parse(out) as OffsetSnapshot;
    expect(snapshot).toMatchObject({ version: 1, cluster: 'k4', group: svc });
    expect(Math.abs(Date.parse(snapshot.takenAt) - Date.now())).toBeLessThan(60_000);
    expect(snapshot.partitions).toEqual([
      { topic, partition: 0, committed: 40, logEnd: 100 },
      { topic, partition: 1, committed: 60, logEnd: 100 },
      { topic, partition: 2, committed: 100, logEnd: 100 },
    ]);
    // The broker agrees.
    const [listed] = await client.listConsumerGroupOffsets({ groups: [svc] });
    const committed = listed!.topics.find((t) => t.name === topic)!.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]);
    expect(committed.sort((a, b) => a[0]! - b[0]!)).toEqual([[0, 40], [1, 60], [2, 100]]);
  });

  it('snapshot --output, offsets moved (one rewound), diff of the two files', async () => {
    const written = await cli(['offsets', 'snapshot', '--bootstrap-server', brokers.join(','), '--cluster', 'k4', '--group', svc, '--output', file('before.json')]);
    expect(written.code).toBe(0);
    expect(written.out).toMatch(new RegExp(`^wrote 3 partitions of k4/${svc} at \\S+ to ${file('before.json')}\\n$`));
    expect(readSnapshot(file('before.json')).partitions.map((p) => p.committed)).toEqual([40, 60, 100]);

    await produce(brokers, topic, [0, 1], 50);
    await commit(client, svc, topic, { 0: 120, 1: 30 });
    expect((await cli(['offsets', 'snapshot', '--config', config, '--group', svc, '-o', file('after.json')])).code).toBe(0);

    const { code, out } = await cli(['offsets', 'diff', file('before.json'), file('after.json'), '--json']);
    expect(code).toBe(0);
    const diff = JSON.parse(out) as SnapshotDiff;
    expect(diff.before.group).toBe(svc);
    expect(diff.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(diff.partitions).toEqual([
      { topic, partition: 0, before: 40, after: 120, moved: 80, logEndBefore: 100, logEndAfter: 150, lagBefore: 60, lagAfter: 30 },
      { topic, partition: 1, before: 60, after: 30, moved: -30, logEndBefore: 100, logEndAfter: 150, lagBefore: 40, lagAfter: 120 },
      { topic, partition: 2, before: 100, after: 100, moved: 0, logEndBefore: 100, logEndAfter: 100, lagBefore: 0, lagAfter: 0 },
    ]);
    expect(diff.totals).toEqual({ moved: 50, produced: 100, lagBefore: 100, lagAfter: 150 });
    expect(diff.onlyBefore).toEqual([]);
    expect(diff.onlyAfter).toEqual([]);

    const table = await cli(['offsets', 'diff', file('before.json'), file('after.json')]);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[3]).toMatch(/^TOPIC\s+PARTITION\s+BEFORE\s+AFTER\s+MOVED\s+LOG-END-BEFORE\s+LOG-END-AFTER\s+LAG-BEFORE\s+LAG-AFTER$/);
    expect(lines[4]).toMatch(new RegExp(`^${topic}\\s+0\\s+40\\s+120\\s+80\\s+100\\s+150\\s+60\\s+30$`));
    expect(lines).toContain('moved 50, produced 100, lag 100 -> 150');
    expect(lines).toContain(`rewound: ${topic}/1`);
  });

  it('diff against now: BEFORE alone reads the group named in the file from the cluster', async () => {
    await commit(client, svc, topic, { 0: 150, 1: 150 });
    const { code, out } = await cli(['offsets', 'diff', file('before.json'), '--bootstrap-server', brokers.join(','), '--json']);
    expect(code).toBe(0);
    const diff = JSON.parse(out) as SnapshotDiff;
    // The cluster is the one the file names (k4), the group the file's.
    expect(diff.after).toMatchObject({ cluster: 'k4', group: svc });
    expect(diff.partitions.map((p) => [p.before, p.after, p.moved, p.lagAfter])).toEqual([
      [40, 150, 110, 0],
      [60, 150, 90, 0],
      [100, 100, 0, 0],
    ]);
    const viaConfig = await cli(['offsets', 'diff', file('before.json'), '--config', config]);
    expect(viaConfig.code).toBe(0);
    expect(viaConfig.out).toContain('moved 200, produced 100, lag 100 -> 0');
  });

  it('diff errors: missing or corrupted files and a missing cluster are named (exit 2)', async () => {
    const missing = await cli(['offsets', 'diff', file('nope.json'), file('after.json')]);
    expect(missing).toMatchObject({ code: 2, out: '', err: `warren: snapshot file ${file('nope.json')} does not exist\n` });

    const snapshot = JSON.parse(readFileSync(file('after.json'), 'utf8')) as OffsetSnapshot;
    (snapshot.partitions[1] as { committed: unknown }).committed = 'thirty';
    writeFileSync(file('corrupt.json'), JSON.stringify(snapshot));
    const corrupt = await cli(['offsets', 'diff', file('before.json'), file('corrupt.json')]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.err).toContain(`snapshot file ${file('corrupt.json')} is not a valid offsets snapshot: partitions[1].committed: `);

    writeFileSync(file('truncated.json'), readFileSync(file('after.json'), 'utf8').slice(0, 50));
    const truncated = await cli(['offsets', 'diff', file('truncated.json')]);
    expect(truncated.code).toBe(2);
    expect(truncated.err).toContain(`snapshot file ${file('truncated.json')} is not JSON`);

    const noCluster = await cli(['offsets', 'diff', file('before.json')]);
    expect(noCluster.code).toBe(2);
    expect(noCluster.err).toBe(`warren: offsets diff ${file('before.json')} without a second file compares with now: it needs --bootstrap-server or --config\n`);
  });

  it('snapshot of a group that does not exist: exit 1, the group and cluster named', async () => {
    const { code, err, out } = await cli(['offsets', 'snapshot', '--config', config, '--group', `${prefix}-nope`]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(`warren: consumer group "${prefix}-nope" does not exist in cluster k4 (or is left out by its groupAllowlist/groupDenylist)\n`);
  });

  it('compare: green behind (exit 3), within a tolerance (exit 0), caught up after committing forward (exit 0)', async () => {
    const behind = await cli(['compare', '--config', config, '--group', blue, '--group', green, '--json']);
    expect(behind.code).toBe(3);
    const comparison = JSON.parse(behind.out) as GroupComparison;
    expect(comparison).toEqual({
      verdict: 'behind',
      blue,
      green,
      tolerance: 0,
      partitions: [
        { topic, partition: 0, blueCommitted: 100, greenCommitted: 70, logEnd: 150, behind: 30, caughtUp: false },
        { topic, partition: 1, blueCommitted: 100, greenCommitted: 100, logEnd: 150, behind: 0, caughtUp: true },
        { topic, partition: 2, blueCommitted: 100, greenCommitted: 90, logEnd: 100, behind: 10, caughtUp: false },
      ],
      partitionsBehind: 2,
      totalBehind: 40,
    });

    const text = await cli(['compare', '--bootstrap-server', brokers.join(','), '-g', blue, '-g', green]);
    expect(text.code).toBe(3);
    expect(text.out.split('\n')[0]).toMatch(/^TOPIC\s+PARTITION\s+BLUE\s+GREEN\s+LOG-END-OFFSET\s+BEHIND\s+CAUGHT-UP$/);
    expect(text.out.trimEnd().split('\n').at(-1)).toBe(`green ${green} is behind blue ${blue} on 2 partitions, 40 messages in all`);

    const tolerated = await cli(['compare', '--config', config, '--group', blue, '--group', green, '--tolerance', '30']);
    expect(tolerated.code).toBe(0);
    expect(tolerated.out.trimEnd().split('\n').at(-1)).toBe(`green ${green} has caught up with blue ${blue} (within 30)`);

    await commit(client, green, topic, { 0: 100, 2: 120 });
    const caughtUp = await cli(['compare', '--config', config, '--group', blue, '--group', green, '--json']);
    expect(caughtUp.code).toBe(0);
    expect(JSON.parse(caughtUp.out)).toMatchObject({ verdict: 'caught-up', partitionsBehind: 0, totalBehind: 0 });
    expect((JSON.parse(caughtUp.out) as GroupComparison).partitions.map((p) => p.behind)).toEqual([0, 0, -20]);
  });

  it('compare: no common partition (exit 3), bad usage (exit 2), a missing group (exit 1)', async () => {
    const disjoint = await cli(['compare', '--config', config, '--group', blue, '--group', elsewhere, '--json']);
    expect(disjoint.code).toBe(3);
    expect(JSON.parse(disjoint.out)).toMatchObject({ verdict: 'no-common-partitions' });

    const one = await cli(['compare', '--config', config, '--group', blue]);
    expect(one).toMatchObject({ code: 2, err: `warren: compare needs --group exactly twice (blue, then green), got 1: ${blue}\n` });
    expect((await cli(['compare', '--config', config, '--group', blue, '--group', green, '--tolerance', '-1'])).code).toBe(2);
    expect((await cli(['compare', '--group', blue, '--group', green])).err).toBe('warren: compare needs --bootstrap-server or --config\n');

    const missing = await cli(['compare', '--bootstrap-server', brokers.join(','), '--group', `${prefix}-gone`, '--group', green]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`warren: consumer group "${prefix}-gone" does not exist in cluster default\n`);
  });
});
