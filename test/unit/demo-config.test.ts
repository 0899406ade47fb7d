// The demo's settings: group specs, scenario behaviours, the rewinder's next offsets, the experiment's counting.
import { describe, expect, it } from 'vitest';
import { defaultGroups, parseCrash, parseGroupSpec, parseGroupSpecs, topicsFor } from '../../demo/config.ts';
import { countLossAndDuplicates, countOutOfOrder, parseProcessedLog } from '../../demo/experiment.ts';
import { settingsFrom } from '../../demo/main.ts';
import { nextRewindOffsets } from '../../demo/rewinder.ts';
import { behaviourOf, EXPECTED_STATUS, SCENARIOS } from '../../demo/scenarios.ts';

describe('group specs', () => {
  it('has one default group per scenario, named for the later stack test', () => {
    const groups = defaultGroups();
    expect(groups.map((g) => g.group)).toEqual(['demo-healthy', 'demo-naive', 'demo-threads', 'demo-slow', 'demo-stalled', 'demo-stopped', 'demo-rewind']);
    for (const scenario of SCENARIOS) expect(groups.some((g) => g.scenario === scenario)).toBe(true);
    expect(new Set(groups.map((g) => g.strategy))).toEqual(new Set(['multi-worker-safe', 'multi-worker-naive', 'consumer-per-thread', 'admin']));
    expect(defaultGroups('t1').every((g) => g.group.startsWith('t1-') && g.topic.startsWith('t1.'))).toBe(true);
  });

  it('parses NAME=SCENARIO[/STRATEGY][@TOPIC] with the scenario\'s default strategy', () => {
    expect(parseGroupSpec('g1=slow', 'x')).toEqual({ group: 'g1', scenario: 'slow', strategy: 'consumer-per-thread', topic: 'x' });
    expect(parseGroupSpec('g2=healthy/multi-worker-naive@orders', 'x')).toEqual({ group: 'g2', scenario: 'healthy', strategy: 'multi-worker-naive', topic: 'orders' });
    expect(parseGroupSpec(' g3=rewinding ', 'x').strategy).toBe('admin');
  });

  it('rejects bad specs with a reason', () => {
    expect(() => parseGroupSpec('g1', 'x')).toThrow(/NAME=SCENARIO/);
    expect(() => parseGroupSpec('g1=sleepy', 'x')).toThrow(/unknown scenario/);
    expect(() => parseGroupSpec('g1=slow/threads', 'x')).toThrow(/unknown strategy/);
    expect(() => parseGroupSpec('g1=slow/admin', 'x')).toThrow(/admin strategy/);
    expect(() => parseGroupSpec('g1=rewinding/multi-worker-safe', 'x')).toThrow(/admin strategy/);
    expect(() => parseGroupSpecs('a=slow,a=healthy', 'x')).toThrow(/twice/);
  });

  it('parses a crash injection and adds missing topics', () => {
    expect(parseCrash('demo-threads:1@2.5')).toEqual({ group: 'demo-threads', thread: 1, afterMs: 2500 });
    expect(() => parseCrash('demo-threads@2')).toThrow(/GROUP:THREAD@SECONDS/);
    expect(topicsFor([{ group: 'g', scenario: 'slow', strategy: 'consumer-per-thread', topic: 'new' }], [{ name: 'old', partitions: 1 }], 4)).toEqual([
      { name: 'old', partitions: 1 },
      { name: 'new', partitions: 4 },
    ]);
  });

  it('builds settings from the command line, keeping only the topics the groups read', () => {
    const base = { brokers: 'a:1, b:2', prefix: 'demo', rate: 20, partitions: 3, workers: 3, protocol: 'consumer', slowFactor: 0.5, warmup: 10, seed: 1000, rewindEvery: 2000, rewindStep: 1, metricsInterval: 10, producer: true };
    const all = settingsFrom(base);
    expect(all.brokers).toEqual(['a:1', 'b:2']);
    expect(all.groups).toHaveLength(7);
    expect(all.topics.map((t) => t.name)).toEqual(['demo.orders', 'demo.payments', 'demo.clicks']);
    const some = settingsFrom({ ...base, only: 'rewinding' });
    expect(some.groups.map((g) => g.group)).toEqual(['demo-rewind']);
    expect(some.topics.map((t) => t.name)).toEqual(['demo.payments']);
    expect(settingsFrom({ ...base, groups: 'x=slow@topic-x' }).topics).toEqual([{ name: 'topic-x', partitions: 3 }]);
    expect(() => settingsFrom({ ...base, protocol: 'eager' })).toThrow(/--protocol/);
    expect(() => settingsFrom({ ...base, only: 'sleepy' })).toThrow(/unknown scenario/);
    expect(settingsFrom({ ...base, duration: 5 }).durationMs).toBe(5000);
  });
});

describe('scenario behaviours', () => {
  const options = { ratePerPartition: 10, slowFactor: 0.5, warmupMs: 7000 };

  it('make a slow consumer take 1 / (rate × factor) per record', () => {
    expect(behaviourOf('slow', options).delayMs()).toBe(200);
    expect(() => behaviourOf('slow', { ...options, slowFactor: 1 })).toThrow(/slowFactor/);
  });

  it('stall and stop after the warm-up, and keep healthy processing short', () => {
    expect(behaviourOf('stalled', options).hangAfterMs).toBe(7000);
    expect(behaviourOf('stopped', options).stopAfterMs).toBe(7000);
    const healthy = behaviourOf('healthy', options);
    expect(healthy.hangAfterMs).toBeNull();
    expect(healthy.stopAfterMs).toBeNull();
    for (let i = 0; i < 100; i++) expect(healthy.delayMs()).toBeLessThanOrEqual(5);
  });

  it('name the status Warren should show', () => {
    expect(Object.fromEntries(SCENARIOS.map((s) => [s, EXPECTED_STATUS[s].partition]))).toEqual({ healthy: 'OK', slow: 'WARN', stalled: 'STALL', stopped: 'STOP', rewinding: 'REWIND' });
  });
});

describe('nextRewindOffsets', () => {
  const start = new Map([[0, 0n], [1, 100n]]);
  const end = new Map([[0, 500n], [1, 600n]]);

  it('starts at the log end, then steps back and never up', () => {
    const first = nextRewindOffsets(new Map(), start, end, 1n);
    expect(first).toEqual(new Map([[0, 500n], [1, 600n]]));
    const second = nextRewindOffsets(first, start, new Map([[0, 520n], [1, 620n]]), 3n);
    expect(second).toEqual(new Map([[0, 497n], [1, 597n]]));
  });

  it('starts over from the log end when there is no room left, and repairs an offset past the end', () => {
    expect(nextRewindOffsets(new Map([[0, 0n], [1, 101n]]), start, end, 5n)).toEqual(new Map([[0, 500n], [1, 600n]]));
    expect(nextRewindOffsets(new Map([[0, 900n], [1, 100n]]), start, end, 0n)).toEqual(new Map([[0, 500n], [1, 100n]]));
  });
});

describe('experiment counting', () => {
  it('reads the processed-records log', () => {
    expect(parseProcessedLog('t 0 5 5\nt 2 7 7\n\nbad\n')).toEqual([
      { partition: 0, seq: 5 },
      { partition: 2, seq: 7 },
    ]);
  });

  it('counts records that finished after a later record of their partition', () => {
    expect(countOutOfOrder([])).toBe(0);
    expect(
      countOutOfOrder([
        { partition: 0, seq: 0 },
        { partition: 0, seq: 2 },
        { partition: 1, seq: 0 },
        { partition: 0, seq: 1 },
        { partition: 0, seq: 3 },
        { partition: 1, seq: 1 },
      ]),
    ).toBe(1);
    expect(
      countOutOfOrder([
        { partition: 0, seq: 5 },
        { partition: 0, seq: 1 },
        { partition: 0, seq: 2 },
      ]),
    ).toBe(2);
  });

  it('counts lost and duplicated records over the runs before and after the restart', () => {
    const produced = new Map([[0, 4], [1, 2]]);
    const before = [
      { partition: 0, seq: 0 },
      { partition: 0, seq: 2 },
      { partition: 1, seq: 0 },
    ];
    const after = [
      { partition: 0, seq: 2 },
      { partition: 0, seq: 3 },
    ];
    expect(countLossAndDuplicates(produced, [before, after])).toEqual({ lost: 2, duplicated: 1 });
  });
});
