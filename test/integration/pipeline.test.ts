// The whole product, end to end, on Elasticsearch 8 and 9: real consumer groups on a real Kafka 4.x broker are
// driven into OK, WARN, STOP, STALL and REWIND; the real collector reads them every "30 s" (a clock that
// advances 30 s per cycle and ends near the real time) and hands each cycle to the real Elasticsearch sink;
// a second Kafka cluster in the same collector cannot be reached; a member joins the idle OK group mid-run (a
// rebalance). Then every provisioned panel, variable, annotation and alert query is replayed as the `_msearch`
// Grafana sends (grafana.md §3) against what the sink indexed, and the numbers — lags in messages and in time,
// statuses, events — are compared with the collector's own reports. The alert rules are evaluated
// minute by minute with Grafana's reduce/threshold/math and pending/firing logic: they fire for the bad groups
// and clusters, stay quiet for the healthy ones, and a second collector that only sees healthy groups (its own
// sink and indices) raises nothing at all. The heartbeat rule stays quiet while cycles run and fires once they
// stop, and on no data.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { Admin } from '@platformatic/kafka';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { createLogger } from '../../collector/logger.ts';
import { createElasticsearchSink, parseElasticsearchConfig, type ElasticsearchSink } from '../../collector/sinks/elasticsearch.ts';
import type { CycleReport, DeployEvent, GroupReport, RebalanceEvent, StatusChangeEvent, WarrenEvent } from '../../collector/types.ts';
import { countDocs, removePrefix } from '../../elasticsearch/admin.ts';
import { STATUS_CODE } from '../../evaluator/index.ts';
import type { PartitionResult } from '../../evaluator/index.ts';
import { ruleGroups } from '../../grafana/src/alerting.ts';
import type { Rule, RuleGroup } from '../../grafana/src/alerting.ts';
import { labelKey, simulate } from '../../grafana/src/replay/alerts.ts';
import type { Simulation, Step } from '../../grafana/src/replay/alerts.ts';
import { panelByTitle, runAnnotation, runPanel, runVariable } from '../../grafana/src/replay/dashboards.ts';
import type { ReplayContext } from '../../grafana/src/replay/dashboards.ts';
import type { VariableValue } from '../../grafana/src/replay/interpolate.ts';
import { admin, commit, createTopic, eventually, produce, startConsumer, testConfig, uniqueName, type TestConsumer } from '../helpers/kafka.ts';
import {
  bucketed,
  byName,
  floorTo,
  histogramInterval,
  lastNotNull,
  minuteSteps,
  onlyTable,
  points,
  replayOn,
  rowsAsObjects,
  seriesOf,
  type Point,
  type Replay,
} from '../helpers/pipeline.ts';
import { ES_VERSIONS, esUrl, kafkaBrokers } from '../helpers/services.ts';

type Json = Record<string, any>;

const GRAFANA = join(import.meta.dirname, '../../grafana');
const board = (name: string): Json => JSON.parse(readFileSync(join(GRAFANA, 'dashboards', `${name}.json`), 'utf8'));
const OVERVIEW = board('overview');
const CONSUMER = board('consumer-group');
const PIPELINE = board('pipeline-health');
const PROVISIONED = (parse(readFileSync(join(GRAFANA, 'provisioning/alerting/warren-rules.yaml'), 'utf8')) as { groups: RuleGroup[] }).groups;
const RULES = new Map(PROVISIONED.flatMap((g) => g.rules.map((r) => [r.uid, { rule: r, group: g }] as const)));
const ALL = { all: true } as const;
/** Panel ids only end up in the rules' dashboard links; the lookup test does not look at them. */
const PANEL_IDS = { groupStatus: 1, partitionStatus: 7, partitionLag: 5, cycleDuration: 5, clustersFailing: 1 };

/** Cycles of 30 s: 15 minutes of history, enough for the WARN rule's 10 minutes of `for`. */
const CYCLES = 30;
const CYCLE_MS = 30_000;
/** The cycle before which the REWIND group's offsets are moved back. */
const REWIND_AT = 15;
/** The cycle before which a consumer joins the idle OK group: a membership change, i.e. a rebalance event. */
const JOIN_AT = 20;
/** The time-lag rule's default threshold (`timeLag.default` in grafana/lag-thresholds.yaml): 5 minutes. */
const TIME_LAG_THRESHOLD_MS = 300_000;
const CLUSTER = 'kafka4';
const DOWN = 'kafka4-down';

function ruleOf(uid: string): { rule: Rule; group: RuleGroup } {
  const r = RULES.get(uid);
  if (!r) throw new Error(`no provisioned rule ${uid}`);
  return r;
}

const key = (labels: Record<string, string>): string => labelKey(labels);
const finalStates = (sim: Simulation): Record<string, 'Pending' | 'Alerting'> => sim.history.at(-1)!.states;

/** A TCP port on which nothing listens: a Kafka cluster that cannot be read. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Pipeline {
  collector: Collector;
  sink: ElasticsearchSink;
  prefix: string;
  replay: Replay;
  reports: CycleReport[];
  events: WarrenEvent[];
}

describe.each(ES_VERSIONS)('pipeline on %s: Kafka 4.x → collector → Elasticsearch sink → Grafana queries and alert rules', (es) => {
  const name = uniqueName(`pl-${es}`);
  const G = {
    ok: `${name}-ok`,
    live: `${name}-live`,
    warn: `${name}-warn`,
    stop: `${name}-stop`,
    stall: `${name}-stall`,
    rewind: `${name}-rewind`,
  };
  const GROUPS = Object.values(G).sort();
  const T = { orders: `${name}-orders`, events: `${name}-events`, backlog: `${name}-backlog` };
  const suffix = Math.random().toString(36).slice(2, 7);
  let kafka: Admin;
  let elastic: Client;
  let brokers: string[];
  const consumers: TestConsumer[] = [];
  const spoolDirs: string[] = [];
  const pipelines: Pipeline[] = [];
  let bad: Pipeline;
  let healthy: Pipeline;
  // The collectors' clock: 30 s per cycle, plus the real time spent inside the cycle (so cycle durations are real).
  let clock = 0;
  let cycleStartedAt = 0;
  const now = (): number => clock + (Date.now() - cycleStartedAt);
  /** Newest cycle of the bad collector, and the dashboards' "now" 5 s after it. */
  let lastAt = 0;
  let nowMs = 0;
  let firstMinute = 0;
  let lastMinute = 0;
  let runMs = 0;

  const pipeline = (label: string, clusters: Record<string, Record<string, unknown>>): Pipeline => {
    const prefix = `wpl-${es}-${suffix}-${label}`;
    const dir = mkdtempSync(join(tmpdir(), `warren-pipeline-${label}-`));
    spoolDirs.push(dir);
    const sink = createElasticsearchSink(
      parseElasticsearchConfig({ urls: [esUrl(es)], prefix, spool: { dir }, flushInterval: '20ms', retry: { initialDelay: '50ms', maxDelay: '400ms' } }),
      createLogger('silent'),
    );
    const collector = new Collector({ config: testConfig(clusters, { interval: 30 }), logger: createLogger('silent'), sinks: [sink], now });
    const p: Pipeline = { collector, sink, prefix, replay: replayOn(elastic, prefix), reports: [], events: [] };
    collector.onCycle((report, events) => {
      p.reports.push(report);
      p.events.push(...events);
    });
    pipelines.push(p);
    return p;
  };

  // ---------------------------------------------------------------------------------------------------
  // What the collector reported

  const clusterReports = (p: Pipeline, cluster: string): CycleReport[] => p.reports.filter((r) => r.cluster === cluster);
  const groupReports = (g: string, p: Pipeline = bad): GroupReport[] => clusterReports(p, CLUSTER).flatMap((r) => r.groups.filter((x) => x.group === g));
  const finalReport = (g: string, p: Pipeline = bad): GroupReport => p.collector.state.groupReport(CLUSTER, g)!;
  /** The Burrow rule of the partition that decided a group's newest status. */
  const worstRule = (g: string): string => {
    const result = finalReport(g).result;
    if (result.status === 'NOTFOUND' || !result.worst) throw new Error(`${g} has no worst partition`);
    return result.worst.reason.rule;
  };
  const statusChanges = (g: string): StatusChangeEvent[] => bad.events.filter((e): e is StatusChangeEvent => e.kind === 'status-change' && e.group === g);
  const groupPoints = (g: string, value: (r: GroupReport) => number): Point[] => groupReports(g).map((r) => ({ t: r.observedAt, v: value(r) }));
  const rebalances = (g: string): RebalanceEvent[] => bad.events.filter((e): e is RebalanceEvent => e.kind === 'rebalance' && e.group === g);
  const deploys = (g: string): DeployEvent[] => bad.events.filter((e): e is DeployEvent => e.kind === 'deploy' && e.group === g);
  /** A partition's time lag as the sink writes it (`time_lag_ms`): null when unknown. */
  const timeLagMs = (p: PartitionResult): number | null => (p.timeLag.kind === 'unknown' ? null : p.timeLag.ms);
  /** The group's `maxTimeLagMs` per cycle (`max_time_lag_ms`), leaving out cycles where none is known. */
  const maxTimeLagPoints = (g: string): Point[] => groupReports(g).flatMap((r) => (r.result.maxTimeLagMs === null ? [] : [{ t: r.observedAt, v: r.result.maxTimeLagMs }]));
  const partitionPoints = (g: string, value: (r: GroupReport, i: number) => number | null): Map<string, Point[]> => {
    const out = new Map<string, Point[]>();
    for (const r of groupReports(g)) {
      r.result.partitions.forEach((p, i) => {
        const k = `${p.topic} / ${p.partition}`;
        const v = value(r, i);
        if (v === null) return;
        if (!out.has(k)) out.set(k, []);
        out.get(k)!.push({ t: r.observedAt, v });
      });
    }
    return out;
  };
  const heartbeatPoints = (cluster: string, value: (r: CycleReport) => number, p: Pipeline = bad): Point[] => clusterReports(p, cluster).map((r) => ({ t: r.finishedAt, v: value(r) }));

  // ---------------------------------------------------------------------------------------------------
  // Grafana's side

  const ctx = (vars: Record<string, VariableValue>, p: Pipeline = bad): ReplayContext => ({
    nowMs,
    minIntervalMs: 30_000,
    defaultMaxDataPoints: 1000,
    vars,
    indexOf: p.replay.indexOf,
    search: p.replay.search,
  });
  const overviewVars = (): ReplayContext => ctx({ cluster: ALL, group: ALL });
  const groupVars = (g: string): ReplayContext => ctx({ cluster: CLUSTER, group: g, topic: ALL });
  const pipelineVars = (): ReplayContext => ctx({ cluster: ALL });
  const range = (from: string | number): { fromMs: number; toMs: number } => ({
    fromMs: nowMs - (typeof from === 'number' ? from : { '2m': 120_000, '3h': 10_800_000, '6h': 21_600_000 }[from]!),
    toMs: nowMs,
  });
  /** Evaluations once a minute, 5 s into the minute, while the collector ran: the newest complete minute always has cycles. */
  const runningSteps = (p: Pipeline = bad): Step[] => minuteSteps(p.replay, firstMinute + 60_000, lastMinute + 60_000);
  const simulateRule = (uid: string, steps: Step[]): Promise<Simulation> => {
    const { rule, group } = ruleOf(uid);
    return simulate(rule, group, steps);
  };

  beforeAll(async () => {
    const started = Date.now();
    brokers = kafkaBrokers('kafka4');
    kafka = admin(brokers);
    elastic = new Client({ node: esUrl(es) });

    // Topics: `orders` does not move; `events` grows 20 records per partition per cycle; `backlog` holds 12000.
    await createTopic(kafka, T.orders, 2);
    await createTopic(kafka, T.events, 2);
    await createTopic(kafka, T.backlog, 2);
    await produce(brokers, T.orders, [0, 1], 100);
    await produce(brokers, T.events, [0, 1], 100);
    await produce(brokers, T.backlog, [0, 1], 6000);

    // OK: caught up, idle (nobody there until a member joins at JOIN_AT). REWIND: caught up too until REWIND_AT, then
    // moved back for good.
    await commit(kafka, G.ok, T.orders, { 0: 100, 1: 100 });
    await commit(kafka, G.rewind, T.orders, { 0: 100, 1: 100 });
    // STOP: 11000 behind on the backlog, nobody there, nothing moves (also above the default lag threshold).
    await commit(kafka, G.stop, T.backlog, { 0: 500, 1: 500 });
    // STALL: a live member owns the partitions and never commits.
    await commit(kafka, G.stall, T.orders, { 0: 40, 1: 40 });
    // WARN: commits move 10 per cycle while the log end moves 20.
    await commit(kafka, G.warn, T.events, { 0: 10, 1: 10 });
    consumers.push(await startConsumer({ brokers, group: G.stall, topics: [T.orders], commits: false }));
    // A healthy live consumer that commits everything it reads.
    consumers.push(await startConsumer({ brokers, group: G.live, topics: [T.events] }));

    // Wait, outside the test clock, until a group is Stable and its members own both its partitions.
    const untilOwned = async (group: string, what: string) => {
      const probe = new Collector({ config: testConfig({ k: { brokers, groupAllowlist: `^${group}$` } }), logger: createLogger('silent') });
      try {
        await eventually(what, async () => {
          await probe.runCycle('k');
          const r = probe.state.groupReport('k', group);
          return r && r.state === 'Stable' && r.details.length === 2 && r.details.every((d) => d.memberId !== '');
        });
      } finally {
        await probe.stop();
      }
    };
    await untilOwned(G.stall, 'the stalled consumer to own its partitions');
    const liveCaughtUp = (end: number) =>
      eventually(`the live consumer to commit ${end}`, async () => {
        const [offsets] = await kafka.listConsumerGroupOffsets({ groups: [G.live] });
        const committed = offsets?.topics.find((t) => t.name === T.events)?.partitions.map((p) => Number(p.committedOffset)) ?? [];
        return committed.length === 2 && committed.every((c) => c === end);
      }, 30_000, 20);
    await liveCaughtUp(100);

    const down = `127.0.0.1:${await closedPort()}`;
    bad = pipeline('bad', {
      [CLUSTER]: { brokers, groupAllowlist: `^${name}-` },
      [DOWN]: { brokers: [down], connectTimeout: 1 },
    });
    healthy = pipeline('healthy', { [CLUSTER]: { brokers, groupAllowlist: `^(${G.ok}|${G.live})$` } });
    await Promise.all(pipelines.map((p) => p.sink.whenReady()));

    // The last cycle lands 45 s into the current minute (at most 45 s from now), 2 cycles per minute before it.
    const realNow = Date.now();
    const lastPlanned = floorTo(realNow, 60_000) + 45_000;
    clock = lastPlanned - CYCLES * CYCLE_MS;
    for (let c = 0; c < CYCLES; c++) {
      if (c > 0) {
        await produce(brokers, T.events, [0, 1], 20);
        await commit(kafka, G.warn, T.events, { 0: 10 + 10 * c, 1: 10 + 10 * c });
      }
      if (c === REWIND_AT) await commit(kafka, G.rewind, T.orders, { 0: 30, 1: 30 });
      // A member joins the idle OK group (it commits nothing; there is nothing to read): the collector's rebalance
      // event of this cycle. It keeps the client id of the test's consumers, so it is no deploy.
      if (c === JOIN_AT) {
        consumers.push(await startConsumer({ brokers, group: G.ok, topics: [T.orders], commits: false }));
        await untilOwned(G.ok, 'the member that joined the OK group to own its partitions');
      }
      await liveCaughtUp(100 + 20 * c);
      clock += CYCLE_MS;
      cycleStartedAt = Date.now();
      await Promise.all(pipelines.map((p) => p.collector.runAll()));
    }
    for (const p of pipelines) expect(await p.sink.flush(60_000), `${p.prefix} flushed`).toBe(true);
    await elastic.indices.refresh({ index: pipelines.map((p) => `${p.prefix}-*`).join(',') });

    const ours = clusterReports(bad, CLUSTER);
    lastAt = ours.at(-1)!.finishedAt;
    nowMs = lastAt + 5_000;
    firstMinute = floorTo(ours[0]!.finishedAt, 60_000);
    lastMinute = floorTo(lastAt, 60_000);
    runMs = Date.now() - started;
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    for (const p of pipelines) await p.collector.stop(); // closes the sinks too
    if (elastic) {
      for (const p of pipelines) await removePrefix(elastic, p.prefix).catch(() => undefined);
      await elastic.close();
    }
    if (kafka) {
      await kafka.deleteGroups({ groups: Object.values(G) }).catch(() => undefined);
      await kafka.deleteTopics({ topics: Object.values(T) }).catch(() => undefined);
      await kafka.close();
    }
    for (const dir of spoolDirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('the scenario', () => {
    it('the collector saw OK, WARN, STOP, STALL and REWIND on the broker, and a cluster it cannot read', () => {
      expect(runMs).toBeLessThan(90_000);
      const ours = clusterReports(bad, CLUSTER);
      expect(ours.length).toBe(CYCLES);
      expect(ours.every((r) => r.ok)).toBe(true);
      expect(clusterReports(bad, DOWN).length).toBe(CYCLES);
      expect(clusterReports(bad, DOWN).every((r) => !r.ok && r.errors.length === 1)).toBe(true);
      // 2 cycles in every minute, and the newest cycle close to the real time.
      expect((lastMinute - firstMinute) / 60_000 + 1).toBe(CYCLES / 2);
      expect(Math.abs(lastAt - Date.now())).toBeLessThan(120_000);

      const status = (g: string) => finalReport(g).result.status;
      const partitions = (g: string) => finalReport(g).result.partitions.map((p) => `${p.status}/${p.reason.rule}`);
      expect(status(G.ok)).toBe('OK');
      expect(status(G.live)).toBe('OK');
      expect(finalReport(G.live).memberCount).toBe(1);
      expect(status(G.warn)).toBe('WARN');
      expect(partitions(G.warn)).toEqual(['WARN/lag-not-decreasing', 'WARN/lag-not-decreasing']);
      expect(finalReport(G.warn).result.totallag).toBe(2 * (90 + 10 * (CYCLES - 1)));
      expect(status(G.stop)).toBe('ERR');
      expect(partitions(G.stop)).toEqual(['STOP/stopped', 'STOP/stopped']);
      expect(finalReport(G.stop).result.totallag).toBe(11_000);
      expect(status(G.stall)).toBe('ERR');
      expect(partitions(G.stall)).toEqual(['STALL/no-progress', 'STALL/no-progress']);
      expect(finalReport(G.stall).memberCount).toBe(1);
      expect(status(G.rewind)).toBe('ERR');
      expect(partitions(G.rewind)).toEqual(['REWIND/rewind', 'REWIND/rewind']);
      // Every group of the healthy collector stayed OK in every cycle.
      expect(clusterReports(healthy, CLUSTER).flatMap((r) => r.groups.map((g) => g.result.status))).toEqual(new Array(2 * CYCLES).fill('OK'));
      // The status changes the collector emitted: each bad group left OK once, the good ones never.
      expect(statusChanges(G.ok)).toEqual([]);
      expect(statusChanges(G.live)).toEqual([]);
      for (const [g, to] of [[G.warn, 'WARN'], [G.stop, 'ERR'], [G.stall, 'ERR'], [G.rewind, 'ERR']] as const) {
        expect(statusChanges(g).map((e) => `${e.from}->${e.to}`), g).toEqual([`OK->${to}`]);
      }
    });

    it('lag in time: what the estimator makes of this clock, cycle by cycle, for every group', () => {
      // Time lags are estimated from the log ends the collector saw and when (cycle c at a[c], its finishedAt: the
      // test clock, 30 s apart); the records' own timestamps (real time) are not read (no exactTimeLagGroups).
      // - STOP (backlog: log end flat at 6000, committed 500) and STALL (orders: flat at 100, committed 40): the
      //   committed offset is older than the whole history, which is one flat run since a[0]. Extrapolated, and
      //   with no growth to extrapolate from, the certain lower bound: the history's age, a[c] − a[0]. It grows
      //   with the clock, 30 s per cycle, although nothing is produced and nothing is committed.
      // - REWIND: caught up (0) until REWIND_AT, then committed 30 on orders, older than the history too: a[c] − a[0]
      //   from that cycle on (7.5 minutes at once).
      // - WARN (events: log end 100 + 20c, committed 10 + 10c): once the committed offset is inside the history
      //   (c ≥ 9), interpolated: offset 10 + 10c was the log end at cycle k = (c − 9) / 2 (halfway between two
      //   cycles when c is even), so the lag is a[c] − a[k]. The consumer moves at half the producers' pace: its
      //   time lag grows by 15 s per cycle. Before c = 9, extrapolated at the history's rate, at least a[c] − a[0].
      // - OK and LIVE: caught up, 0.
      // The first cycle's history is a single point, which dates nothing: no time lag above 0 is known there.
      const a = clusterReports(bad, CLUSTER).map((r) => r.finishedAt);
      const lags = (g: string) => groupReports(g).map((r) => r.result.partitions.map((p) => p.timeLag));
      const max = (g: string) => groupReports(g).map((r) => r.result.maxTimeLagMs);
      const [stop, stall, rewind, warn] = [lags(G.stop), lags(G.stall), lags(G.rewind), lags(G.warn)];
      for (const g of [G.stop, G.stall, G.warn]) expect(max(g)[0] ?? 0, g).toBe(0);
      const caughtUp = { kind: 'caught-up', ms: 0 };
      for (let c = 1; c < CYCLES; c++) {
        const age = a[c]! - a[0]!;
        expect(Math.abs(a[c]! - a[c - 1]! - CYCLE_MS), `cycle ${c}`).toBeLessThan(10_000);
        const older = { kind: 'extrapolated', ms: age, atLeastMs: age };
        expect(stop[c], `STOP, cycle ${c}`).toEqual([older, older]);
        expect(stall[c], `STALL, cycle ${c}`).toEqual([older, older]);
        expect(max(G.stop)[c], `cycle ${c}`).toBe(age);
        expect(max(G.stall)[c], `cycle ${c}`).toBe(age);
        expect(rewind[c], `REWIND, cycle ${c}`).toEqual(c < REWIND_AT ? [caughtUp, caughtUp] : [older, older]);
        expect(max(G.rewind)[c], `cycle ${c}`).toBe(c < REWIND_AT ? 0 : age);
        if (c >= 9) {
          const k = Math.floor((c - 9) / 2);
          const producedAt = c % 2 === 1 ? a[k]! : Math.round(a[k]! + 0.5 * (a[k + 1]! - a[k]!));
          const inside = { kind: 'interpolated', ms: a[c]! - producedAt, producedAt };
          expect(warn[c], `WARN, cycle ${c}`).toEqual([inside, inside]);
          expect(max(G.warn)[c], `cycle ${c}`).toBe(a[c]! - producedAt);
        } else {
          // The history's rate, 20 records per cycle, run back from offset 100 at a[0] to the committed offset.
          const extrapolated = age + ((90 - 10 * c) * age) / (20 * c);
          for (const t of warn[c]!) {
            expect(t, `WARN, cycle ${c}`).toMatchObject({ kind: 'extrapolated', atLeastMs: age });
            expect(Math.abs(t.kind === 'extrapolated' ? t.ms - extrapolated : Infinity), `WARN, cycle ${c}`).toBeLessThanOrEqual(1);
          }
        }
        expect(groupReports(G.ok)[c]!.result.partitions.map((p) => p.timeLag), `OK, cycle ${c}`).toEqual([caughtUp, caughtUp]);
        expect(groupReports(G.live)[c]!.result.partitions.map((p) => p.timeLag), `LIVE, cycle ${c}`).toEqual([caughtUp, caughtUp]);
      }
      // The newest cycle: STOP, STALL and REWIND all at the history's age (about 14.5 minutes), WARN about 9.5.
      expect(finalReport(G.stop).result.maxTimeLagMs).toBe(a[CYCLES - 1]! - a[0]!);
      expect(Math.abs(finalReport(G.stop).result.maxTimeLagMs! - (CYCLES - 1) * CYCLE_MS)).toBeLessThan(10_000);
      expect(Math.abs(finalReport(G.warn).result.maxTimeLagMs! - ((CYCLES - 1 + 9) / 2) * CYCLE_MS)).toBeLessThan(10_000);
    });

    it('a member joining the OK group at JOIN_AT is one rebalance event, with the offsets of that cycle; no other membership changed, no deploy', () => {
      const [joined, ...more] = rebalances(G.ok);
      expect(more).toEqual([]);
      expect(joined).toMatchObject({
        cluster: CLUSTER,
        at: clusterReports(bad, CLUSTER)[JOIN_AT]!.finishedAt,
        previousState: 'Empty',
        state: 'Stable',
        memberCount: 1,
        left: [],
        offsets: [
          { topic: T.orders, partition: 0, committed: 100, logEnd: 100 },
          { topic: T.orders, partition: 1, committed: 100, logEnd: 100 },
        ],
      });
      expect(joined!.joined.map((m) => m.clientId)).toEqual([`warren-test-${G.ok}`]);
      expect(joined!.joined[0]!.host).not.toBe('');
      expect(finalReport(G.ok).details.map((d) => d.memberId)).toEqual([joined!.joined[0]!.memberId, joined!.joined[0]!.memberId]);
      expect(groupReports(G.ok).map((r) => r.memberCount)).toEqual([...new Array(JOIN_AT).fill(0), ...new Array(CYCLES - JOIN_AT).fill(1)]);
      for (const g of GROUPS) if (g !== G.ok) expect(rebalances(g), g).toEqual([]);
      // The member keeps the client id of the test's consumers, and the group had none when it settled: no deploy.
      for (const g of GROUPS) expect(deploys(g), g).toEqual([]);
    });

    it('the sink indexed every document of every cycle, and nothing was lost', async () => {
      for (const p of pipelines) {
        expect(p.sink.stats()).toMatchObject({ state: 'connected', docsDeadLettered: 0, docsDropped: 0, docsRefused: 0, spoolDocs: 0, writeErrors: 0 });
        const partitions = p.reports.reduce((n, r) => n + r.groups.reduce((m, g) => m + g.result.partitions.length, 0), 0);
        const groups = p.reports.reduce((n, r) => n + r.groups.length, 0);
        expect(await countDocs(elastic, `${p.prefix}-partition-*`)).toBe(partitions);
        expect(await countDocs(elastic, `${p.prefix}-group-*`)).toBe(groups);
        expect(await countDocs(elastic, `${p.prefix}-event-*`)).toBe(p.events.length);
        expect(await countDocs(elastic, `${p.prefix}-heartbeat-*`)).toBe(p.reports.length);
        expect(p.sink.stats().docsIndexed + p.sink.stats().docsDuplicate).toBe(partitions + groups + p.events.length + p.reports.length);
      }
    });
  });

  describe('dashboards', () => {
    it('every target of every panel is accepted by Elasticsearch and returns data', async () => {
      const empty: string[] = [];
      const boards: [Json, ReplayContext, string][] = [
        [OVERVIEW, overviewVars(), 'all'],
        ...GROUPS.map((g) => [CONSUMER, groupVars(g), g] as [Json, ReplayContext, string]),
        [PIPELINE, pipelineVars(), 'all'],
      ];
      for (const [dashboard, vars, label] of boards) {
        for (const panel of dashboard.panels as Json[]) {
          for (const r of await runPanel(dashboard, panel, vars)) {
            expect(r.error, `${dashboard.uid} / ${panel.title} / ${r.refId}`).toBeNull();
            const hasValue = r.frames.some((f) => (f.kind === 'series' ? f.values.some((v) => v !== null) : f.rows.length > 0));
            if (!hasValue) empty.push(`${dashboard.uid} (${label}) / ${panel.title} / ${r.refId}`);
          }
        }
      }
      // No group is NOTFOUND, and the healthy groups have nothing to explain.
      expect(empty.sort()).toEqual([`warren-consumer-group (${G.live}) / Why not OK / A`, `warren-consumer-group (${G.ok}) / Why not OK / A`, 'warren-overview (all) / Groups NOTFOUND / A'].sort());
    });

    describe('overview', () => {
      it('groups by status in the last 2 minutes: what the collector reported', async () => {
        const window = range('2m');
        const recent = clusterReports(bad, CLUSTER).filter((r) => r.finishedAt >= window.fromMs && r.finishedAt <= window.toMs);
        expect(recent.length).toBe(4);
        for (const status of ['OK', 'WARN', 'ERR', 'NOTFOUND'] as const) {
          const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, `Groups ${status}`), overviewVars());
          const shown = r!.frames.length === 0 ? null : onlyTable(r!.frames).rows.reduce((n, row) => n + (row.at(-1) as number), 0);
          const expected = new Set(recent.flatMap((x) => x.groups.filter((g) => g.result.status === status).map((g) => g.group))).size;
          expect(shown, status).toBe(expected === 0 ? null : expected);
        }
        const count = async (status: string) => rowsAsObjects(onlyTable((await runPanel(OVERVIEW, panelByTitle(OVERVIEW, `Groups ${status}`), overviewVars()))[0]!.frames));
        expect(await count('OK')).toEqual([{ cluster: CLUSTER, 'Unique Count': 2 }]);
        expect(await count('WARN')).toEqual([{ cluster: CLUSTER, 'Unique Count': 1 }]);
        expect(await count('ERR')).toEqual([{ cluster: CLUSTER, 'Unique Count': 3 }]);
      });

      it('consumer groups table: each group\'s current status, lags, last report and last status change', async () => {
        const [a, b] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Consumer groups'), overviewVars());
        const current = onlyTable(a!.frames);
        expect(current.columns).toEqual(['cluster', 'group', 'status', 'Max @timestamp', 'Max total_lag', 'Max max_lag']);
        expect(rowsAsObjects(current)).toEqual(
          GROUPS.map((g) => {
            const r = finalReport(g);
            return { cluster: CLUSTER, group: g, status: r.result.status, 'Max @timestamp': r.observedAt, 'Max total_lag': r.result.totallag, 'Max max_lag': r.result.maxlag!.currentLag };
          }),
        );
        const changes = onlyTable(b!.frames);
        expect(changes.columns).toEqual(['cluster', 'group', 'Max']);
        expect(rowsAsObjects(changes)).toEqual(
          GROUPS.filter((g) => statusChanges(g).length > 0).map((g) => ({ cluster: CLUSTER, group: g, Max: Math.max(...statusChanges(g).map((e) => e.at)) })),
        );
      });

      it('status over time: the worst status of every group per interval, as the collector judged it', async () => {
        const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Status over time'), overviewVars());
        const interval = histogramInterval(r!.body);
        expect(interval).toBe(120_000);
        const named = byName(r!.frames);
        expect([...named.keys()]).toEqual(GROUPS.map((g) => `${CLUSTER} / ${g}`));
        for (const g of GROUPS) {
          expect(points(named.get(`${CLUSTER} / ${g}`)!), g).toEqual(bucketed(groupPoints(g, (x) => STATUS_CODE[x.result.status]), interval, range('6h')));
        }
        const codes = (g: string) => new Set(points(named.get(`${CLUSTER} / ${g}`)!).values());
        expect(codes(G.ok)).toEqual(new Set([1]));
        expect(codes(G.warn)).toEqual(new Set([2]));
        expect(codes(G.rewind)).toEqual(new Set([1, 3]));
      });

      it('top groups by total lag: highest first, with the collector\'s total lag', async () => {
        const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Top groups by total lag'), overviewVars());
        const interval = histogramInterval(r!.body);
        const all = seriesOf(r!.frames);
        const peak = (g: string) => Math.max(...groupReports(g).map((x) => x.result.totallag));
        const order = [...GROUPS].sort((x, y) => peak(y) - peak(x) || (x < y ? -1 : 1));
        expect(all.map((s) => s.name)).toEqual(order.map((g) => `${CLUSTER} / ${g}`));
        expect(order.slice(0, 2)).toEqual([G.stop, G.warn]);
        for (const [i, g] of order.entries()) {
          expect(points(all[i]!), g).toEqual(bucketed(groupPoints(g, (x) => x.result.totallag), interval, range('6h')));
          expect(lastNotNull(all[i]!), g).toBe(finalReport(g).result.totallag);
        }
      });

      it('consumer groups table: each group\'s max time lag and velocity of the last 2 minutes', async () => {
        const [, , c] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Consumer groups'), overviewVars());
        const t = onlyTable(c!.frames);
        expect(t.columns).toEqual(['cluster', 'group', 'Max max_time_lag_ms', 'Max lag_velocity']);
        const rows = rowsAsObjects(t);
        expect(rows.map((r) => [r.cluster, r.group])).toEqual(GROUPS.map((g) => [CLUSTER, g]));
        // The query's window is Elasticsearch's own `now-2m`: it holds the newest report and up to five before it.
        const newest = (g: string) => groupReports(g).slice(-6);
        for (const [i, g] of GROUPS.entries()) {
          // Time lags only grow (or stay 0) in this scenario, so the largest of the window is the newest report's.
          const recent = newest(g).map((r) => r.result.maxTimeLagMs!);
          expect(recent.every((v, j) => j === 0 || v >= recent[j - 1]!), g).toBe(true);
          expect(rows[i]!['Max max_time_lag_ms'], g).toBe(finalReport(g).result.maxTimeLagMs);
          // Velocity (a float in the index, the sink's 3 decimals): the largest of the newest k reports, for some k.
          const velocity = (r: GroupReport) => (r.result.trend.kind === 'unknown' ? null : Math.round(r.result.trend.velocity * 1000) / 1000 || 0);
          const known = (vs: (number | null)[]) => vs.filter((v): v is number => v !== null);
          const candidates = [1, 2, 3, 4, 5, 6].map((k) => {
            const vs = known(newest(g).slice(-k).map(velocity));
            return vs.length === 0 ? null : Math.max(...vs);
          });
          const shown = rows[i]!['Max lag_velocity'] as number | null;
          expect(candidates, g).toContain(shown === null ? null : Math.round(shown * 1000) / 1000);
        }
        expect(rows.find((r) => r.group === G.stop)!['Max max_time_lag_ms']).toBeGreaterThan(TIME_LAG_THRESHOLD_MS);
        expect(rows.find((r) => r.group === G.ok)!['Max max_time_lag_ms']).toBe(0);
      });

      it('top groups by max time lag: the most delayed first, with the collector\'s max time lag, interval by interval', async () => {
        const [r] = await runPanel(OVERVIEW, panelByTitle(OVERVIEW, 'Top groups by max time lag'), overviewVars());
        const interval = histogramInterval(r!.body);
        const all = seriesOf(r!.frames);
        const peak = (g: string) => Math.max(...maxTimeLagPoints(g).map((p) => p.v));
        const order = [...GROUPS].sort((x, y) => peak(y) - peak(x) || (x < y ? -1 : 1));
        expect(all.map((s) => s.name)).toEqual(order.map((g) => `${CLUSTER} / ${g}`));
        // STOP, STALL and REWIND peak at the same time lag, the age of the log-end history at the newest cycle (a tie,
        // broken by name); WARN is next; OK and LIVE are caught up.
        expect(peak(G.stop)).toBe(peak(G.stall));
        expect(peak(G.stop)).toBe(peak(G.rewind));
        expect(order).toEqual([G.rewind, G.stall, G.stop, G.warn, G.live, G.ok]);
        for (const [i, g] of order.entries()) {
          expect(points(all[i]!), g).toEqual(bucketed(maxTimeLagPoints(g), interval, range('6h')));
          expect(lastNotNull(all[i]!), g).toBe(finalReport(g).result.maxTimeLagMs);
        }
      });

      it('variables: the clusters with groups, and their groups', async () => {
        expect(await runVariable(OVERVIEW, 'cluster', overviewVars())).toEqual([CLUSTER]);
        expect(await runVariable(OVERVIEW, 'group', ctx({ cluster: ALL }))).toEqual(GROUPS);
        expect(await runVariable(OVERVIEW, 'group', ctx({ cluster: CLUSTER }))).toEqual(GROUPS);
        expect(await runVariable(OVERVIEW, 'group', ctx({ cluster: DOWN }))).toEqual([]);
      });
    });

    describe('consumer group', () => {
      it('latest status, total lag, max partition lag and members of every group equal the collector\'s', async () => {
        for (const g of GROUPS) {
          const latest = async (title: string) => {
            const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, title), groupVars(g));
            const [only, ...more] = seriesOf(r!.frames);
            expect(more).toEqual([]);
            return lastNotNull(only!);
          };
          const report = finalReport(g);
          expect(await latest('Status'), g).toBe(STATUS_CODE[report.result.status]);
          expect(await latest('Total lag'), g).toBe(report.result.totallag);
          expect(await latest('Max partition lag'), g).toBe(report.result.maxlag!.currentLag);
          expect(await latest('Members'), g).toBe(report.memberCount);
        }
        expect(finalReport(G.warn).result.totallag).toBeGreaterThan(0);
      });

      it('lag per partition, committed vs log-end offsets and partition status, interval by interval', async () => {
        for (const g of GROUPS) {
          const run = async (title: string) => {
            const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, title), groupVars(g));
            return { named: byName(r!.frames), interval: histogramInterval(r!.body) };
          };
          const lag = await run('Lag per partition');
          const expectedLag = partitionPoints(g, (r, i) => r.result.partitions[i]!.currentLag);
          expect([...lag.named.keys()], g).toEqual([...expectedLag.keys()]);
          for (const [name, ps] of expectedLag) expect(points(lag.named.get(name)!), `${g} ${name}`).toEqual(bucketed(ps, lag.interval, range('3h')));

          const offsets = await run('Committed vs log-end offset');
          const committed = partitionPoints(g, (r, i) => r.details[i]!.committed);
          const logEnd = partitionPoints(g, (r, i) => r.details[i]!.logEnd);
          expect(offsets.named.size, g).toBe(committed.size + logEnd.size);
          for (const [name, ps] of committed) expect(points(offsets.named.get(`${name} committed_offset`)!), `${g} ${name}`).toEqual(bucketed(ps, offsets.interval, range('3h')));
          for (const [name, ps] of logEnd) expect(points(offsets.named.get(`${name} log_end_offset`)!), `${g} ${name}`).toEqual(bucketed(ps, offsets.interval, range('3h')));

          const status = await run('Partition status');
          const codes = partitionPoints(g, (r, i) => STATUS_CODE[r.result.partitions[i]!.status]);
          for (const [name, ps] of codes) expect(points(status.named.get(name)!), `${g} ${name}`).toEqual(bucketed(ps, status.interval, range('3h')));
        }
        // The timeline shows STOP, STALL and REWIND for the groups that had them, and nothing worse than OK elsewhere.
        const timeline = async (g: string) => {
          const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Partition status'), groupVars(g));
          return seriesOf(r!.frames).map((s) => lastNotNull(s));
        };
        expect(await timeline(G.stop)).toEqual([STATUS_CODE.STOP, STATUS_CODE.STOP]);
        expect(await timeline(G.stall)).toEqual([STATUS_CODE.STALL, STATUS_CODE.STALL]);
        expect(await timeline(G.rewind)).toEqual([STATUS_CODE.REWIND, STATUS_CODE.REWIND]);
        expect(await timeline(G.warn)).toEqual([STATUS_CODE.WARN, STATUS_CODE.WARN]);
        expect(await timeline(G.ok)).toEqual([STATUS_CODE.OK, STATUS_CODE.OK]);
      });

      it('owners and client ids: the members the broker reported', async () => {
        for (const g of GROUPS) {
          const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Owners and client ids'), groupVars(g));
          const expected = new Map<string, { client_id: string; owner: string; topic: string; partitions: Set<number>; max: number }>();
          for (const report of groupReports(g)) {
            report.result.partitions.forEach((p, i) => {
              const d = report.details[i]!;
              const owner = d.host || p.owner;
              const client = d.clientId || p.clientId;
              const k = `${owner}\u0000${client}\u0000${p.topic}`;
              const row = expected.get(k) ?? { client_id: client, owner, topic: p.topic, partitions: new Set<number>(), max: 0 };
              row.partitions.add(p.partition);
              row.max = Math.max(row.max, report.observedAt);
              expected.set(k, row);
            });
          }
          const rows = [...expected.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([, v]) => ({ client_id: v.client_id, owner: v.owner, topic: v.topic, 'Unique Count': v.partitions.size, Max: v.max }));
          expect(rowsAsObjects(onlyTable(r!.frames)), g).toEqual(rows);
        }
        const [stall] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Owners and client ids'), groupVars(G.stall));
        const row = rowsAsObjects(onlyTable(stall!.frames));
        expect(row).toMatchObject([{ client_id: `warren-test-${G.stall}`, topic: T.orders, 'Unique Count': 2, Max: finalReport(G.stall).observedAt }]);
        expect(row[0]!.owner).not.toBe('');
      });

      it('why not OK: every non-OK partition status with its Burrow rule, peak lag, first and last seen', async () => {
        for (const g of GROUPS) {
          const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Why not OK'), groupVars(g));
          const expected = new Map<string, { partition: string; status: string; topic: string; reason: string; 'Max lag': number; Min: number; 'Max @timestamp': number }>();
          for (const report of groupReports(g)) {
            for (const p of report.result.partitions) {
              if (p.status === 'OK') continue;
              const k = [p.topic, String(p.partition).padStart(6, '0'), p.status, p.reason.rule].join('\u0000');
              const row = expected.get(k) ?? { partition: String(p.partition), status: p.status, topic: p.topic, reason: p.reason.rule, 'Max lag': 0, Min: Infinity, 'Max @timestamp': 0 };
              row['Max lag'] = Math.max(row['Max lag'], p.currentLag);
              row.Min = Math.min(row.Min, report.observedAt);
              row['Max @timestamp'] = Math.max(row['Max @timestamp'], report.observedAt);
              expected.set(k, row);
            }
          }
          const rows = [...expected.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([, v]) => v);
          const shown = r!.frames.length === 0 ? [] : rowsAsObjects(onlyTable(r!.frames));
          expect(shown, g).toEqual(rows);
        }
        const [rewind] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Why not OK'), groupVars(G.rewind));
        expect(rowsAsObjects(onlyTable(rewind!.frames))).toMatchObject([
          { topic: T.orders, partition: '0', status: 'REWIND', reason: 'rewind', 'Max lag': 70 },
          { topic: T.orders, partition: '1', status: 'REWIND', reason: 'rewind', 'Max lag': 70 },
        ]);
      });

      it('status changes as annotations: the collector\'s events, at their time, tagged with the new status', async () => {
        for (const g of GROUPS) {
          const shown = (await runAnnotation(CONSUMER, 'Status changes', groupVars(g))).sort((a, b) => a.time - b.time);
          const events = statusChanges(g);
          expect(shown.map((e) => ({ time: e.time, tags: e.tags })), g).toEqual(events.map((e) => ({ time: e.at, tags: [e.to] })));
          shown.forEach((s, i) => {
            const e = events[i]!;
            expect(s.text).toContain(`${g}: ${e.from} → ${e.to}`);
            if (e.reason) expect(s.text).toContain(`${e.topic}/${e.partition}`);
            if (e.reason) expect(s.text).toContain(e.reason.rule);
          });
        }
        const [stop] = await runAnnotation(CONSUMER, 'Status changes', groupVars(G.stop));
        expect(stop!.text).toContain('stopped');
      });

      it('max time lag, max time lag over time, time lag per partition and the canary split by client id and host, interval by interval', async () => {
        for (const g of GROUPS) {
          const run = async (title: string) => {
            const [r] = await runPanel(CONSUMER, panelByTitle(CONSUMER, title), groupVars(g));
            return { named: byName(r!.frames), interval: histogramInterval(r!.body) };
          };
          const [stat] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Max time lag'), groupVars(g));
          const [latest, ...more] = seriesOf(stat!.frames);
          expect(more).toEqual([]);
          expect(points(latest!), g).toEqual(bucketed(maxTimeLagPoints(g), histogramInterval(stat!.body), range('2m')));
          expect(lastNotNull(latest!), g).toBe(finalReport(g).result.maxTimeLagMs);

          const over = await run('Max time lag over time');
          expect([...over.named.keys()], g).toEqual(['max time lag']);
          expect(points(over.named.get('max time lag')!), g).toEqual(bucketed(maxTimeLagPoints(g), over.interval, range('3h')));

          const per = await run('Time lag per partition');
          const expected = partitionPoints(g, (r, i) => timeLagMs(r.result.partitions[i]!));
          expect([...per.named.keys()], g).toEqual([...expected.keys()]);
          for (const [name, ps] of expected) expect(points(per.named.get(name)!), `${g} ${name}`).toEqual(bucketed(ps, per.interval, range('3h')));

          // The canary split: the largest time lag of the partitions each client id (host) owned, per cycle; '' unowned.
          for (const [title, of] of [
            ['Max time lag by client id', (r: GroupReport, i: number) => r.details[i]!.clientId || r.result.partitions[i]!.clientId],
            ['Max time lag by host', (r: GroupReport, i: number) => r.details[i]!.host || r.result.partitions[i]!.owner],
          ] as const) {
            const split = await run(title);
            const byOwner = new Map<string, Point[]>();
            for (const r of groupReports(g)) {
              const cycle = new Map<string, number>();
              r.result.partitions.forEach((p, i) => {
                const ms = timeLagMs(p);
                if (ms !== null) cycle.set(of(r, i), Math.max(cycle.get(of(r, i)) ?? 0, ms));
              });
              for (const [owner, v] of cycle) byOwner.set(owner, [...(byOwner.get(owner) ?? []), { t: r.observedAt, v }]);
            }
            expect([...split.named.keys()].sort(), `${g} ${title}`).toEqual([...byOwner.keys()].sort());
            for (const [owner, ps] of byOwner) expect(points(split.named.get(owner)!), `${g} ${title} ${owner}`).toEqual(bucketed(ps, split.interval, range('3h')));
          }
        }
        // The stopped group's partitions: unowned, at the history's age; the OK group's, caught up before and after
        // its member joined.
        const [stop] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Time lag per partition'), groupVars(G.stop));
        expect(seriesOf(stop!.frames).map(lastNotNull)).toEqual([finalReport(G.stop).result.maxTimeLagMs, finalReport(G.stop).result.maxTimeLagMs]);
        const [ok] = await runPanel(CONSUMER, panelByTitle(CONSUMER, 'Max time lag by client id'), groupVars(G.ok));
        expect(Object.fromEntries([...byName(ok!.frames)].map(([name, s]) => [name, new Set(points(s).values())]))).toEqual({ '': new Set([0]), [`warren-test-${G.ok}`]: new Set([0]) });
      });

      it('rebalances and deploys as annotations: the collector\'s events, at their time; the member that joined the OK group, with the offsets then', async () => {
        for (const g of GROUPS) {
          const shown = (await runAnnotation(CONSUMER, 'Rebalances', groupVars(g))).sort((a, b) => a.time - b.time);
          expect(shown.map((e) => ({ time: e.time, tags: e.tags })), g).toEqual(rebalances(g).map((e) => ({ time: e.at, tags: [e.state] })));
          const deployed = (await runAnnotation(CONSUMER, 'Deploys', groupVars(g))).sort((a, b) => a.time - b.time);
          expect(deployed.map((e) => ({ time: e.time, tags: e.tags })), g).toEqual(deploys(g).map((e) => ({ time: e.at, tags: e.clientIds })));
        }
        const member = rebalances(G.ok)[0]!.joined[0]!;
        expect(await runAnnotation(CONSUMER, 'Rebalances', groupVars(G.ok))).toEqual([
          {
            time: clusterReports(bad, CLUSTER)[JOIN_AT]!.finishedAt,
            text: `group ${G.ok}: rebalance, Empty → Stable, 1 member; joined warren-test-${G.ok} (${member.host}); offsets: ${T.orders} p0=100, p1=100`,
            tags: ['Stable'],
          },
        ]);
      });

      it('variables: cluster, group and topic', async () => {
        expect(await runVariable(CONSUMER, 'cluster', groupVars(G.ok))).toEqual([CLUSTER]);
        expect(await runVariable(CONSUMER, 'group', groupVars(G.ok))).toEqual(GROUPS);
        expect(await runVariable(CONSUMER, 'topic', groupVars(G.stop))).toEqual([T.backlog]);
        expect(await runVariable(CONSUMER, 'topic', groupVars(G.warn))).toEqual([T.events]);
        expect(await runVariable(CONSUMER, 'topic', groupVars(G.stall))).toEqual([T.orders]);
      });
    });

    describe('pipeline health', () => {
      const heartbeats = (cluster: string) => clusterReports(bad, cluster);

      it('clusters failing now and the slowest cycle of the last 2 minutes', async () => {
        const window = range('2m');
        const [failing] = await runPanel(PIPELINE, panelByTitle(PIPELINE, 'Clusters failing'), pipelineVars());
        const failed = heartbeats(DOWN).filter((r) => r.finishedAt >= window.fromMs && r.finishedAt <= window.toMs).length;
        expect(failed).toBeGreaterThanOrEqual(3);
        expect(rowsAsObjects(onlyTable(failing!.frames))).toEqual([{ cluster: DOWN, Count: failed }]);

        const [slowest] = await runPanel(PIPELINE, panelByTitle(PIPELINE, 'Slowest cycle'), pipelineVars());
        const interval = histogramInterval(slowest!.body);
        const expected = bucketed([...heartbeatPoints(CLUSTER, (r) => r.durationMs), ...heartbeatPoints(DOWN, (r) => r.durationMs)], interval, window);
        expect(lastNotNull(seriesOf(slowest!.frames)[0]!)).toBe([...expected.values()].at(-1));
        expect([...expected.values()].at(-1)).toBeGreaterThan(0);
      });

      it('cycle duration, failing scrapes and scrape errors per cluster, interval by interval', async () => {
        const run = async (title: string, index = 0) => {
          const panel = (PIPELINE.panels as Json[]).filter((p) => p.title === title && p.type === 'timeseries')[index]!;
          const [r] = await runPanel(PIPELINE, panel, pipelineVars());
          return { named: byName(r!.frames), interval: histogramInterval(r!.body) };
        };
        const cycle = await run('Cycle duration');
        expect([...cycle.named.keys()]).toEqual([CLUSTER, DOWN]);
        for (const c of [CLUSTER, DOWN]) expect(points(cycle.named.get(c)!), c).toEqual(bucketed(heartbeatPoints(c, (r) => r.durationMs), cycle.interval, range('6h')));

        const failing = await run('Clusters failing');
        expect([...failing.named.keys()]).toEqual([DOWN]);
        expect(points(failing.named.get(DOWN)!, true)).toEqual(bucketed(heartbeatPoints(DOWN, () => 1), failing.interval, range('6h'), 'count'));

        const errors = await run('Scrape errors per cycle');
        for (const c of [CLUSTER, DOWN]) expect(points(errors.named.get(c)!), c).toEqual(bucketed(heartbeatPoints(c, (r) => r.errors.length), errors.interval, range('6h')));
        expect(new Set(points(errors.named.get(DOWN)!).values())).toEqual(new Set([1]));
        expect(new Set(points(errors.named.get(CLUSTER)!).values())).toEqual(new Set([0]));
      });

      it('the sink\'s counters: documents indexed, bulk failures, dropped documents, spool', async () => {
        const latest = async (title: string) => {
          const [r] = await runPanel(PIPELINE, panelByTitle(PIPELINE, title), pipelineVars());
          return byName(r!.frames);
        };
        const stats = bad.sink.stats();
        const indexed = (await latest('Documents indexed')).get('indexed')!;
        const values = indexed.values.filter((v): v is number => v !== null);
        expect(values.length).toBeGreaterThan(0);
        expect(values.every((v, i) => i === 0 || v >= values[i - 1]!)).toBe(true);
        expect(values.at(-1)!).toBeGreaterThan(0);
        expect(values.at(-1)!).toBeLessThanOrEqual(stats.docsIndexed);
        const sink = await latest('Bulk failures and dropped documents');
        expect(lastNotNull(sink.get('bulk_failures_total')!)).toBeLessThanOrEqual(stats.bulkFailures);
        expect(lastNotNull(sink.get('docs_dropped_total')!)).toBe(0);
        const spool = lastNotNull((await latest('Spool depth')).get('spool')!);
        expect(spool).toBeGreaterThanOrEqual(0);
        const [dropped] = await runPanel(PIPELINE, panelByTitle(PIPELINE, 'Documents dropped'), pipelineVars());
        expect(lastNotNull(seriesOf(dropped!.frames)[0]!)).toBe(0);
        const [spoolNow] = await runPanel(PIPELINE, panelByTitle(PIPELINE, 'Spool'), pipelineVars());
        expect(lastNotNull(seriesOf(spoolNow!.frames)[0]!)).toBeGreaterThanOrEqual(0);
      });

      it('the cluster variable reads the heartbeats: the failing cluster is there too', async () => {
        expect(await runVariable(PIPELINE, 'cluster', pipelineVars())).toEqual([CLUSTER, DOWN]);
      });
    });
  });

  describe('alert rules on the bad scenario', () => {
    it('there is one evaluation per minute of collection, each seeing a complete minute', () => {
      expect(runningSteps().length).toBe(CYCLES / 2);
    });

    it('group in ERR: the STOP, STALL and REWIND groups fire on the second ERR evaluation; the others stay Normal', async () => {
      const sim = await simulateRule('warren-group-err', runningSteps());
      const errKey = (g: string) => key({ cluster: CLUSTER, group: g, reason: worstRule(g) });
      expect(finalStates(sim)).toEqual({ [errKey(G.stop)]: 'Alerting', [errKey(G.stall)]: 'Alerting', [errKey(G.rewind)]: 'Alerting' });
      expect([G.stop, G.stall, G.rewind].map(errKey)).toEqual([
        key({ cluster: CLUSTER, group: G.stop, reason: 'stopped' }),
        key({ cluster: CLUSTER, group: G.stall, reason: 'no-progress' }),
        key({ cluster: CLUSTER, group: G.rewind, reason: 'rewind' }),
      ]);
      for (const g of [G.stop, G.stall, G.rewind]) {
        const first = sim.history.findIndex((h) => errKey(g) in h.states);
        expect(sim.history[first]!.states[errKey(g)], g).toBe('Pending');
        expect(sim.history[first + 1]!.states[errKey(g)], g).toBe('Alerting');
        // Pending from the first evaluation whose newest complete minute has an ERR report.
        const firstErr = groupReports(g).find((r) => r.result.status === 'ERR')!.observedAt;
        expect(sim.history[first]!.at - 5_000 - 60_000, g).toBe(floorTo(firstErr, 60_000));
        const alert = sim.firing.find((a) => a.labels.group === g)!;
        const report = finalReport(g);
        expect(alert.labels).toMatchObject({ alertname: 'Consumer group in ERR', cluster: CLUSTER, group: g, severity: 'critical', grafana_folder: 'Warren' });
        expect(alert.annotations).toMatchObject({
          summary: `Consumer group ${g} on ${CLUSTER} is ERR`,
          status: 'ERR',
          reason: worstRule(g),
          total_lag: String(report.result.totallag),
          max_lag: String(report.result.maxlag!.currentLag),
        });
      }
      const last = sim.history.at(-1)!.evaluation.instances;
      for (const g of [G.ok, G.live, G.warn]) {
        const mine = last.filter((i) => i.labels.group === g);
        expect(mine.length, g).toBeGreaterThan(0);
        expect(mine.every((i) => i.state === 'Normal'), g).toBe(true);
      }
    });

    it('WARN for 10 minutes: the WARN group is Pending for 10 evaluations, then fires', async () => {
      const sim = await simulateRule('warren-group-warn', runningSteps());
      const warn = key({ cluster: CLUSTER, group: G.warn, reason: 'lag-not-decreasing' });
      expect(finalStates(sim)).toEqual({ [warn]: 'Alerting' });
      const first = sim.history.findIndex((h) => warn in h.states);
      expect(first).toBe(0);
      for (let i = first; i < first + 10; i++) expect(sim.history[i]!.states[warn], `evaluation ${i}`).toBe('Pending');
      expect(sim.history[first + 10]!.states[warn]).toBe('Alerting');
      expect(sim.history.every((h) => Object.keys(h.states).every((k) => k === warn))).toBe(true);
      expect(sim.firing[0]!.annotations).toMatchObject({
        status: 'WARN',
        reason: 'lag-not-decreasing',
        total_lag: String(finalReport(G.warn).result.totallag),
        max_lag: String(finalReport(G.warn).result.maxlag!.currentLag),
      });
    });

    it('partition STOP or STALL fires for the stopped and the stalled group, per topic, with status and rule', async () => {
      const sim = await simulateRule('warren-partition-stop-stall', runningSteps());
      const stop = key({ cluster: CLUSTER, group: G.stop, topic: T.backlog, status: 'STOP', reason: 'stopped' });
      const stall = key({ cluster: CLUSTER, group: G.stall, topic: T.orders, status: 'STALL', reason: 'no-progress' });
      expect(finalStates(sim)).toEqual({ [stop]: 'Alerting', [stall]: 'Alerting' });
      // for: 0s: Alerting at the first evaluation that sees the partition stopped.
      expect(sim.history.every((h) => Object.values(h.states).every((s) => s === 'Alerting'))).toBe(true);
      const alert = sim.firing.find((a) => a.labels.group === G.stop)!;
      expect(alert.annotations).toMatchObject({
        summary: `2 partition(s) of ${T.backlog} in STOP for group ${G.stop} on ${CLUSTER}`,
        status: 'STOP',
        reason: 'stopped',
        total_lag: '11000',
        max_lag: '5500',
      });
      expect(sim.firing.find((a) => a.labels.group === G.stall)!.annotations.summary).toBe(`2 partition(s) of ${T.orders} in STALL for group ${G.stall} on ${CLUSTER}`);
    });

    it('lag above the default threshold (10000) for 5 minutes: the group 11000 behind fires, no other', async () => {
      const sim = await simulateRule('warren-lag-default', runningSteps());
      const stop = key({ cluster: CLUSTER, group: G.stop });
      expect(finalStates(sim)).toEqual({ [stop]: 'Alerting' });
      expect(sim.history[4]!.states[stop]).toBe('Pending');
      expect(sim.history[5]!.states[stop]).toBe('Alerting');
      const alert = sim.firing[0]!;
      expect(alert.labels.lag_threshold).toBe('10000');
      expect(alert.annotations).toMatchObject({ status: 'ERR', reason: 'lag-above-threshold', total_lag: '11000', max_lag: '5500' });
      expect(alert.annotations.description).toContain('Total lag 11k');
      expect(sim.history.at(-1)!.evaluation.instances.filter((i) => i.state === 'Normal').map((i) => i.labels.group).sort()).toEqual(GROUPS.filter((g) => g !== G.stop));
    });

    it('per-group thresholds from the lookup: a lower one makes the WARN group fire, a higher one keeps the STOP group quiet', async () => {
      const groups = ruleGroups(
        {
          default: 10000,
          groups: [
            { cluster: CLUSTER, group: G.warn, threshold: 300 },
            { cluster: CLUSTER, group: G.stop, threshold: 50000 },
          ],
        },
        PANEL_IDS,
      );
      const lag = groups.find((g) => g.name === 'warren-consumer-lag')!;
      const results = new Map<string, Simulation>();
      for (const rule of lag.rules) results.set(rule.labels.lag_threshold!, await simulate(rule, lag, runningSteps()));
      expect([...results.keys()].sort()).toEqual(['10000', '300', '50000']);
      // The default rule leaves both listed groups out: nothing else is above 10000.
      expect(results.get('10000')!.history.every((h) => Object.keys(h.states).length === 0)).toBe(true);
      expect(results.get('10000')!.history.at(-1)!.evaluation.instances.map((i) => i.labels.group).sort()).toEqual(GROUPS.filter((g) => g !== G.warn && g !== G.stop));
      const warn = results.get('300')!;
      expect(finalStates(warn)).toEqual({ [key({ cluster: CLUSTER, group: G.warn })]: 'Alerting' });
      // Pending from the first minute whose newest report is above 300, firing 5 minutes later.
      const above = floorTo(groupReports(G.warn).find((r) => r.result.totallag > 300)!.observedAt, 60_000);
      const first = warn.history.findIndex((h) => Object.keys(h.states).length > 0);
      expect(warn.history[first]!.at - 65_000).toBeGreaterThanOrEqual(above);
      expect(warn.history[first]!.at - 65_000).toBeLessThanOrEqual(above + 60_000);
      expect(Object.values(warn.history[first + 5]!.states)).toEqual(['Alerting']);
      expect(warn.firing[0]!.annotations).toMatchObject({ status: 'WARN', total_lag: String(finalReport(G.warn).result.totallag) });
      const stop = results.get('50000')!;
      expect(stop.history.every((h) => Object.keys(h.states).length === 0)).toBe(true);
      expect(stop.history.at(-1)!.evaluation.instances.map((i) => [i.labels.group, i.state])).toEqual([[G.stop, 'Normal']]);
    });

    it('time lag above the default threshold (5m) for 2 minutes: the groups the collector saw over 5 minutes behind fire on the third such evaluation; OK and LIVE stay Normal', async () => {
      const { rule } = ruleOf('warren-time-lag-default');
      expect(rule.labels.time_lag_threshold).toBe('5m');
      expect(rule.data.find((q) => q.refId === 'C')!.model.conditions).toEqual([{ evaluator: { type: 'gt', params: [TIME_LAG_THRESHOLD_MS] } }]);
      const steps = runningSteps();
      const sim = await simulateRule('warren-time-lag-default', steps);
      // What an evaluation at `at` reads (B): the group's largest max time lag in the newest complete minute.
      const newestMinute = (g: string, at: number): number | null => {
        const vs = maxTimeLagPoints(g).filter((p) => floorTo(p.t, 60_000) === at - 5_000 - 60_000).map((p) => p.v);
        return vs.length === 0 ? null : Math.max(...vs);
      };
      const above = (g: string) => steps.map((s) => (newestMinute(g, s.at) ?? 0) > TIME_LAG_THRESHOLD_MS);
      const firing = GROUPS.filter((g) => above(g).at(-1));
      expect(firing).toEqual([G.rewind, G.stall, G.stop, G.warn]);
      // Minute i holds cycles 2i and 2i + 1. STOP and STALL pass 5 minutes at cycle 11 (330 s, minute 5), REWIND at
      // its rewind (cycle 15, 7.5 minutes at once, minute 7), WARN at cycle 11 or 12 (300 s at cycle 11, give or take
      // the time the cycles took: the threshold is "above").
      expect([G.stop, G.stall, G.rewind].map((g) => above(g).indexOf(true))).toEqual([5, 5, 7]);
      expect([5, 6]).toContain(above(G.warn).indexOf(true));
      for (const g of GROUPS) {
        const k = key({ cluster: CLUSTER, group: g });
        sim.history.forEach((h, i) => {
          const b = h.evaluation.numbers.B!.filter((n) => n.labels.group === g);
          expect(b.map((n) => n.value), `${g}, evaluation ${i}`).toEqual([newestMinute(g, h.at)]);
        });
        const first = above(g).indexOf(true);
        if (first === -1) {
          expect(sim.history.every((h) => !(k in h.states)), g).toBe(true);
          expect(sim.history.every((h) => h.evaluation.instances.filter((x) => x.labels.group === g).every((x) => x.state === 'Normal')), g).toBe(true);
          continue;
        }
        // Time lags only grow here: once above, above to the end. for: 2m — Pending twice, then firing.
        expect(above(g).slice(first).every(Boolean), g).toBe(true);
        expect(sim.history.map((h) => h.states[k] ?? 'Normal'), g).toEqual(
          steps.map((_, i) => (i < first ? 'Normal' : i < first + 2 ? 'Pending' : 'Alerting')),
        );
        const alert = sim.firing.find((x) => x.labels.group === g)!;
        const report = finalReport(g);
        // The newest complete minute's larger time lag is the newest cycle's.
        expect(alert.values.B!.Value, g).toBe(report.result.maxTimeLagMs);
        const s = Math.trunc(report.result.maxTimeLagMs! / 1000);
        expect(alert.labels).toMatchObject({ alertname: 'Consumer group time lag above threshold', cluster: CLUSTER, group: g, time_lag_threshold: '5m', severity: 'warning', grafana_folder: 'Warren' });
        expect(alert.annotations, g).toMatchObject({
          summary: `Consumer group ${g} on ${CLUSTER} is ${Math.trunc(s / 60)}m ${s % 60}s behind (threshold 5m)`,
          status: report.result.status,
          reason: 'time-lag-above-threshold',
          total_lag: String(report.result.totallag),
          max_lag: String(report.result.maxlag!.currentLag),
        });
      }
      expect(sim.firing.map((x) => x.labels.group).sort()).toEqual(firing);
      expect(sim.resolved).toEqual([]);
    });

    it('cluster failing to scrape: the unreachable cluster fires after two evaluations; the reachable one is never in it', async () => {
      const sim = await simulateRule('warren-cluster-scrape-failing', runningSteps());
      const down = key({ cluster: DOWN });
      expect(finalStates(sim)).toEqual({ [down]: 'Alerting' });
      expect(sim.history[0]!.states).toEqual({ [down]: 'Pending' });
      expect(sim.history[1]!.states).toEqual({ [down]: 'Alerting' });
      expect(sim.firing[0]!.annotations).toMatchObject({ summary: `Warren cannot read Kafka cluster ${DOWN}`, reason: 'scrape-failed', description: expect.stringMatching(/^2 failed cycle\(s\)/) });
    });

    it('heartbeat missing: quiet while the collector runs, per cluster once it stops, and on no data at all', async () => {
      const running = await simulateRule('warren-heartbeat-missing', runningSteps());
      expect(running.history.every((h) => Object.keys(h.states).length === 0)).toBe(true);
      expect(running.history.at(-1)!.evaluation.instances.map((i) => [i.labels.cluster, i.state, i.value])).toEqual([
        [CLUSTER, 'Normal', 0],
        [DOWN, 'Normal', 0],
      ]);

      // Two and three minutes after the last complete minute with heartbeats.
      const stopped = await simulateRule('warren-heartbeat-missing', minuteSteps(bad.replay, lastMinute + 180_000, lastMinute + 240_000));
      expect(stopped.history[0]!.states).toEqual({ [key({ cluster: CLUSTER })]: 'Pending', [key({ cluster: DOWN })]: 'Pending' });
      expect(finalStates(stopped)).toEqual({ [key({ cluster: CLUSTER })]: 'Alerting', [key({ cluster: DOWN })]: 'Alerting' });
      expect(stopped.firing.find((a) => a.labels.cluster === CLUSTER)!.annotations.summary).toBe(`No heartbeat from the Warren collector for cluster ${CLUSTER} for 2 minutes`);

      // Over half an hour later no heartbeat is left in the rule's range: no data, which the rule treats as Alerting.
      const gone = await simulateRule('warren-heartbeat-missing', minuteSteps(bad.replay, lastMinute + 32 * 60_000, lastMinute + 33 * 60_000));
      expect(gone.history[0]!.evaluation.noData).toEqual({ datasource_uid: 'warren-heartbeat', ref_id: 'A' });
      expect(gone.firing.length).toBe(1);
      expect(gone.firing[0]!.labels).toMatchObject({ alertname: 'Warren collector heartbeat missing', datasource_uid: 'warren-heartbeat', ref_id: 'A' });
      expect(gone.firing[0]!.annotations.summary).toBe('No heartbeat from the Warren collector for 2 minutes');
    });
  });

  describe('alert rules on the healthy scenario (a collector that sees only healthy groups)', () => {
    for (const uid of [...RULES.keys()]) {
      it(`${uid} stays quiet: nothing pending, nothing firing, in any evaluation`, async () => {
        const steps = runningSteps(healthy);
        expect(steps.length).toBe(CYCLES / 2);
        const sim = await simulateRule(uid, steps);
        expect(sim.history.map((h) => Object.keys(h.states).length)).toEqual(new Array(steps.length).fill(0));
        expect(sim.firing).toEqual([]);
        expect(sim.resolved).toEqual([]);
      });
    }

    it('the rules see the healthy groups and the heartbeats as Normal, not as no data', async () => {
      const [step] = runningSteps(healthy).slice(-1);
      for (const uid of ['warren-group-err', 'warren-group-warn', 'warren-lag-default']) {
        const sim = await simulateRule(uid, [step!]);
        const ev = sim.history[0]!.evaluation;
        expect(ev.noData, uid).toBeNull();
        expect([...new Set(ev.instances.map((i) => i.labels.group))].sort(), uid).toEqual([G.live, G.ok].sort());
        expect(ev.instances.every((i) => i.state === 'Normal'), uid).toBe(true);
      }
      const heartbeat = await simulateRule('warren-heartbeat-missing', [step!]);
      expect(heartbeat.history[0]!.evaluation.instances.map((i) => [i.labels.cluster, i.state])).toEqual([[CLUSTER, 'Normal']]);
    });
  });
});
