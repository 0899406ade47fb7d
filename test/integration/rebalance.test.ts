// Rebalances and deploys on real brokers (issue 7): a two-instance group under continuous production is rolled
// (close A, start A', close B, start B') while Warren cycles every second with a 15 s rebalance grace. Warren must
// emit rebalance events that name who joined and left and carry every partition's committed offset as the
// broker had it, never show the group ERR during the roll, and emit a deploy event when the new instances run a
// new client id (app-v1 → app-v2) and none for a plain restart, whether the instances share one client id or each
// keeps its own. Kafka 3.9 (classic groups) and 4.x (classic and KIP-848 groups); every roll runs at the same time.
import type { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { createLogger } from '../../collector/logger.ts';
import type { GroupReport, MemberRef, RebalanceEvent } from '../../collector/types.ts';
import { admin, createTopic, testConfig, uniqueName } from '../helpers/kafka.ts';
import { KAFKA_VERSIONS, kafkaBrokers, type KafkaName } from '../helpers/services.ts';
import { brokerCommitted, closeAll, CycleLoop, startMember, startProduction, type Cycle, type Member } from '../helpers/workload.ts';

const PARTITIONS = 4;
const GRACE_S = 15;
/** Each step of the roll must be visible to Warren within this (KIP-848 members heartbeat every 5 s). */
const STEP_TIMEOUT_MS = 30_000;

type Protocol = 'classic' | 'consumer';
type Kind = 'restart' | 'restart-own-ids' | 'deploy';
const protocolsOf = (kafka: KafkaName): Protocol[] => (kafka === 'kafka4' ? ['classic', 'consumer'] : ['classic']);
const KINDS: Kind[] = ['restart', 'restart-own-ids', 'deploy'];
/** Client ids of A, B (before the roll) and A', B' (after). */
const CLIENT_IDS: Record<Kind, { a: string; b: string; a2: string; b2: string }> = {
  // A plain restart, every instance with the application's client id.
  restart: { a: 'app-v1', b: 'app-v1', a2: 'app-v1', b2: 'app-v1' },
  // A plain restart, each instance with a client id of its own that it keeps across the restart.
  'restart-own-ids': { a: 'app-v1-a', b: 'app-v1-b', a2: 'app-v1-a', b2: 'app-v1-b' },
  // A deploy: the new instances run v2.
  deploy: { a: 'app-v1', b: 'app-v1', a2: 'app-v2', b2: 'app-v2' },
};

/** The broker's committed offsets of every group: group → partition → offset. */
type Committed = Map<string, Map<number, number>>;

interface Roll {
  protocol: Protocol;
  kind: Kind;
  group: string;
  /** Member ids of A, B (before) and A', B' (after). */
  before: [string, string];
  after: [string, string];
  /** Cycle indexes: the roll runs over cycles from..to (exclusive). */
  from: number;
  to: number;
  failures: string[];
}

interface Fixture {
  kafka: KafkaName;
  topic: string;
  loop: CycleLoop<Committed>;
  collector: Collector;
  rolls: Roll[];
}

const fixtures = new Map<KafkaName, Fixture>();
const cleanup: ({ close(): Promise<unknown> } | { stop(): Promise<unknown> } | undefined)[] = [];

const groupReport = (cycle: Cycle<Committed> | undefined, group: string) => CycleLoop.group(cycle, group);

/** memberId → partitions it owns, from Warren's report. */
function owners(r: GroupReport): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const d of r.details) {
    const list = out.get(d.memberId) ?? [];
    list.push(d.partition);
    out.set(d.memberId, list);
  }
  return out;
}

const show = (r: GroupReport | undefined) =>
  r ? `${r.group} ${r.state} (${r.groupType}) members ${r.memberCount}, status ${r.result.status}, hold ${r.rebalance.kind}, owners ${[...owners(r)].map(([m, ps]) => `${m.slice(0, 8) || '-'}:${ps.join('/')}`).join(' ')}` : 'no report';

/** Stable, every partition committed and owned, and the owners are exactly `members` (each owning something). */
function settledWith(r: GroupReport | undefined, members: string[]): boolean {
  if (!r || r.state !== 'Stable' || r.details.length !== PARTITIONS || r.memberCount !== members.length) return false;
  if (r.details.some((d) => d.committed === null || d.memberId === '')) return false;
  const owning = owners(r);
  return owning.size === members.length && members.every((m) => owning.has(m));
}

async function roll(loop: CycleLoop<Committed>, brokers: string[], topic: string, group: string, protocol: Protocol, kind: Kind): Promise<Roll> {
  const ids = CLIENT_IDS[kind];
  const start = (clientId: string) => startMember({ brokers, group, topics: [topic], clientId, protocol, commitEveryMs: 200 });
  const members: Member[] = [];
  const failures: string[] = [];
  const started = async (clientId: string) => {
    const m = await start(clientId);
    members.push(m);
    cleanup.push(m);
    return m;
  };
  const settle = async (what: string, expected: () => string[]) => {
    await loop.until(`${group}: ${what}`, (cycle) => settledWith(groupReport(cycle, group), expected()), STEP_TIMEOUT_MS, (cycle) => show(groupReport(cycle, group)));
  };
  const idOf = (m: Member) => {
    const id = m.memberId();
    if (!id) throw new Error(`${group}: member ${m.clientId} has no member id`);
    return id;
  };

  // Two instances of v1, both consuming.
  const a = await started(ids.a);
  const b = await started(ids.b);
  await settle('two instances owning every partition', () => [a.memberId() ?? '?', b.memberId() ?? '?']);
  const before: [string, string] = [idOf(a), idOf(b)];
  const from = loop.cycles.length;

  // The roll, one instance at a time; each step is seen by Warren before the next one starts.
  await a.close();
  await settle('B alone after A left', () => [before[1]]);
  const a2 = await started(ids.a2);
  await settle("A' and B", () => [a2.memberId() ?? '?', before[1]]);
  const a2Id = idOf(a2);
  await b.close();
  await settle("A' alone after B left", () => [a2Id]);
  const b2 = await started(ids.b2);
  await settle("A' and B'", () => [a2Id, b2.memberId() ?? '?']);
  const after: [string, string] = [a2Id, idOf(b2)];
  await loop.cyclesMore(2);
  const to = loop.cycles.length;
  for (const m of members) {
    const f = m.failure();
    if (f) failures.push(f);
  }
  return { protocol, kind, group, before, after, from, to, failures };
}

async function setUp(kafka: KafkaName): Promise<Fixture> {
  const brokers = kafkaBrokers(kafka);
  const client: Admin = admin(brokers);
  cleanup.push(client);
  const prefix = uniqueName(`rb-${kafka}`);
  const topic = `${prefix}-orders`;
  await createTopic(client, topic, PARTITIONS);
  const groups = protocolsOf(kafka).flatMap((protocol) => KINDS.map((kind) => ({ protocol, kind, group: `${prefix}-${protocol}-${kind}` })));
  const collector = new Collector({
    config: testConfig({ k: { brokers, groupAllowlist: `^${prefix}-` } }, { interval: 1, intervals: 10, rebalanceGrace: GRACE_S }),
    logger: createLogger('silent'),
  });
  cleanup.push({ stop: () => collector.stop() });
  // The broker's committed offsets right before and right after every cycle bracket what Warren read.
  const loop = new CycleLoop<Committed>(collector, 'k', 1000, () => brokerCommitted(client, groups.map((g) => g.group), topic));
  cleanup.push(loop);
  const production = startProduction({ brokers, topic, partitions: PARTITIONS, perPartition: 5, everyMs: 100 });
  cleanup.push(production);
  const rolls = await Promise.all(groups.map((g) => roll(loop, brokers, topic, g.group, g.protocol, g.kind)));
  await loop.stop();
  await production.stop();
  if (production.failures.length > 0 || loop.failures.length > 0) throw new Error(`the workload failed: ${[...production.failures, ...loop.failures].slice(0, 3).join(' | ')}`);
  return { kafka, topic, loop, collector, rolls };
}

beforeAll(async () => {
  const results = await Promise.all(KAFKA_VERSIONS.map(async (kafka) => [kafka, await setUp(kafka)] as const));
  for (const [kafka, fixture] of results) fixtures.set(kafka, fixture);
}, 200_000);

afterAll(async () => {
  await closeAll(...cleanup.reverse());
});

const refs = (members: MemberRef[]) => members.map((m) => `${m.clientId}/${m.memberId}`);

describe.each(KAFKA_VERSIONS)('rolling restart on %s', (kafka) => {
  const fixture = () => {
    const f = fixtures.get(kafka);
    if (!f) throw new Error(`the ${kafka} rolls did not run`);
    return f;
  };

  describe.each(protocolsOf(kafka).flatMap((protocol) => KINDS.map((kind) => [protocol, kind] as const)))('%s group, %s', (protocol, kind) => {
    const theRoll = () => fixture().rolls.find((r) => r.protocol === protocol && r.kind === kind)!;
    const ids = CLIENT_IDS[kind];

    it('the members ran without a stream or commit failure, in a group of that protocol', () => {
      const { loop } = fixture();
      const r = theRoll();
      expect(r.failures).toEqual([]);
      expect(groupReport(loop.cycles[r.from], r.group)?.groupType).toBe(protocol);
    });

    it('rebalance events name the members that left and joined, with their client ids', () => {
      const { loop } = fixture();
      const r = theRoll();
      const events = loop.eventsOf(r.group, 'rebalance', r.from, r.to);
      expect(events.length).toBeGreaterThanOrEqual(1);
      const left = events.flatMap((e) => refs(e.left));
      const joined = events.flatMap((e) => refs(e.joined));
      expect(left).toEqual(expect.arrayContaining([`${ids.a}/${r.before[0]}`, `${ids.b}/${r.before[1]}`]));
      expect(joined).toEqual(expect.arrayContaining([`${ids.a2}/${r.after[0]}`, `${ids.b2}/${r.after[1]}`]));
      for (const e of events) {
        expect(e.cluster).toBe('k');
        for (const m of [...e.joined, ...e.left]) expect(m.host, refs([m]).join()).not.toBe('');
      }
      // The API keeps them as the group's recent events.
      const kept = fixture().collector.state.groupEvents('k', r.group) ?? [];
      for (const e of events) expect(kept).toContainEqual(e);
    });

    it('every rebalance event carries every partition with the committed offsets Warren saw, as the broker had them', () => {
      const { loop, topic } = fixture();
      const r = theRoll();
      let checked = 0;
      for (const cycle of loop.cycles.slice(r.from, r.to)) {
        for (const e of cycle.events.filter((x): x is RebalanceEvent => x.kind === 'rebalance' && x.group === r.group)) {
          const seen = groupReport(cycle, r.group)!;
          expect(e.offsets.map((o) => `${o.topic}/${o.partition}`)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => `${topic}/${p}`));
          // Exactly what Warren read in that cycle…
          expect(e.offsets).toEqual(seen.details.map((d) => ({ topic: d.topic, partition: d.partition, committed: d.committed, logEnd: d.logEnd })));
          for (const o of e.offsets) {
            expect(o.committed, `${topic}/${o.partition}`).not.toBeNull();
            expect(o.committed!, `${topic}/${o.partition}`).toBeLessThanOrEqual(o.logEnd!);
            // …and what the broker had: committed offsets only grow, so the broker's answers right before and
            // right after the cycle bracket it.
            const low = cycle.before?.get(r.group)?.get(o.partition);
            const high = cycle.after?.get(r.group)?.get(o.partition);
            expect(low, `broker's committed offset of ${topic}/${o.partition} before the cycle`).toBeDefined();
            expect(o.committed!).toBeGreaterThanOrEqual(low!);
            expect(o.committed!).toBeLessThanOrEqual(high!);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThanOrEqual(PARTITIONS);
    });

    it('no report of the group is ERR at any cycle of the roll, and Warren saw it rebalancing', () => {
      const { loop } = fixture();
      const r = theRoll();
      const reports = loop.reportsOf(r.group, r.from, r.to);
      // Every cycle that read the cluster reported the group.
      expect(reports.length).toBe(loop.cycles.slice(r.from, r.to).filter((c) => c.report.ok).length);
      expect(reports.length).toBeGreaterThanOrEqual(4);
      for (const { report } of reports) expect(report.result.status, show(report)).not.toBe('ERR');
      expect(reports.some(({ report }) => report.rebalance.kind === 'rebalancing' || report.rebalance.kind === 'holding')).toBe(true);
    });

    if (kind === 'deploy') {
      it('a deploy event when the new instances run a new client id (app-v1 → app-v2)', () => {
        const { loop, topic } = fixture();
        const r = theRoll();
        const deploys = loop.eventsOf(r.group, 'deploy', r.from, r.to);
        expect(deploys.length).toBeGreaterThanOrEqual(1);
        const first = deploys[0]!;
        expect(first.clientIdsBefore).toEqual(['app-v1']);
        expect(first.clientIds).toContain('app-v2');
        expect(first.offsets.map((o) => `${o.topic}/${o.partition}`)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => `${topic}/${p}`));
        expect(first.offsets.every((o) => o.committed !== null && o.committed <= o.logEnd!)).toBe(true);
        // Emitted alongside the rebalance event of the same cycle.
        expect(loop.eventsOf(r.group, 'rebalance').some((e) => e.at === first.at)).toBe(true);
      });
    } else {
      it(`no deploy event for a plain restart with the same client id${kind === 'restart' ? '' : 's (one per instance)'}`, () => {
        const { loop } = fixture();
        expect(loop.eventsOf(theRoll().group, 'deploy')).toEqual([]);
      });
    }
  });
});
