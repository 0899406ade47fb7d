// Lag in time on real brokers (issue 7): a producer writes continuously, real consumers keep up, then one is
// paused for N seconds while it stays in the group and another is closed; Warren, cycling every second, must
// report a time lag of N (within one interval, plus the consumer's commit interval), a small one while they
// kept up, a catching-up trend once the paused one resumes, and 0 ('caught-up') for an idle, caught-up group.
// Kafka 3.9 (classic groups) and 4.x (classic and KIP-848 groups), both brokers at once.
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { createLogger } from '../../collector/logger.ts';
import type { GroupReport } from '../../collector/types.ts';
import type { TimeLag } from '../../evaluator/types.ts';
import { admin, createTopic, produce, testConfig, uniqueName } from '../helpers/kafka.ts';
import { KAFKA_VERSIONS, kafkaBrokers, type KafkaName } from '../helpers/services.ts';
import { closeAll, CycleLoop, startMember, startProduction, type Cycle, type Member, type Production } from '../helpers/workload.ts';

const INTERVAL_MS = 1000;
/** How long the consumers are paused / closed while production goes on (N). */
const PAUSE_MS = 8000;
/** Consumers commit every COMMIT_MS; the producer writes every TICK_MS; a consumer's fetch waits up to FETCH_WAIT_MS. */
const COMMIT_MS = 200;
const TICK_MS = 100;
const FETCH_WAIT_MS = 200;
const PARTITIONS = 2;
const PER_TICK = 5; // per partition: 50 records/s per partition, 100/s in all
const PRODUCED_PER_S = (PARTITIONS * PER_TICK * 1000) / TICK_MS;
/** The paused consumer's pace (records/s, 1.6x production): after the pause it needs ~13 s to catch up. */
const PACE = 160;
/**
 * The time lag is N within one interval (the log-end points Warren interpolates between are one interval apart),
 * plus the consumer's commit interval and one fetch wait (its last commit before the pause can stand for records
 * fetched that long before or after the pause), plus one producer tick (records are written in 100 ms steps).
 */
const TOLERANCE_MS = INTERVAL_MS + COMMIT_MS + FETCH_WAIT_MS + TICK_MS;
/** "Small" while consuming: at most two intervals. */
const SMALL_MS = 2 * INTERVAL_MS;
const RUN_MS = 5000;

type Protocol = 'classic' | 'consumer';
const protocolsOf = (kafka: KafkaName): Protocol[] => (kafka === 'kafka4' ? ['classic', 'consumer'] : ['classic']);

interface Variant {
  protocol: Protocol;
  paused: Member;
  closed: Member;
  idle: Member;
  groups: { paused: string; closed: string; idle: string };
}

interface Run {
  kafka: KafkaName;
  loop: CycleLoop;
  variants: Variant[];
  /** Cycle indexes: consuming steadily from..to; paused from; resumed from. */
  runningFrom: number;
  pausedFrom: number;
  resumedFrom: number;
  pausedAt: number;
  closedAt: number;
  /** The first cycle at least N after the pause. */
  measured: Cycle;
  /** Per protocol: the first report of the resumed group whose trend is a real catching-up, then the first back at a small time lag. */
  catchingUp: Map<Protocol, GroupReport | Error>;
  recovered: Map<Protocol, GroupReport | Error>;
  end: Cycle;
}

const report = (cycle: Cycle | undefined, group: string) => CycleLoop.group(cycle, group);
const lagMs = (t: TimeLag): number | null => (t.kind === 'unknown' ? null : t.ms);
const showLags = (r: GroupReport | undefined) =>
  r ? `${r.group}: max ${r.result.maxTimeLagMs} ms, partitions ${r.result.partitions.map((p) => `${p.partition}=${p.timeLag.kind}/${lagMs(p.timeLag)}/lag ${p.currentLag}`).join(' ')}, trend ${r.result.trend.kind}, members ${r.memberCount}` : 'no report';

/** Every partition has a commit, an owner when `owned`, and a known time lag. */
function settled(r: GroupReport | undefined, owned: boolean, partitions: number): boolean {
  return (
    r !== undefined &&
    r.result.partitions.length === partitions &&
    r.details.every((d) => d.committed !== null && (!owned || d.memberId !== '')) &&
    r.result.partitions.every((p) => p.timeLag.kind !== 'unknown')
  );
}

async function settle<T>(work: Promise<T>): Promise<T | Error> {
  try {
    return await work;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const runs = new Map<KafkaName, Run>();
const cleanup: ({ close(): Promise<unknown> } | { stop(): Promise<unknown> } | undefined)[] = [];

async function scenario(kafka: KafkaName): Promise<Run> {
  const brokers = kafkaBrokers(kafka);
  const client: Admin = admin(brokers);
  cleanup.push(client);
  const prefix = uniqueName(`tl-${kafka}`);
  const topic = `${prefix}-live`;
  const idleTopic = `${prefix}-idle`;
  await createTopic(client, topic, PARTITIONS);
  await createTopic(client, idleTopic, 1);
  await produce(brokers, idleTopic, [0], 50);

  const collector = new Collector({
    config: testConfig({ k: { brokers, groupAllowlist: `^${prefix}-` } }, { interval: INTERVAL_MS / 1000, intervals: 10, rebalanceGrace: 15 }),
    logger: createLogger('silent'),
  });
  cleanup.push({ stop: () => collector.stop() });
  const loop = new CycleLoop(collector, 'k', INTERVAL_MS);
  cleanup.push(loop);
  const production: Production = startProduction({ brokers, topic, partitions: PARTITIONS, perPartition: PER_TICK, everyMs: TICK_MS });
  cleanup.push(production);

  const variants: Variant[] = [];
  for (const protocol of protocolsOf(kafka)) {
    const groups = { paused: `${prefix}-${protocol}-paused`, closed: `${prefix}-${protocol}-closed`, idle: `${prefix}-${protocol}-idle` };
    const [paused, closed, idle] = await Promise.all([
      startMember({ brokers, group: groups.paused, topics: [topic], clientId: `${protocol}-paused`, protocol, rate: PACE, commitEveryMs: COMMIT_MS }),
      startMember({ brokers, group: groups.closed, topics: [topic], clientId: `${protocol}-closed`, protocol, commitEveryMs: COMMIT_MS }),
      startMember({ brokers, group: groups.idle, topics: [idleTopic], clientId: `${protocol}-idle`, protocol, commitEveryMs: COMMIT_MS }),
    ]);
    cleanup.push(paused, closed, idle);
    variants.push({ protocol, paused, closed, idle, groups });
  }

  // Every group owns its partitions, has committed, and Warren knows its time lag.
  await loop.until(
    'every group to own its partitions, commit, and have a known time lag',
    (cycle) =>
      variants.every((v) => settled(report(cycle, v.groups.paused), true, PARTITIONS) && settled(report(cycle, v.groups.closed), true, PARTITIONS) && settled(report(cycle, v.groups.idle), true, 1)),
    30_000,
    (cycle) => variants.flatMap((v) => Object.values(v.groups).map((g) => showLags(report(cycle, g)))).join('; '),
  );
  const runningFrom = loop.cycles.length;
  await new Promise((r) => setTimeout(r, RUN_MS));
  // Half an interval after a cycle, so the pause falls between two of Warren's log-end points, not on one.
  await loop.cyclesMore(1);
  await new Promise((r) => setTimeout(r, INTERVAL_MS / 2));

  // Pause one consumer in each variant (it stays in the group) and close the other, at the same moment.
  const pausedFrom = loop.cycles.length;
  const pausedAt = Date.now();
  for (const v of variants) v.paused.pause();
  const closedAt = Date.now();
  await Promise.all(variants.map((v) => v.closed.close()));
  const measured = await loop.until(`a cycle ${PAUSE_MS} ms after the pause`, (cycle) => cycle.report.ok && cycle.report.finishedAt >= pausedAt + PAUSE_MS && cycle, PAUSE_MS + 15_000);

  // Resume the paused consumers; the closed ones stay closed.
  const resumedFrom = loop.cycles.length;
  for (const v of variants) v.paused.resume();
  const catchingUp = new Map<Protocol, GroupReport | Error>();
  const recovered = new Map<Protocol, GroupReport | Error>();
  await Promise.all(
    variants.map(async (v) => {
      const seen = await settle(
        loop.until(
          `${v.groups.paused} to show a catching-up trend after the resume`,
          (cycle) => {
            const r = report(cycle, v.groups.paused);
            // A real catch-up: the lag falls by more than 20 records/s over the window (noise is ~1/s).
            return r && r.result.trend.kind === 'catching-up' && r.result.trend.velocity < -20 ? r : undefined;
          },
          30_000,
          (cycle) => showLags(report(cycle, v.groups.paused)),
        ),
      );
      catchingUp.set(v.protocol, seen);
      recovered.set(
        v.protocol,
        await settle(
          loop.until(
            `${v.groups.paused}'s time lag to fall back to at most ${SMALL_MS} ms`,
            (cycle) => {
              const r = report(cycle, v.groups.paused);
              return r && r.result.maxTimeLagMs !== null && r.result.maxTimeLagMs <= SMALL_MS ? r : undefined;
            },
            30_000,
            (cycle) => showLags(report(cycle, v.groups.paused)),
          ),
        ),
      );
    }),
  );
  const end = loop.latestReadable()!;
  await loop.stop();
  await production.stop();
  const failures = [...production.failures, ...loop.failures, ...variants.flatMap((v) => [v.paused.failure(), v.idle.failure()].filter((f): f is string => f !== null))];
  if (failures.length > 0) throw new Error(`the workload failed: ${failures.slice(0, 3).join(' | ')}`);
  return { kafka, loop, variants, runningFrom, pausedFrom, resumedFrom, pausedAt, closedAt, measured, catchingUp, recovered, end };
}

beforeAll(async () => {
  const results = await Promise.all(KAFKA_VERSIONS.map(async (kafka) => [kafka, await scenario(kafka)] as const));
  for (const [kafka, run] of results) runs.set(kafka, run);
}, 150_000);

afterAll(async () => {
  await closeAll(...cleanup.reverse());
});

describe.each(KAFKA_VERSIONS)('lag in time on %s', (kafka) => {
  const run = () => {
    const r = runs.get(kafka);
    if (!r) throw new Error(`the ${kafka} scenario did not run`);
    return r;
  };

  describe.each(protocolsOf(kafka))('%s group protocol', (protocol) => {
    const variant = () => run().variants.find((v) => v.protocol === protocol)!;

    it('the groups are of that protocol', () => {
      const { loop } = run();
      for (const group of Object.values(variant().groups)) {
        expect(report(loop.cycles[run().runningFrom], group)?.groupType, group).toBe(protocol);
      }
    });

    it(`while consuming, the time lag stays small (≤ ${SMALL_MS} ms)`, () => {
      const { loop, runningFrom, pausedFrom } = run();
      const { groups } = variant();
      for (const group of [groups.paused, groups.closed]) {
        const reports = loop.reportsOf(group, runningFrom, pausedFrom);
        expect(reports.length, `${group}: cycles while consuming`).toBeGreaterThanOrEqual(3);
        for (const { report: r } of reports) {
          expect(r.result.maxTimeLagMs, showLags(r)).not.toBeNull();
          expect(r.result.maxTimeLagMs!, showLags(r)).toBeLessThanOrEqual(SMALL_MS);
          for (const p of r.result.partitions) expect(['interpolated', 'caught-up'], showLags(r)).toContain(p.timeLag.kind);
        }
      }
    });

    it(`paused in the group for N = ${PAUSE_MS / 1000} s: max time lag and every paused partition's time lag are N ± ${TOLERANCE_MS} ms`, () => {
      const { measured, pausedAt } = run();
      const r = report(measured, variant().groups.paused)!;
      expect(r, 'the paused group in the measured cycle').toBeDefined();
      const n = r.observedAt - pausedAt;
      expect(n).toBeGreaterThanOrEqual(PAUSE_MS);
      // Still a member: paused, not gone.
      expect(r.memberCount).toBe(1);
      expect(r.details.every((d) => d.clientId === `${protocol}-paused` && d.memberId !== ''), showLags(r)).toBe(true);
      expect(r.result.maxTimeLagMs, showLags(r)).not.toBeNull();
      expect(Math.abs(r.result.maxTimeLagMs! - n), `${showLags(r)}; N = ${n}`).toBeLessThanOrEqual(TOLERANCE_MS);
      for (const p of r.result.partitions) {
        expect(p.timeLag.kind, showLags(r)).toBe('interpolated');
        expect(Math.abs(lagMs(p.timeLag)! - n), `partition ${p.partition}: ${showLags(r)}; N = ${n}`).toBeLessThanOrEqual(TOLERANCE_MS);
        expect(p.currentLag, showLags(r)).toBeGreaterThan(0);
      }
      // The group's maximum is its largest partition's.
      expect(r.result.maxTimeLagMs).toBe(Math.max(...r.result.partitions.map((p) => lagMs(p.timeLag)!)));
    });

    it('while paused, every cycle reports the time since the pause, within the same tolerance', () => {
      const { loop, pausedFrom, resumedFrom, pausedAt } = run();
      const reports = loop.reportsOf(variant().groups.paused, pausedFrom, resumedFrom).filter(({ report: r }) => r.observedAt - pausedAt >= 2 * INTERVAL_MS);
      expect(reports.length).toBeGreaterThanOrEqual(3);
      for (const { report: r } of reports) {
        const n = r.observedAt - pausedAt;
        expect(Math.abs(r.result.maxTimeLagMs! - n), `${showLags(r)}; N = ${n}`).toBeLessThanOrEqual(TOLERANCE_MS);
      }
    });

    it(`closed for N = ${PAUSE_MS / 1000} s (group empty): the time lag is N ± ${TOLERANCE_MS} ms, and keeps growing`, () => {
      const { measured, closedAt, end } = run();
      for (const cycle of [measured, end]) {
        const r = report(cycle, variant().groups.closed)!;
        expect(r, 'the closed group').toBeDefined();
        expect(r.memberCount, showLags(r)).toBe(0);
        const n = r.observedAt - closedAt;
        expect(Math.abs(r.result.maxTimeLagMs! - n), `${showLags(r)}; N = ${n}`).toBeLessThanOrEqual(TOLERANCE_MS);
        for (const p of r.result.partitions) expect(Math.abs(lagMs(p.timeLag)! - n), `partition ${p.partition}: ${showLags(r)}; N = ${n}`).toBeLessThanOrEqual(TOLERANCE_MS);
      }
    });

    it('once resumed, the trend shows catching-up, and the time lag falls back', () => {
      const { catchingUp, recovered, pausedAt } = run();
      const seen = catchingUp.get(protocol)!;
      if (seen instanceof Error) throw seen;
      expect(seen.result.trend.kind).toBe('catching-up');
      // The group's trend sums its partitions': some partition is catching up too.
      expect(seen.result.partitions.some((p) => p.trend.kind === 'catching-up'), showLags(seen)).toBe(true);
      const back = recovered.get(protocol)!;
      if (back instanceof Error) throw back;
      expect(back.result.maxTimeLagMs!).toBeLessThanOrEqual(SMALL_MS);
      expect(back.observedAt - pausedAt).toBeGreaterThan(PAUSE_MS);
      // The backlog of N seconds was consumed: the lag in records is back to about one interval's production.
      expect(back.result.totallag).toBeLessThanOrEqual(2 * PRODUCED_PER_S);
    });

    it("an idle topic with a caught-up consumer has time lag 0 ('caught-up')", () => {
      const { loop, runningFrom, end } = run();
      const reports = loop.reportsOf(variant().groups.idle, runningFrom);
      expect(reports.length).toBeGreaterThan(10);
      for (const { report: r } of [...reports, { report: report(end, variant().groups.idle)! }]) {
        expect(r.result.partitions.map((p) => p.timeLag), showLags(r)).toEqual([{ kind: 'caught-up', ms: 0 }]);
        expect(r.result.maxTimeLagMs).toBe(0);
        expect(r.result.totallag).toBe(0);
      }
    });
  });
});
