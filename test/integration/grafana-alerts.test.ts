// Every provisioned alert rule, evaluated against a real Elasticsearch 8 and 9 the way Grafana evaluates it:
// its queries as `_msearch`, then reduce / threshold / math, then Grafana's state machine over one evaluation
// per minute for 15 minutes. Each rule fires in the bad scenario and stays quiet in the healthy one; the
// heartbeat rule fires when heartbeats stop and when there is no heartbeat at all (no data).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleGroups } from '../../grafana/src/alerting.ts';
import type { Rule, RuleGroup } from '../../grafana/src/alerting.ts';
import { labelKey, simulate } from '../../grafana/src/replay/alerts.ts';
import type { Simulation, Step } from '../../grafana/src/replay/alerts.ts';
import { badScenario, collectorGoneScenario, healthyScenario, seed } from '../helpers/grafana-scenario.ts';
import type { Scenario, Seeded } from '../helpers/grafana-scenario.ts';
import { ES_VERSIONS, esUrl } from '../helpers/services.ts';

const RULES_FILE = join(import.meta.dirname, '../../grafana/provisioning/alerting/warren-rules.yaml');
const PROVISIONED = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: RuleGroup[] }).groups;
const RULES = new Map(PROVISIONED.flatMap((g) => g.rules.map((r) => [r.uid, { rule: r, group: g }] as const)));
const EVALUATIONS = 15;

function ruleOf(uid: string): { rule: Rule; group: RuleGroup } {
  const r = RULES.get(uid);
  if (!r) throw new Error(`no provisioned rule ${uid}`);
  return r;
}

/** One evaluation a minute, the newest 5 s after the newest cycle; oldest first. */
function steps(s: Seeded, count = EVALUATIONS): Step[] {
  return Array.from({ length: count }, (_, i) => ({ at: s.t0 + 5_000 - (count - 1 - i) * 60_000, indexOf: s.indexOf, search: s.search }));
}

function key(labels: Record<string, string>): string {
  return labelKey(labels);
}

function finalStates(sim: Simulation): Record<string, 'Pending' | 'Alerting'> {
  return sim.history.at(-1)!.states;
}

describe.each(ES_VERSIONS)('grafana alert rules on %s', (es) => {
  const seeded: Seeded[] = [];
  let bad: Seeded;
  let healthy: Seeded;
  const run = async (uid: string, s: Seeded, count = EVALUATIONS): Promise<Simulation> => {
    const { rule, group } = ruleOf(uid);
    return simulate(rule, group, steps(s, count));
  };
  const seedOne = async (scenario: Scenario, name: string, t0?: number): Promise<Seeded> => {
    const s = await seed(esUrl(es), scenario, name, t0);
    seeded.push(s);
    return s;
  };

  beforeAll(async () => {
    bad = await seedOne(badScenario(), 'alerts-bad');
    healthy = await seedOne(healthyScenario(), 'alerts-ok', bad.t0);
  });
  afterAll(async () => {
    for (const s of seeded) await s.cleanup();
  });

  describe('bad scenario', () => {
    it('group in ERR: fires on the second consecutive evaluation; a group ERR for one evaluation stays pending', async () => {
      const sim = await run('warren-group-err', bad);
      const orders = key({ cluster: 'prod', group: 'orders-app', reason: 'stalled' });
      expect(sim.history[0]!.states[orders]).toBe('Pending');
      expect(sim.history[1]!.states[orders]).toBe('Alerting');
      expect(finalStates(sim)).toEqual({
        [orders]: 'Alerting',
        [key({ cluster: 'prod', group: 'payments', reason: 'stopped' })]: 'Alerting',
        [key({ cluster: 'prod', group: 'inventory', reason: 'stalled' })]: 'Pending',
      });
      const alert = sim.firing.find((a) => a.labels.group === 'orders-app')!;
      expect(alert.labels).toMatchObject({ alertname: 'Consumer group in ERR', cluster: 'prod', group: 'orders-app', reason: 'stalled', severity: 'critical', grafana_folder: 'Warren' });
      expect(alert.annotations).toMatchObject({
        summary: 'Consumer group orders-app on prod is ERR',
        status: 'ERR',
        reason: 'stalled',
        total_lag: '1205',
        max_lag: '1200',
      });
      expect(alert.values.B!.Value).toBe(3);
    });

    it('WARN sustained for 10 minutes fires; WARN for 5 minutes stays pending', async () => {
      const sim = await run('warren-group-warn', bad);
      const billing = key({ cluster: 'prod', group: 'billing', reason: 'lag-not-decreasing' });
      const shipping = key({ cluster: 'prod', group: 'shipping', reason: 'lag-not-decreasing' });
      // First true at the first evaluation; fires once 10 minutes have passed since (the 11th).
      expect(sim.history[9]!.states[billing]).toBe('Pending');
      expect(sim.history[10]!.states[billing]).toBe('Alerting');
      expect(finalStates(sim)).toEqual({ [billing]: 'Alerting', [shipping]: 'Pending' });
      expect(sim.firing[0]!.annotations).toMatchObject({ status: 'WARN', reason: 'lag-not-decreasing', total_lag: '700', max_lag: '700' });
    });

    it('partition STOP or STALL fires at once, per topic, with the status and the reason', async () => {
      const sim = await run('warren-partition-stop-stall', bad, 2);
      expect(Object.keys(finalStates(sim)).sort()).toEqual(
        [
          key({ cluster: 'prod', group: 'orders-app', topic: 'orders', status: 'STALL', reason: 'stalled' }),
          key({ cluster: 'prod', group: 'payments', topic: 'payments', status: 'STOP', reason: 'stopped' }),
          key({ cluster: 'prod', group: 'inventory', topic: 'stock', status: 'STALL', reason: 'stalled' }),
        ].sort(),
      );
      expect(Object.values(finalStates(sim)).every((s) => s === 'Alerting')).toBe(true);
      const payments = sim.firing.find((a) => a.labels.group === 'payments')!;
      expect(payments.annotations).toMatchObject({
        summary: '1 partition(s) of payments in STOP for group payments on prod',
        status: 'STOP',
        reason: 'stopped',
        total_lag: '300',
        max_lag: '300',
      });
    });

    it('lag above the default threshold (10000) for 5 minutes', async () => {
      const sim = await run('warren-lag-default', bad);
      expect(finalStates(sim)).toEqual({
        [key({ cluster: 'prod', group: 'audit' })]: 'Alerting',
        [key({ cluster: 'prod', group: 'reports' })]: 'Alerting',
      });
      const audit = sim.firing.find((a) => a.labels.group === 'audit')!;
      expect(audit.labels.lag_threshold).toBe('10000');
      expect(audit.annotations).toMatchObject({ status: 'OK', reason: 'lag-above-threshold', total_lag: '20000', max_lag: '20000' });
      expect(audit.annotations.description).toContain('Total lag 20k');
    });

    it('per-group thresholds from the lookup: a lower one fires, a higher one keeps a group quiet', async () => {
      const groups = ruleGroups(
        {
          default: 10000,
          groups: [
            { cluster: 'prod', group: 'billing', threshold: 500 },
            { cluster: 'prod', group: 'audit', threshold: 50000 },
          ],
        },
        { groupStatus: 1, partitionStatus: 1, partitionLag: 1, cycleDuration: 1, clustersFailing: 1 },
      );
      const lag = groups.find((g) => g.name === 'warren-consumer-lag')!;
      const results = new Map<string, Simulation>();
      for (const rule of lag.rules) results.set(rule.labels.lag_threshold!, await simulate(rule, lag, steps(bad)));
      expect(Object.keys(finalStates(results.get('10000')!))).toEqual([key({ cluster: 'prod', group: 'reports' })]);
      expect(finalStates(results.get('500')!)).toEqual({ [key({ cluster: 'prod', group: 'billing' })]: 'Alerting' });
      expect(finalStates(results.get('50000')!)).toEqual({});
      expect(results.get('50000')!.history.at(-1)!.evaluation.instances.map((i) => [i.labels.group, i.state])).toEqual([['audit', 'Normal']]);
    });

    it('time lag above the default threshold (5m): the two stuck groups fire on the third evaluation, with how far behind they are', async () => {
      const sim = await run('warren-time-lag-default', bad);
      const orders = key({ cluster: 'prod', group: 'orders-app' });
      const payments = key({ cluster: 'prod', group: 'payments' });
      // for: 2m — Pending at the first two evaluations, firing at the third.
      expect(sim.history[0]!.states).toEqual({ [orders]: 'Pending', [payments]: 'Pending' });
      expect(sim.history[1]!.states).toEqual({ [orders]: 'Pending', [payments]: 'Pending' });
      expect(sim.history[2]!.states).toEqual({ [orders]: 'Alerting', [payments]: 'Alerting' });
      expect(finalStates(sim)).toEqual({ [orders]: 'Alerting', [payments]: 'Alerting' });
      // Every other group is evaluated and Normal: audit is 20000 messages behind but only 200 s.
      const last = sim.history.at(-1)!.evaluation.instances;
      expect(last.filter((i) => i.state === 'Normal').map((i) => `${i.labels.cluster}/${i.labels.group}`).sort()).toEqual(
        ['prod/audit', 'prod/billing', 'prod/inventory', 'prod/reports', 'prod/shipping', 'staging/orders-app'].sort(),
      );
      const alert = sim.firing.find((a) => a.labels.group === 'orders-app')!;
      expect(alert.labels).toMatchObject({ alertname: 'Consumer group time lag above threshold', cluster: 'prod', group: 'orders-app', time_lag_threshold: '5m', severity: 'warning', grafana_folder: 'Warren' });
      // The newest complete minute holds cycles 1 and 2: orders/2 was 24 minutes behind in cycle 1.
      expect(alert.values.B!.Value).toBe(1_440_000);
      expect(alert.annotations).toMatchObject({
        summary: 'Consumer group orders-app on prod is 24m 0s behind (threshold 5m)',
        status: 'ERR',
        reason: 'time-lag-above-threshold',
        total_lag: '1205',
        max_lag: '1200',
      });
      expect(alert.annotations.description).toContain('was produced 24m 0s ago; the threshold for this group is 5m');
      expect(sim.firing.find((a) => a.labels.group === 'payments')!.annotations.summary).toBe('Consumer group payments on prod is 29m 0s behind (threshold 5m)');
    });

    it('per-group time-lag thresholds from the lookup: a lower one fires, a higher one keeps a group quiet', async () => {
      const groups = ruleGroups(
        {
          default: 10000,
          groups: [],
          timeLag: {
            default: 300_000,
            groups: [
              { cluster: 'prod', group: 'audit', threshold: 120_000 },
              { cluster: 'prod', group: 'orders-app', threshold: 3_600_000 },
            ],
          },
        },
        { groupStatus: 1, partitionStatus: 1, partitionLag: 1, cycleDuration: 1, clustersFailing: 1, timeLag: 1 },
      );
      const time = groups.find((g) => g.name === 'warren-consumer-time-lag')!;
      const results = new Map<string, Simulation>();
      for (const rule of time.rules) results.set(rule.labels.time_lag_threshold!, await simulate(rule, time, steps(bad)));
      expect([...results.keys()]).toEqual(['5m', '2m', '1h']);
      // The default rule leaves both listed groups out: only payments is left above 5 minutes.
      expect(finalStates(results.get('5m')!)).toEqual({ [key({ cluster: 'prod', group: 'payments' })]: 'Alerting' });
      expect(results.get('5m')!.history.at(-1)!.evaluation.instances.map((i) => `${i.labels.cluster}/${i.labels.group}`).sort()).toEqual(
        ['prod/billing', 'prod/inventory', 'prod/payments', 'prod/reports', 'prod/shipping', 'staging/orders-app'].sort(),
      );
      expect(finalStates(results.get('2m')!)).toEqual({ [key({ cluster: 'prod', group: 'audit' })]: 'Alerting' });
      expect(results.get('2m')!.firing[0]!.annotations.summary).toBe('Consumer group audit on prod is 3m 20s behind (threshold 2m)');
      expect(finalStates(results.get('1h')!)).toEqual({});
      expect(results.get('1h')!.history.at(-1)!.evaluation.instances.map((i) => [i.labels.group, i.state])).toEqual([['orders-app', 'Normal']]);
    });

    it('cluster failing to scrape (heartbeat ok: false) for two evaluations', async () => {
      const sim = await run('warren-cluster-scrape-failing', bad);
      expect(finalStates(sim)).toEqual({ [key({ cluster: 'staging' })]: 'Alerting' });
      expect(sim.firing[0]!.annotations.summary).toBe('Warren cannot read Kafka cluster staging');
      expect(sim.firing[0]!.annotations.reason).toBe('scrape-failed');
    });

    it('heartbeats arrive: the heartbeat rule stays quiet', async () => {
      const sim = await run('warren-heartbeat-missing', bad);
      expect(finalStates(sim)).toEqual({});
      expect(sim.history.at(-1)!.evaluation.instances.map((i) => [i.labels.cluster, i.state, i.value])).toEqual([
        ['prod', 'Normal', 0],
        ['staging', 'Normal', 0],
      ]);
    });
  });

  describe('healthy scenario', () => {
    for (const uid of [...RULES.keys()]) {
      it(`${uid} stays quiet: nothing pending, nothing firing`, async () => {
        const sim = await run(uid, healthy);
        expect(sim.history.map((h) => Object.keys(h.states).length)).toEqual(new Array(EVALUATIONS).fill(0));
        expect(sim.firing).toEqual([]);
      });
    }

    it('the status rules see every group as Normal, not as no data', async () => {
      const sim = await run('warren-group-err', healthy, 1);
      const instances = sim.history[0]!.evaluation.instances;
      expect(instances.length).toBe(8);
      expect(instances.every((i) => i.state === 'Normal')).toBe(true);
    });
  });

  describe('heartbeat missing', () => {
    it('fires per cluster when the collector stopped 10 minutes ago', async () => {
      const gone = await seedOne(collectorGoneScenario(), 'alerts-gone');
      const sim = await run('warren-heartbeat-missing', gone, 3);
      expect(sim.history[0]!.states).toEqual({ [key({ cluster: 'prod' })]: 'Pending', [key({ cluster: 'staging' })]: 'Pending' });
      expect(finalStates(sim)).toEqual({ [key({ cluster: 'prod' })]: 'Alerting', [key({ cluster: 'staging' })]: 'Alerting' });
      expect(sim.firing.find((a) => a.labels.cluster === 'prod')!.annotations.summary).toBe('No heartbeat from the Warren collector for cluster prod for 2 minutes');
    });

    it('fires on no data: no heartbeat document at all (noDataState Alerting)', async () => {
      const none = await seedOne({ ...healthyScenario(), heartbeats: [] }, 'alerts-none');
      const sim = await run('warren-heartbeat-missing', none, 2);
      expect(sim.history[0]!.evaluation.noData).toEqual({ datasource_uid: 'warren-heartbeat', ref_id: 'A' });
      expect(sim.firing.length).toBe(1);
      expect(sim.firing[0]!.labels).toMatchObject({ alertname: 'Warren collector heartbeat missing', datasource_uid: 'warren-heartbeat', ref_id: 'A' });
      expect(sim.firing[0]!.annotations.summary).toBe('No heartbeat from the Warren collector for 2 minutes');
    });
  });
});
