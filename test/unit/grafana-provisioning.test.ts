// Static checks of grafana/provisioning: every file parses and follows Grafana's file-provisioning format
// (grafana.md §1, §2.1, §4, §6.2) — known keys, types, required fields, UID rules — the datasource UIDs the
// alert rules use exist, Go templates parse and reference only labels and values the rules have, and
// environment placeholders appear only where secrets go.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS_MOUNT } from '../../grafana/src/build.ts';
import { parseTemplate } from '../../grafana/src/replay/gotemplate.ts';
import { parseDuration } from '../../grafana/src/replay/alerts.ts';
import { formatDuration, parseThresholds } from '../../grafana/src/thresholds.ts';

const GRAFANA = join(import.meta.dirname, '../../grafana');
const PROV = join(GRAFANA, 'provisioning');

function yamlFiles(dir: string): { name: string; text: string; doc: Record<string, any> }[] {
  return readdirSync(join(PROV, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => {
      const text = readFileSync(join(PROV, dir, f), 'utf8');
      return { name: `${dir}/${f}`, text, doc: parse(text) as Record<string, any> };
    });
}

const datasourceFiles = yamlFiles('datasources');
const dashboardFiles = yamlFiles('dashboards');
const alertingFiles = yamlFiles('alerting');
const all = [...datasourceFiles, ...dashboardFiles, ...alertingFiles];

const UID = /^[a-zA-Z0-9_-]{1,40}$/;
const datasources = datasourceFiles.flatMap((f) => f.doc.datasources as any[]);
const dsUids = new Set(datasources.map((d) => d.uid as string));
const groups = alertingFiles.flatMap((f) => (f.doc.groups ?? []) as any[]);
const rules = groups.flatMap((g) => g.rules as any[]);
const contactPoints = alertingFiles.flatMap((f) => (f.doc.contactPoints ?? []) as any[]);
const templates = alertingFiles.flatMap((f) => (f.doc.templates ?? []) as any[]);
const policies = alertingFiles.flatMap((f) => (f.doc.policies ?? []) as any[]);

function expectOnlyKeys(obj: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(obj)) expect(allowed, `${where}: unknown key "${k}"`).toContain(k);
}

/** Every string in a parsed YAML document with its path. */
function strings(value: unknown, path = ''): { path: string; value: string }[] {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

describe('grafana provisioning: every file', () => {
  it('the three provisioning directories hold YAML files', () => {
    expect(datasourceFiles.length).toBeGreaterThan(0);
    expect(dashboardFiles.length).toBeGreaterThan(0);
    expect(alertingFiles.length).toBeGreaterThan(0);
  });

  for (const f of all) {
    it(`${f.name}: apiVersion 1 and only the top-level keys Grafana reads`, () => {
      expect(f.doc.apiVersion).toBe(1);
      const allowed: Record<string, string[]> = {
        datasources: ['apiVersion', 'datasources', 'deleteDatasources'],
        dashboards: ['apiVersion', 'providers'],
        alerting: ['apiVersion', 'groups', 'deleteRules', 'contactPoints', 'deleteContactPoints', 'policies', 'resetPolicies', 'templates', 'deleteTemplates', 'muteTimes', 'deleteMuteTimes'],
      };
      expectOnlyKeys(f.doc, allowed[f.name.split('/')[0]!]!, f.name);
    });

    it(`${f.name}: environment placeholders only where secrets go`, () => {
      const secretPaths = [
        /^datasources\[\d+\]\.basicAuthUser$/,
        /^datasources\[\d+\]\.secureJsonData\.\w+$/,
        /^contactPoints\[\d+\]\.receivers\[\d+\]\.settings\.url$/,
      ];
      for (const s of strings(f.doc)) {
        // Math expressions name other queries ($B); rule models are passed to Grafana raw (grafana.md §4.2).
        if (/\.model\.expression$/.test(s.path)) continue;
        const env = /\$__env\{|\$__file\{|\$\{?[A-Z_][A-Z0-9_]*\}?/.test(s.value.replace(/\$\$/g, ''));
        if (!env) continue;
        expect(secretPaths.some((re) => re.test(s.path)), `${f.name} ${s.path} = ${s.value}`).toBe(true);
      }
    });
  }
});

describe('grafana provisioning: datasources', () => {
  it('four Elasticsearch datasources, one default', () => {
    expect(datasources.map((d) => d.uid).sort()).toEqual(['warren-event', 'warren-group', 'warren-heartbeat', 'warren-partition']);
    expect(datasources.filter((d) => d.isDefault).length).toBe(1);
  });

  for (const d of datasources) {
    it(`${d.uid}: the keys, types and values Grafana validates`, () => {
      expectOnlyKeys(d, ['name', 'uid', 'type', 'access', 'orgId', 'url', 'isDefault', 'editable', 'version', 'basicAuth', 'basicAuthUser', 'secureJsonData', 'jsonData'], d.uid);
      expect(typeof d.name).toBe('string');
      expect(d.uid).toMatch(UID);
      expect(d.type).toBe('elasticsearch');
      expect(['proxy', 'direct']).toContain(d.access);
      expect(d.orgId).toBe(1);
      expect(d.url).toMatch(/^https?:\/\//);
      expect(typeof d.isDefault).toBe('boolean');
      expect(typeof d.editable).toBe('boolean');
      expect(d.jsonData.timeField).toBe('@timestamp');
      expect(d.jsonData.index).toBe(`warren-${d.uid.slice('warren-'.length)}-*`);
      // `interval` is the index rotation pattern, not a time interval; a wildcard needs none (grafana.md §9.1).
      expect(d.jsonData.interval === undefined || ['Hourly', 'Daily', 'Weekly', 'Monthly', 'Yearly'].includes(d.jsonData.interval)).toBe(true);
      expect(parseDuration(d.jsonData.timeInterval)).toBeGreaterThan(0);
      expect(typeof d.jsonData.maxConcurrentShardRequests).toBe('number');
      expect(d.jsonData.esVersion).toBeUndefined();
      // Secrets only in secureJsonData, and from the environment.
      expect(d.basicAuth).toBe(true);
      expect(d.basicAuthUser).toBe('${WARREN_ES_USERNAME}');
      expect(d.secureJsonData).toEqual({ basicAuthPassword: '${WARREN_ES_PASSWORD}' });
    });
  }

  it('names and uids are unique', () => {
    expect(new Set(datasources.map((d) => d.name)).size).toBe(datasources.length);
    expect(dsUids.size).toBe(datasources.length);
  });
});

describe('grafana provisioning: dashboard provider', () => {
  const providers = dashboardFiles.flatMap((f) => f.doc.providers as any[]);
  it('one file provider pointing at the mounted dashboards directory', () => {
    expect(providers.length).toBe(1);
    const p = providers[0]!;
    expectOnlyKeys(p, ['name', 'orgId', 'type', 'folder', 'folderUid', 'editable', 'disableDeletion', 'updateIntervalSeconds', 'allowUiUpdates', 'options'], 'provider');
    expect(p.type).toBe('file');
    expect(typeof p.name).toBe('string');
    expect(p.options.path).toBe(DASHBOARDS_MOUNT);
    expect(typeof p.options.foldersFromFilesStructure).toBe('boolean');
    expect(Number.isInteger(p.updateIntervalSeconds)).toBe(true);
    // Rules find their folder by title; a pinned folderUid would make two folders (grafana.md §2.1).
    expect(p.folderUid).toBeUndefined();
    expect(new Set(groups.map((g) => g.folder))).toEqual(new Set([p.folder]));
  });

  it('the mounted directory holds the dashboards', () => {
    const json = readdirSync(join(GRAFANA, 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(json.length).toBe(3);
  });
});

describe('grafana provisioning: alert rules', () => {
  it('rule groups: name, folder title, interval a multiple of 10 s', () => {
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expectOnlyKeys(g, ['orgId', 'name', 'folder', 'interval', 'rules'], g.name);
      expect(typeof g.name).toBe('string');
      expect(typeof g.folder).toBe('string');
      const ms = parseDuration(g.interval);
      expect(ms % 10_000).toBe(0);
      expect(ms).toBeGreaterThanOrEqual(10_000);
    }
  });

  it('rule uids are valid and unique, titles unique per folder', () => {
    const uids = rules.map((r) => r.uid);
    for (const u of uids) expect(u).toMatch(UID);
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(rules.map((r) => r.title)).size).toBe(rules.length);
  });

  it('the required rules exist', () => {
    const byUid = new Map(rules.map((r) => [r.uid, r]));
    expect(byUid.get('warren-group-err')?.for).toBe('1m'); // interval 1m: fires on the 2nd evaluation
    expect(byUid.get('warren-group-warn')?.for).toBe('10m');
    expect(byUid.get('warren-partition-stop-stall')).toBeDefined();
    expect(byUid.get('warren-lag-default')?.labels.lag_threshold).toBe('10000');
    expect(byUid.get('warren-time-lag-default')).toMatchObject({ for: '2m', noDataState: 'OK', labels: { time_lag_threshold: '5m' } });
    expect(groups.find((g) => g.name === 'warren-consumer-time-lag')?.rules.map((r: any) => r.uid)).toEqual(['warren-time-lag-default']);
    expect(byUid.get('warren-heartbeat-missing')?.noDataState).toBe('Alerting');
    expect(byUid.get('warren-cluster-scrape-failing')).toBeDefined();
  });

  for (const r of rules) {
    it(`${r.uid}: keys, condition, data, expressions, durations and states`, () => {
      expectOnlyKeys(r, ['uid', 'title', 'condition', 'data', 'for', 'keepFiringFor', 'noDataState', 'execErrState', 'labels', 'annotations', 'dashboardUid', 'panelId', 'isPaused'], r.uid);
      expect(typeof r.title).toBe('string');
      const refIds = (r.data as any[]).map((d) => d.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      expect(refIds).toContain(r.condition);
      const seen = new Set<string>();
      for (const d of r.data as any[]) {
        expectOnlyKeys(d, ['refId', 'queryType', 'relativeTimeRange', 'datasourceUid', 'model'], `${r.uid}/${d.refId}`);
        expect(d.model.refId).toBe(d.refId);
        expect(Number.isInteger(d.relativeTimeRange.from) && Number.isInteger(d.relativeTimeRange.to)).toBe(true);
        if (d.datasourceUid === '__expr__') {
          expect(d.model.datasource).toEqual({ type: '__expr__', uid: '__expr__' });
          expect(['reduce', 'threshold', 'math']).toContain(d.model.type);
          if (d.model.type === 'math') {
            for (const [, ref] of (d.model.expression as string).matchAll(/\$\{?(\w+)\}?/g)) expect(seen.has(ref!), `${r.uid}/${d.refId} uses ${ref}`).toBe(true);
          } else {
            expect(seen.has(d.model.expression), `${r.uid}/${d.refId} uses ${d.model.expression}`).toBe(true);
          }
          if (d.model.type === 'reduce') {
            expect(['last', 'mean', 'min', 'max', 'sum', 'count', 'median']).toContain(d.model.reducer);
            expect(['dropNN', 'replaceNN']).toContain(d.model.settings.mode);
          }
          if (d.model.type === 'threshold') {
            const ev = d.model.conditions[0].evaluator;
            expect(['gt', 'lt', 'within_range', 'outside_range']).toContain(ev.type);
            expect(ev.params.every((x: unknown) => typeof x === 'number')).toBe(true);
          }
        } else {
          // The alert's datasource must be provisioned, and its query must not lean on dashboard variables.
          expect(dsUids.has(d.datasourceUid), `${r.uid}/${d.refId}: ${d.datasourceUid}`).toBe(true);
          expect(d.model.datasource.uid).toBe(d.datasourceUid);
          expect(d.model.query).not.toMatch(/\$\w/);
          expect(d.relativeTimeRange.from).toBeGreaterThan(d.relativeTimeRange.to);
          // Explicit histogram interval: in alerting, `auto` means 1000 ms buckets (grafana.md §4.7).
          const hist = (d.model.bucketAggs as any[]).at(-1);
          expect(hist.type).toBe('date_histogram');
          expect(hist.settings.interval).not.toBe('auto');
          expect(d.model.intervalMs).toBe(parseDuration(hist.settings.interval));
          expect(d.model.alias).toBeUndefined();
        }
        seen.add(d.refId);
      }
      parseDuration(r.for);
      expect(['NoData', 'Alerting', 'OK', 'KeepLast']).toContain(r.noDataState);
      expect(['Error', 'Alerting', 'OK', 'KeepLast']).toContain(r.execErrState);
      // Labels are env-interpolated by Grafana: a `$` would be eaten (grafana.md §4.2).
      for (const v of Object.values(r.labels as Record<string, string>)) expect(v).not.toContain('$');
      if (r.dashboardUid) {
        const board = JSON.parse(readFileSync(join(GRAFANA, 'dashboards', `${r.dashboardUid.replace(/^warren-/, '').replace('pipeline', 'pipeline-health')}.json`), 'utf8'));
        expect(board.uid).toBe(r.dashboardUid);
        expect((board.panels as any[]).some((p) => p.id === r.panelId)).toBe(true);
      }
    });

    it(`${r.uid}: annotations parse and read only labels the condition's query produces and values the rule computes`, () => {
      const condQuery = (r.data as any[]).find((d) => d.refId === 'A');
      const labelKeys = new Set((condQuery.model.bucketAggs as any[]).filter((b) => b.type === 'terms').map((b) => b.field as string));
      const exprRefs = new Set((r.data as any[]).filter((d) => d.datasourceUid === '__expr__').map((d) => d.refId as string));
      for (const [key, text] of Object.entries(r.annotations as Record<string, string>)) {
        const parsed = parseTemplate(text);
        for (const ref of parsed.refs) {
          if (ref.base === '$labels') expect(labelKeys.has(ref.path[0]!), `${r.uid}.${key} reads $labels.${ref.path[0]}`).toBe(true);
          if (ref.base === '$values') {
            expect(exprRefs.has(ref.path[0]!), `${r.uid}.${key} reads $values.${ref.path[0]}`).toBe(true);
            expect(ref.path[1]).toBe('Value');
          }
        }
      }
      expect(r.annotations.summary).toBeTruthy();
      expect(r.annotations.reason).toBeTruthy();
    });
  }
});

describe('grafana provisioning: notifications', () => {
  it('a Slack contact point whose webhook URL comes from the environment, resolve messages on', () => {
    expect(contactPoints.length).toBe(1);
    const cp = contactPoints[0]!;
    expectOnlyKeys(cp, ['orgId', 'name', 'receivers'], cp.name);
    for (const r of cp.receivers as any[]) {
      expectOnlyKeys(r, ['uid', 'type', 'settings', 'disableResolveMessage'], r.uid);
      expect(r.uid).toMatch(UID);
      expect(r.type).toBe('slack');
      expect(r.disableResolveMessage).toBe(false);
      expect(r.settings.url).toBe('${SLACK_WEBHOOK_URL}');
      expect(r.settings.token).toBeUndefined();
      expect(['', 'here', 'channel', undefined]).toContain(r.settings.mentionChannel);
      // Contact-point settings are env-interpolated: no `$` other than the URL placeholder.
      for (const [k, v] of Object.entries(r.settings as Record<string, string>)) if (k !== 'url') expect(v).not.toContain('$');
    }
  });

  it('templates parse and define every template the contact point uses', () => {
    const defined = new Set<string>();
    for (const t of templates) {
      expectOnlyKeys(t, ['orgId', 'name', 'template'], t.name);
      for (const name of parseTemplate(t.template).defines.keys()) defined.add(name);
    }
    for (const r of contactPoints.flatMap((c) => c.receivers as any[])) {
      for (const text of [r.settings.title, r.settings.text]) {
        for (const [, name] of (text as string).matchAll(/template "([^"]+)"/g)) expect(defined.has(name!), name).toBe(true);
      }
    }
  });

  it('the notification templates read cluster, group, status, total and max lag, the reason and link the dashboard', () => {
    const text = templates.map((t) => t.template as string).join('\n');
    const refs = new Set(templates.flatMap((t) => parseTemplate(t.template).refs.map((r) => `${r.base}.${r.path.join('.')}`)));
    for (const f of ['dot.Labels.cluster', 'dot.Labels.group', 'dot.Annotations.status', 'dot.Annotations.total_lag', 'dot.Annotations.max_lag', 'dot.Annotations.reason']) {
      expect(refs.has(f), f).toBe(true);
    }
    expect(text).toContain('/d/warren-consumer-group/');
    expect(text).toContain('var-cluster=');
    expect(text).toContain('var-group=');
  });

  it('one policy tree: grouped by cluster and group, to a receiver that exists', () => {
    expect(policies.length).toBe(1);
    const p = policies[0]!;
    expectOnlyKeys(p, ['orgId', 'receiver', 'group_by', 'group_wait', 'group_interval', 'repeat_interval', 'routes', 'matchers', 'object_matchers', 'mute_time_intervals', 'continue'], 'policy');
    expect(p.group_by).toEqual(['cluster', 'group']);
    expect(contactPoints.map((c) => c.name)).toContain(p.receiver);
    expect(p.mute_time_intervals).toBeUndefined();
    for (const d of ['group_wait', 'group_interval', 'repeat_interval']) parseDuration(p[d]);
  });
});

describe('grafana lag thresholds lookup', () => {
  it('the shipped file parses', () => {
    const t = parseThresholds(readFileSync(join(GRAFANA, 'lag-thresholds.yaml'), 'utf8'));
    expect(t.default).toBe(10000);
    expect(t.timeLag).toEqual({ default: 300_000, groups: [] });
  });

  it('time-lag thresholds are durations; without a timeLag section the default is 5 minutes', () => {
    expect(parseThresholds('default: 5').timeLag).toEqual({ default: 300_000, groups: [] });
    const t = parseThresholds('default: 5\ntimeLag:\n  default: 1h30m\n  groups:\n    - {cluster: a, group: b, threshold: 90s}\n    - {cluster: a, group: c, threshold: 120}');
    expect(t.timeLag).toEqual({ default: 5_400_000, groups: [{ cluster: 'a', group: 'b', threshold: 90_000 }, { cluster: 'a', group: 'c', threshold: 120_000 }] });
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(90_000)).toBe('1m30s');
  });

  it('bad entries are refused with the key named', () => {
    expect(() => parseThresholds('default: -1')).toThrow(/default/);
    expect(() => parseThresholds('default: 5\ngroups:\n  - cluster: a\n    threshold: 3')).toThrow(/groups\[0\]\.group/);
    expect(() => parseThresholds('default: 5\ngroups:\n  - {cluster: a, group: b, threshold: 1}\n  - {cluster: a, group: b, threshold: 2}')).toThrow(/twice/);
    expect(() => parseThresholds('default: 5\ntimeLag:\n  default: five minutes')).toThrow(/timeLag\.default must be a duration/);
    expect(() => parseThresholds('default: 5\ntimeLag:\n  groups:\n    - {cluster: a, group: b, threshold: 5x}')).toThrow(/timeLag\.groups\[0\]\.threshold/);
    expect(() => parseThresholds('default: 5\ntimeLag: [1]')).toThrow(/timeLag must be a map/);
  });

  it('the dashboards directory exists where the README says', () => {
    expect(existsSync(join(GRAFANA, 'dashboards'))).toBe(true);
  });
});
