// The demo's scenario switches on a real broker: each produces the committed-offset pattern Warren's evaluator
// needs for its status, checked through the admin API (committed offsets, log-end offsets, group state).
//   healthy    offsets move and stay close to the log end
//   slow       offsets move, the lag grows from sample to sample
//   stalled    a live member, offsets frozen, the lag grows
//   stopped    no member, offsets frozen, the lag grows
//   rewinding  no member, offsets lower from sample to sample and never back up
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedOffsets, topicOffsets } from '../../demo/kafka.ts';
import { runDemo } from '../../demo/main.ts';
import { defaultGroups, defaultTopics, type DemoSettings } from '../../demo/config.ts';
import { admin, eventually, uniqueName } from '../helpers/kafka.ts';
import { kafkaBrokers } from '../helpers/services.ts';

interface Sample {
  at: number;
  state: string;
  committed: number[];
  logEnd: number[];
  lag: number[];
}

const prefix = uniqueName('itdemo');
let client: Admin;
let stopDemo: (() => Promise<void>) | null = null;
const samples = new Map<string, Sample[]>();

async function groupState(group: string): Promise<string> {
  const groups = await client.listGroups({ types: ['classic', 'consumer'] });
  return String(groups.get(group)?.state ?? 'DEAD').toUpperCase();
}

async function sample(group: string, topic: string): Promise<Sample> {
  const state = await groupState(group);
  const committed = await committedOffsets(client, group, topic);
  const ends = await topicOffsets(client, topic, 'latest');
  const partitions = [...ends.keys()].sort((a, b) => a - b);
  const c = partitions.map((p) => (committed.has(p) ? Number(committed.get(p)) : -1));
  const e = partitions.map((p) => Number(ends.get(p)));
  return { at: Date.now(), state, committed: c, logEnd: e, lag: e.map((end, i) => (c[i]! < 0 ? Number.NaN : end - c[i]!)) };
}

const strictlyIncreasing = (values: number[]) => values.every((v, i) => i === 0 || v > values[i - 1]!);
const column = (list: Sample[], key: 'committed' | 'lag', partition: number) => list.map((s) => s[key][partition]!);

beforeAll(async () => {
  const brokers = kafkaBrokers('kafka4');
  client = admin(brokers);
  const settings: DemoSettings = {
    brokers,
    rate: 30,
    topics: defaultTopics(prefix, 3),
    groups: defaultGroups(prefix),
    workers: 2,
    protocol: 'consumer',
    slowFactor: 0.3,
    warmupMs: 3000,
    seedPerPartition: 300,
    rewindEveryMs: 400,
    rewindStep: 2,
    metricsIntervalMs: 0,
    crash: null,
    durationMs: null,
    producer: true,
  };
  const demo = await runDemo(settings);
  stopDemo = demo.stop;
  const started = Date.now();
  // Every consuming group has committed on every partition (the consumer-per-thread members join one by one)...
  await eventually(
    'every group to commit on every partition',
    async () => {
      for (const g of settings.groups) if ((await committedOffsets(client, g.group, g.topic)).size < 3) return false;
      return true;
    },
    30_000,
    500,
  );
  // ...the consuming groups commit steadily on every partition (KIP-848 moves partitions from the first member
  // of a consumer-per-thread group to the others over a few heartbeats)...
  const moving = settings.groups.filter((g) => g.scenario === 'healthy' || g.scenario === 'slow');
  await eventually(
    'the healthy and slow groups to commit steadily',
    async () => {
      const before = await Promise.all(moving.map((g) => sample(g.group, g.topic)));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = await Promise.all(moving.map((g) => sample(g.group, g.topic)));
      return before.every((b, i) => b.committed.every((c, p) => after[i]!.committed[p]! > c));
    },
    40_000,
    0,
  );
  // ...and the warm-up is over (stalled and stopped have stopped committing). Then sample every group every 1.5 s.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + settings.warmupMs + 2000 - Date.now())));
  for (let round = 0; round < 5; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 1500));
    await Promise.all(
      settings.groups.map(async (g) => {
        const list = samples.get(g.group) ?? [];
        list.push(await sample(g.group, g.topic));
        samples.set(g.group, list);
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await stopDemo?.();
  if (client) {
    // Leave the shared broker as it was: the demo's groups (all empty now) and topics go.
    await client.deleteGroups({ groups: defaultGroups(prefix).map((g) => g.group) }).catch(() => undefined);
    await client.deleteTopics({ topics: defaultTopics(prefix).map((t) => t.name) }).catch(() => undefined);
    await client.close();
  }
});

describe('demo scenarios on a real broker', () => {
  it('healthy: a live group whose offsets move and stay near the log end', () => {
    for (const name of ['healthy', 'naive', 'threads']) {
      const list = samples.get(`${prefix}-${name}`)!;
      expect(list.every((s) => s.state !== 'EMPTY' && s.state !== 'DEAD'), `${name} states ${list.map((s) => s.state)}`).toBe(true);
      for (let p = 0; p < 3; p++) {
        expect(strictlyIncreasing(column(list, 'committed', p)), `${name} p${p} committed ${column(list, 'committed', p)}`).toBe(true);
        // 30 records/s over 3 partitions: a healthy group trails by a handful of records at most.
        expect(Math.max(...column(list, 'lag', p)), `${name} p${p} lag ${column(list, 'lag', p)}`).toBeLessThan(30);
      }
    }
  });

  it('slow: offsets move, and the lag grows from one sample to the next', () => {
    const list = samples.get(`${prefix}-slow`)!;
    expect(list.every((s) => s.state !== 'EMPTY')).toBe(true);
    for (let p = 0; p < 3; p++) {
      expect(strictlyIncreasing(column(list, 'committed', p)), `committed ${column(list, 'committed', p)}`).toBe(true);
      expect(strictlyIncreasing(column(list, 'lag', p)), `lag ${column(list, 'lag', p)}`).toBe(true);
    }
  });

  it('stalled: a live member that commits nothing more while the lag grows', () => {
    const list = samples.get(`${prefix}-stalled`)!;
    expect(list.every((s) => s.state !== 'EMPTY' && s.state !== 'DEAD'), `states ${list.map((s) => s.state)}`).toBe(true);
    for (let p = 0; p < 3; p++) {
      const committed = column(list, 'committed', p);
      expect(committed[0], 'committed before stalling').toBeGreaterThanOrEqual(0);
      expect(new Set(committed).size, `committed ${committed}`).toBe(1);
      expect(strictlyIncreasing(column(list, 'lag', p)), `lag ${column(list, 'lag', p)}`).toBe(true);
    }
  });

  it('stopped: committed offsets with a growing lag and no member', () => {
    const list = samples.get(`${prefix}-stopped`)!;
    expect(list.every((s) => s.state === 'EMPTY'), `states ${list.map((s) => s.state)}`).toBe(true);
    for (let p = 0; p < 3; p++) {
      const committed = column(list, 'committed', p);
      expect(committed[0]).toBeGreaterThanOrEqual(0);
      expect(new Set(committed).size, `committed ${committed}`).toBe(1);
      expect(strictlyIncreasing(column(list, 'lag', p)), `lag ${column(list, 'lag', p)}`).toBe(true);
    }
  });

  it('rewinding: no member, offsets lower at every sample and never back up', () => {
    const list = samples.get(`${prefix}-rewind`)!;
    expect(list.every((s) => s.state === 'EMPTY'), `states ${list.map((s) => s.state)}`).toBe(true);
    for (let p = 0; p < 3; p++) {
      const committed = column(list, 'committed', p);
      expect(committed.every((c, i) => i === 0 || c < committed[i - 1]!), `committed ${committed}`).toBe(true);
      expect(committed[0]).toBeLessThanOrEqual(list[0]!.logEnd[p]!);
      expect(strictlyIncreasing(column(list, 'lag', p))).toBe(true);
    }
  });
});
