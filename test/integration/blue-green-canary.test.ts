// Blue/green and canary deploys on real brokers (issue 7), judged from Warren's reports of live groups.
// Blue/green: blue reads the topic from the start under continuous production; green starts late, from the
// earliest offset and slowly, after blue has consumed a 20k backlog; compareGroups says 'behind' (by how much, per
// partition) and later 'caught-up'. Canary: one group, a 'stable-client' member and a 'canary-client' member
// that stops consuming while staying in the group; lagByMember puts the lag on the canary's partitions.
// Kafka 3.9 (classic groups) and 4.x (classic and KIP-848 groups), all at once.
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lagByMember, type MemberLag } from '../../collector/canary.ts';
import { Collector } from '../../collector/collector.ts';
import { compareGroups, type GroupComparison } from '../../collector/compare.ts';
import { createLogger } from '../../collector/logger.ts';
import type { GroupReport } from '../../collector/types.ts';
import { admin, createTopic, produce, testConfig, uniqueName } from '../helpers/kafka.ts';
import { KAFKA_VERSIONS, kafkaBrokers, type KafkaName } from '../helpers/services.ts';
import { closeAll, CycleLoop, startMember, startProduction, type Cycle, type Member } from '../helpers/workload.ts';

const PARTITIONS = 4;
const BACKLOG = 20_000;
/** Continuous production: 5 records per partition every 100 ms (50/s per partition). */
const PER_TICK = 5;
/** Green's slow start: it processes this many records per second (the backlog takes it several cycles). */
const GREEN_RATE = 3000;
/**
 * Blue and green each commit every 200 ms and are read one after the other in a cycle, so even when both keep
 * up they differ by a few records; 100 records is two seconds of one partition's production.
 */
const TOLERANCE = 100;

type Protocol = 'classic' | 'consumer';
const protocolsOf = (kafka: KafkaName): Protocol[] => (kafka === 'kafka4' ? ['classic', 'consumer'] : ['classic']);

interface BlueGreen {
  blue: string;
  green: string;
  /** Comparisons of the two groups' reports of the same cycle, from green's start on. */
  comparisons: GroupComparison[];
  firstBehind: GroupComparison | Error;
  caughtUp: GroupComparison | Error;
  failures: string[];
}

interface Canary {
  group: string;
  canaryMemberId: string;
  stableMemberId: string;
  /** The canary's partitions as its client was assigned them when it was paused. */
  canaryPartitions: number[];
  seen: { report: GroupReport; split: ReturnType<typeof lagByMember> } | Error;
  failures: string[];
}

interface Variant {
  protocol: Protocol;
  blueGreen: BlueGreen;
  canary: Canary;
}

const results = new Map<KafkaName, Variant[]>();
const cleanup: ({ close(): Promise<unknown> } | { stop(): Promise<unknown> } | undefined)[] = [];
const groupReport = (cycle: Cycle | undefined, group: string) => CycleLoop.group(cycle, group);

async function settle<T>(work: Promise<T>): Promise<T | Error> {
  try {
    return await work;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const showComparison = (c: GroupComparison | undefined) =>
  c ? `${c.verdict}: ${c.partitions.map((p) => `${p.partition} blue ${p.blueCommitted} green ${p.greenCommitted} behind ${p.behind}`).join(', ')}` : 'no comparison yet';
const showSplit = (r: GroupReport | undefined) =>
  r ? `${r.state} members ${r.memberCount}: ${lagByMember(r).byClientId.map((m) => `${m.key} ${m.partitions}p lag ${m.totalLag}`).join(', ')}; owners ${r.details.map((d) => `${d.partition}:${d.clientId || '-'}`).join(' ')}` : 'no report';

/** Every partition committed and owned, the group stable. */
function owned(r: GroupReport | undefined, members: number): r is GroupReport {
  return r !== undefined && r.state === 'Stable' && r.memberCount === members && r.details.length === PARTITIONS && r.details.every((d) => d.committed !== null && d.memberId !== '');
}

async function blueGreen(loop: CycleLoop, brokers: string[], topic: string, prefix: string, protocol: Protocol, members: Member[]): Promise<BlueGreen> {
  const blueGroup = `${prefix}-${protocol}-blue`;
  const greenGroup = `${prefix}-${protocol}-green`;
  const blue = await startMember({ brokers, group: blueGroup, topics: [topic], clientId: 'orders-blue', protocol });
  members.push(blue);
  cleanup.push(blue);
  // Blue has consumed the backlog: its lag is down to about a second of production.
  await loop.until(
    `${blueGroup} to consume the ${BACKLOG}-record backlog`,
    (cycle) => {
      const r = groupReport(cycle, blueGroup);
      return owned(r, 1) && r.result.totallag <= PARTITIONS * 50;
    },
    40_000,
    (cycle) => `${groupReport(cycle, blueGroup)?.result.totallag ?? 'no report'} lag`,
  );

  const green = await startMember({ brokers, group: greenGroup, topics: [topic], clientId: 'orders-green', protocol, rate: GREEN_RATE });
  members.push(green);
  cleanup.push(green);
  const comparisons: GroupComparison[] = [];
  const compare = (cycle: Cycle): GroupComparison | undefined => {
    const b = groupReport(cycle, blueGroup);
    const g = groupReport(cycle, greenGroup);
    if (!b || !g) return undefined;
    const c = compareGroups(b, g, { tolerance: TOLERANCE });
    comparisons.push(c);
    return c;
  };
  const last = () => showComparison(comparisons[comparisons.length - 1]);
  // First 'behind', with green committing and positive behind on its partitions…
  const firstBehind = await settle(
    loop.until(
      `green ${greenGroup} to be seen behind blue with commits of its own`,
      (cycle) => {
        const c = compare(cycle);
        return c && c.verdict === 'behind' && c.partitions.some((p) => p.greenCommitted !== null && p.behind !== null && p.behind > TOLERANCE) ? c : undefined;
      },
      30_000,
      last,
    ),
  );
  // …later 'caught-up'.
  const caughtUp = await settle(
    loop.until(
      `green ${greenGroup} to catch up with blue`,
      (cycle) => {
        const c = compare(cycle);
        return c?.verdict === 'caught-up' ? c : undefined;
      },
      40_000,
      last,
    ),
  );
  return { blue: blueGroup, green: greenGroup, comparisons, firstBehind, caughtUp, failures: [blue, green].flatMap((m) => m.failure() ?? []) };
}

async function canary(loop: CycleLoop, brokers: string[], topic: string, prefix: string, protocol: Protocol, members: Member[]): Promise<Canary> {
  const group = `${prefix}-${protocol}-canary`;
  const stable = await startMember({ brokers, group, topics: [topic], clientId: 'stable-client', protocol });
  members.push(stable);
  cleanup.push(stable);
  const slow = await startMember({ brokers, group, topics: [topic], clientId: 'canary-client', protocol });
  members.push(slow);
  cleanup.push(slow);
  // Both members own partitions and the group has caught up with the topic.
  await loop.until(
    `${group}: both members owning partitions, caught up`,
    (cycle) => {
      const r = groupReport(cycle, group);
      return owned(r, 2) && new Set(r.details.map((d) => d.clientId)).size === 2 && r.result.totallag <= PARTITIONS * 50 && slow.assigned(topic).length > 0;
    },
    40_000,
    (cycle) => showSplit(groupReport(cycle, group)),
  );
  const canaryPartitions = slow.assigned(topic);
  const canaryMemberId = slow.memberId() ?? '';
  const stableMemberId = stable.memberId() ?? '';
  slow.pause();
  const seen = await settle(
    loop.until(
      `${group}: the paused canary's partitions to lag`,
      (cycle) => {
        const r = groupReport(cycle, group);
        if (!owned(r, 2)) return undefined;
        const split = lagByMember(r);
        const entry = split.byClientId.find((m) => m.key === 'canary-client');
        // Clearly behind: more than two seconds of production on its partitions.
        return entry && entry.totalLag > canaryPartitions.length * 100 ? { report: r, split } : undefined;
      },
      20_000,
      (cycle) => showSplit(groupReport(cycle, group)),
    ),
  );
  return { group, canaryMemberId, stableMemberId, canaryPartitions, seen, failures: [stable, slow].flatMap((m) => m.failure() ?? []) };
}

async function scenario(kafka: KafkaName): Promise<Variant[]> {
  const brokers = kafkaBrokers(kafka);
  const client: Admin = admin(brokers);
  cleanup.push(client);
  const prefix = uniqueName(`bg-${kafka}`);
  const topic = `${prefix}-orders`;
  await createTopic(client, topic, PARTITIONS);
  await produce(brokers, topic, Array.from({ length: PARTITIONS }, (_, p) => p), BACKLOG / PARTITIONS);
  const collector = new Collector({
    config: testConfig({ k: { brokers, groupAllowlist: `^${prefix}-` } }, { interval: 1, intervals: 10, rebalanceGrace: 15 }),
    logger: createLogger('silent'),
  });
  cleanup.push({ stop: () => collector.stop() });
  const loop = new CycleLoop(collector, 'k', 1000);
  cleanup.push(loop);
  const production = startProduction({ brokers, topic, partitions: PARTITIONS, perPartition: PER_TICK, everyMs: 100 });
  cleanup.push(production);
  const members: Member[] = [];
  const variants = await Promise.all(
    protocolsOf(kafka).map(async (protocol) => {
      const [bg, c] = await Promise.all([blueGreen(loop, brokers, topic, prefix, protocol, members), canary(loop, brokers, topic, prefix, protocol, members)]);
      return { protocol, blueGreen: bg, canary: c };
    }),
  );
  await loop.stop();
  await production.stop();
  await closeAll(...members);
  if (production.failures.length > 0 || loop.failures.length > 0) throw new Error(`the workload failed: ${[...production.failures, ...loop.failures].slice(0, 3).join(' | ')}`);
  return variants;
}

beforeAll(async () => {
  const all = await Promise.all(KAFKA_VERSIONS.map(async (kafka) => [kafka, await scenario(kafka)] as const));
  for (const [kafka, variants] of all) results.set(kafka, variants);
}, 150_000);

afterAll(async () => {
  await closeAll(...cleanup.reverse());
});

describe.each(KAFKA_VERSIONS)('deploys on %s', (kafka) => {
  describe.each(protocolsOf(kafka))('%s groups', (protocol) => {
    const variant = () => {
      const v = results.get(kafka)?.find((x) => x.protocol === protocol);
      if (!v) throw new Error(`the ${kafka} ${protocol} scenario did not run`);
      return v;
    };

    it('blue/green: green started late from the earliest offset is first behind blue, by a positive count per partition', () => {
      const { blueGreen: bg } = variant();
      expect(bg.failures).toEqual([]);
      if (bg.firstBehind instanceof Error) throw bg.firstBehind;
      const c = bg.firstBehind;
      expect(c.verdict).toBe('behind');
      expect(c.blue).toBe(bg.blue);
      expect(c.green).toBe(bg.green);
      expect(c.partitions).toHaveLength(PARTITIONS);
      expect(c.partitionsBehind).toBeGreaterThan(0);
      for (const p of c.partitions) {
        expect(p.blueCommitted, showComparison(c)).not.toBeNull();
        if (p.greenCommitted !== null) expect(p.behind).toBe(p.blueCommitted! - p.greenCommitted);
      }
      const behind = c.partitions.filter((p) => p.behind !== null && p.behind > TOLERANCE);
      expect(behind.length, showComparison(c)).toBeGreaterThan(0);
      expect(behind.every((p) => !p.caughtUp)).toBe(true);
      expect(c.totalBehind).toBe(c.partitions.reduce((sum, p) => sum + (p.behind !== null && p.behind > 0 ? p.behind : 0), 0));
    });

    it("blue/green: later, once green has consumed the backlog, 'caught-up' on every partition", () => {
      const { blueGreen: bg } = variant();
      if (bg.caughtUp instanceof Error) throw bg.caughtUp;
      const c = bg.caughtUp;
      expect(c.verdict).toBe('caught-up');
      expect(c.partitionsBehind).toBe(0);
      expect(c.partitions).toHaveLength(PARTITIONS);
      for (const p of c.partitions) {
        expect(p.caughtUp, showComparison(c)).toBe(true);
        expect(p.greenCommitted, showComparison(c)).not.toBeNull();
        expect(p.behind!).toBeLessThanOrEqual(TOLERANCE);
        // Both are near the log end, far past the backlog.
        expect(p.greenCommitted!).toBeGreaterThan(BACKLOG / PARTITIONS);
      }
      // 'behind' came first, then 'caught-up'.
      const verdicts = bg.comparisons.map((x) => x.verdict);
      expect(verdicts.indexOf('behind')).toBeLessThan(verdicts.indexOf('caught-up'));
    });

    it("canary: lagByMember puts the lag on 'canary-client', over exactly the canary's assigned partitions; the stable member's is lower", () => {
      const { canary: c } = variant();
      expect(c.failures).toEqual([]);
      if (c.seen instanceof Error) throw c.seen;
      const { report, split } = c.seen;
      const where = showSplit(report);
      expect(split.byClientId.map((m) => m.key), where).toEqual(['canary-client', 'stable-client']);
      expect(split.unassigned, where).toBeNull();
      const canaryLag = split.byClientId.find((m) => m.key === 'canary-client') as MemberLag;
      const stableLag = split.byClientId.find((m) => m.key === 'stable-client') as MemberLag;
      // Exactly the canary's partitions: as its client was assigned them, and as Warren's report owns them.
      const ownedByCanary = report.details.filter((d) => d.clientId === 'canary-client').map((d) => d.partition);
      expect(ownedByCanary, where).toEqual(c.canaryPartitions);
      expect(canaryLag.partitions, where).toBe(c.canaryPartitions.length);
      expect(canaryLag.memberIds).toEqual([c.canaryMemberId]);
      expect(canaryLag.members).toBe(1);
      const lagOf = (partitions: number[]) => report.result.partitions.filter((p) => partitions.includes(p.partition)).reduce((sum, p) => sum + p.currentLag, 0);
      expect(canaryLag.totalLag, where).toBe(lagOf(c.canaryPartitions));
      expect(canaryLag.totalLag).toBeGreaterThan(0);
      expect(canaryLag.maxLag).toBe(Math.max(...report.result.partitions.filter((p) => c.canaryPartitions.includes(p.partition)).map((p) => p.currentLag)));
      // The stable member: the other partitions, less lag.
      expect(stableLag.partitions).toBe(PARTITIONS - c.canaryPartitions.length);
      expect(stableLag.memberIds).toEqual([c.stableMemberId]);
      expect(stableLag.totalLag, where).toBeLessThan(canaryLag.totalLag);
      // Behind in time as well: the canary's records wait, the stable member's do not.
      expect(canaryLag.maxTimeLagMs, where).not.toBeNull();
      expect(canaryLag.maxTimeLagMs!).toBeGreaterThan(stableLag.maxTimeLagMs ?? 0);
      // By host, both members are on this machine: one entry with every partition.
      expect(split.byHost).toHaveLength(1);
      expect(split.byHost[0]!.partitions).toBe(PARTITIONS);
      expect(split.byHost[0]!.totalLag).toBe(report.result.totallag);
    });
  });
});
