// The checked-in Grafana files are exactly what the generator writes: edit grafana/src/, run
// `node grafana/src/build.ts`, commit both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, GRAFANA_DIR } from '../../grafana/src/build.ts';
import { ruleGroups, timeLagRuleUid } from '../../grafana/src/alerting.ts';

describe('grafana generated files', () => {
  const files = generate();

  it('covers the dashboards and every provisioning directory', () => {
    const paths = [...files.keys()];
    expect(paths.filter((p) => p.startsWith('dashboards/')).length).toBe(3);
    for (const dir of ['datasources', 'dashboards', 'alerting']) expect(paths.some((p) => p.startsWith(`provisioning/${dir}/`))).toBe(true);
  });

  for (const [path, content] of files) {
    it(`grafana/${path} is up to date (run node grafana/src/build.ts)`, () => {
      expect(readFileSync(join(GRAFANA_DIR, path), 'utf8')).toBe(content);
    });
  }

  it('a per-group threshold becomes its own rule and the default rule leaves that group out', () => {
    const panels = { groupStatus: 1, partitionStatus: 2, partitionLag: 3, cycleDuration: 4, clustersFailing: 5 };
    const lag = ruleGroups({ default: 10000, groups: [{ cluster: 'prod', group: 'night "batch"', threshold: 500000 }] }, panels).find((g) => g.name === 'warren-consumer-lag')!;
    expect(lag.rules.map((r) => r.labels.lag_threshold)).toEqual(['10000', '500000']);
    const [byDefault, override] = lag.rules;
    expect(byDefault!.data[0]!.model.query).toBe('*:* AND NOT ((cluster:"prod" AND group:"night \\"batch\\""))');
    expect(override!.data[0]!.model.query).toBe('cluster:"prod" AND group:"night \\"batch\\""');
    expect(override!.uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });

  it('a per-group time-lag threshold becomes its own rule; the default rule leaves that group out', () => {
    const panels = { groupStatus: 1, partitionStatus: 2, partitionLag: 3, cycleDuration: 4, clustersFailing: 5, timeLag: 6 };
    const groups = ruleGroups({ default: 10000, groups: [], timeLag: { default: 300_000, groups: [{ cluster: 'prod', group: 'nightly-export-with-a-long-name', threshold: 7_200_000 }] } }, panels);
    const time = groups.find((g) => g.name === 'warren-consumer-time-lag')!;
    expect(time.rules.map((r) => [r.uid, r.title, r.labels.time_lag_threshold, r.panelId])).toEqual([
      ['warren-time-lag-default', 'Consumer group time lag above threshold', '5m', 6],
      [timeLagRuleUid('prod', 'nightly-export-with-a-long-name'), 'Consumer group time lag above threshold (prod/nightly-export-with-a-long-name)', '2h', 6],
    ]);
    expect(time.rules[1]!.uid).toMatch(/^warren-time-lag-[a-z0-9-]+$/);
    expect(time.rules[1]!.uid.length).toBeLessThanOrEqual(40);
    expect(time.rules[0]!.data[0]!.model.query).toBe('*:* AND NOT ((cluster:"prod" AND group:"nightly-export-with-a-long-name"))');
    expect(time.rules[1]!.data[0]!.model.query).toBe('cluster:"prod" AND group:"nightly-export-with-a-long-name"');
    // The condition: the newest complete minute's max_time_lag_ms above the threshold, in ms.
    expect(time.rules[1]!.data.find((d) => d.refId === 'C')!.model).toMatchObject({ type: 'threshold', conditions: [{ evaluator: { type: 'gt', params: [7_200_000] } }] });
    // Without a timeLag section: the 5-minute default, linked to the partition lag panel.
    const plain = ruleGroups({ default: 10000, groups: [] }, { groupStatus: 1, partitionStatus: 2, partitionLag: 3, cycleDuration: 4, clustersFailing: 5 }).find((g) => g.name === 'warren-consumer-time-lag')!;
    expect(plain.rules.map((r) => [r.uid, r.labels.time_lag_threshold, r.panelId])).toEqual([['warren-time-lag-default', '5m', 3]]);
  });
});
