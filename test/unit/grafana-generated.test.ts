// The checked-in Grafana files are exactly what the generator writes: edit grafana/src/, run
// `node grafana/src/build.ts`, commit both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, GRAFANA_DIR } from '../../grafana/src/build.ts';
import { ruleGroups } from '../../grafana/src/alerting.ts';

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
});
