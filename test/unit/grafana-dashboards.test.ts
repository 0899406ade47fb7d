// Static checks of the provisioned dashboards: the JSON schema of the v1 dashboard model, the target rules of
// grafana.md §2.2, field names and types against the sink's mappings, and datasource UIDs.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { DocKind } from '../../collector/types.ts';
import { mappingOf } from '../../elasticsearch/templates.ts';
import { DATASOURCES, kindOfUid } from '../../grafana/src/datasources.ts';
import { FIELDS, NUMERIC_TYPES } from '../../grafana/src/fields.ts';
import type { EsTarget } from '../../grafana/src/query.ts';

const GRAFANA = join(import.meta.dirname, '../../grafana');
const files = readdirSync(join(GRAFANA, 'dashboards')).filter((f) => f.endsWith('.json'));
const boards = files.map((f) => ({ file: f, text: readFileSync(join(GRAFANA, 'dashboards', f), 'utf8') }));
const parsed = boards.map((b) => ({ file: b.file, json: JSON.parse(b.text) as Record<string, any> }));

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
const dashboardSchema = JSON.parse(readFileSync(join(GRAFANA, 'test-schemas/dashboard-v1.schema.json'), 'utf8'));
const targetSchema = JSON.parse(readFileSync(join(GRAFANA, 'test-schemas/elasticsearch-target.schema.json'), 'utf8'));
const validateDashboard = ajv.compile(dashboardSchema);
const validateTarget = ajv.compile(targetSchema);

const PROVISIONED_UIDS = new Set(Object.values(DATASOURCES).map((d) => d.uid));

/** The type of a field in the sink's index template, following aliases. */
function mappedType(kind: DocKind, field: string): string | undefined {
  const props = (mappingOf(kind) as { properties: Record<string, { type: string; path?: string }> }).properties;
  const m = props[field];
  if (!m) return undefined;
  if (m.type === 'alias' && m.path) return props[m.path]?.type;
  return m.type;
}

function fieldType(kind: DocKind, field: string): { ours: string | undefined; sink: string | undefined } {
  return { ours: FIELDS[kind][field], sink: mappedType(kind, field) };
}

interface PanelTarget {
  dashboard: string;
  panel: string;
  panelType: string;
  target: EsTarget;
}

const targets: PanelTarget[] = parsed.flatMap(({ json }) =>
  (json.panels as any[]).flatMap((p) => (p.targets as EsTarget[]).map((t) => ({ dashboard: json.uid as string, panel: p.title as string, panelType: p.type as string, target: t }))),
);

describe('grafana dashboards: schema', () => {
  it('there are the three dashboards', () => {
    expect(parsed.map((p) => p.json.uid).sort()).toEqual(['warren-consumer-group', 'warren-overview', 'warren-pipeline']);
  });

  for (const { file, json } of parsed) {
    it(`${file} validates against the v1 dashboard schema`, () => {
      const ok = validateDashboard(json);
      expect(validateDashboard.errors ?? [], JSON.stringify(validateDashboard.errors, null, 2)).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it('the schema is strict: a misspelt panel key, an ES annotation without datasource, a numeric id fail', () => {
    const board = structuredClone(parsed[0]!.json);
    board.panels[0].gridpos = board.panels[0].gridPos;
    expect(validateDashboard(board)).toBe(false);
    const board2 = structuredClone(parsed[0]!.json);
    board2.id = 'x';
    expect(validateDashboard(board2)).toBe(false);
    const board3 = structuredClone(parsed[0]!.json);
    board3.__inputs = [];
    expect(validateDashboard(board3)).toBe(false);
    const board4 = structuredClone(parsed[0]!.json);
    board4.panels[0].options.colorMode = 'rainbow';
    expect(validateDashboard(board4)).toBe(false);
  });

  for (const { file, text, json } of boards.map((b, i) => ({ ...b, json: parsed[i]!.json }))) {
    it(`${file}: provisioning rules (id null, uid ≤ 40, unique panel ids, no export placeholders, no env placeholders)`, () => {
      expect(json.id).toBeNull();
      expect(json.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      const ids = (json.panels as any[]).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(text).not.toContain('__inputs');
      expect(text).not.toContain('${DS_');
      // Dashboard JSON is never env-interpolated (grafana.md §1): a ${VAR} here would reach the browser as is.
      expect(text).not.toMatch(/\$__env\{|\$__file\{|\$\{[A-Z_][A-Z0-9_]*\}/);
    });

    it(`${file}: panels fit the 24-column grid without overlapping`, () => {
      const cells = new Set<string>();
      for (const p of json.panels as any[]) {
        const g = p.gridPos;
        expect(g.x + g.w).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            const key = `${x},${y}`;
            expect(cells.has(key), `${p.title} overlaps at ${key}`).toBe(false);
            cells.add(key);
          }
        }
      }
    });
  }

  it('dashboard uids and titles are unique', () => {
    expect(new Set(parsed.map((p) => p.json.uid)).size).toBe(parsed.length);
    expect(new Set(parsed.map((p) => p.json.title)).size).toBe(parsed.length);
  });
});

describe('grafana dashboards: targets follow grafana.md §2.2', () => {
  it('every panel has Elasticsearch targets', () => {
    expect(targets.length).toBeGreaterThan(20);
  });

  for (const { dashboard, panel, panelType, target } of targets) {
    const name = `${dashboard} / ${panel} / ${target.refId}`;
    it(`${name}: matches the target schema (string ids, terms orderBy + order)`, () => {
      validateTarget(target);
      expect(validateTarget.errors ?? [], JSON.stringify(validateTarget.errors, null, 2)).toEqual([]);
    });

    it(`${name}: ids are unique strings, the date histogram is last, terms order by a metric of the target`, () => {
      const ids = [...target.metrics.map((m) => m.id), ...target.bucketAggs.map((b) => b.id)];
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      const histograms = target.bucketAggs.filter((b) => b.type === 'date_histogram');
      expect(histograms.length).toBeLessThanOrEqual(1);
      if (histograms.length === 1) expect(target.bucketAggs[target.bucketAggs.length - 1]!.type).toBe('date_histogram');
      if (panelType === 'timeseries' || panelType === 'state-timeline') expect(histograms.length).toBe(1);
      for (const b of target.bucketAggs) {
        if (b.type !== 'terms') continue;
        const orderBy = b.settings.orderBy;
        if (/^\d+$/.test(orderBy)) expect(target.metrics.map((m) => m.id)).toContain(orderBy);
      }
    });

    it(`${name}: datasource UID is provisioned and fields exist with the right types in the sink's mapping`, () => {
      expect(PROVISIONED_UIDS.has(target.datasource.uid)).toBe(true);
      const kind = kindOfUid(target.datasource.uid)!;
      for (const b of target.bucketAggs) {
        const t = fieldType(kind, b.field);
        if (b.type === 'terms') {
          // Terms need keyword fields: a text field fails, a dynamic mapping would need `.keyword`.
          expect(t, `terms on ${kind}.${b.field}`).toEqual({ ours: 'keyword', sink: 'keyword' });
        } else if (b.type === 'histogram') {
          expect(NUMERIC_TYPES.has(t.ours ?? '') && NUMERIC_TYPES.has(t.sink ?? ''), `histogram on ${kind}.${b.field}: ${JSON.stringify(t)}`).toBe(true);
        } else {
          expect(t).toEqual({ ours: 'date', sink: 'date' });
        }
      }
      for (const m of target.metrics) {
        if (m.type === 'count') continue;
        const t = fieldType(kind, m.field!);
        const ok = (x: string | undefined): boolean => x !== undefined && (NUMERIC_TYPES.has(x) || x === 'date' || (m.type === 'cardinality' && x === 'keyword'));
        expect(ok(t.ours) && ok(t.sink), `${m.type} on ${kind}.${m.field}: ${JSON.stringify(t)}`).toBe(true);
      }
    });

    it(`${name}: Lucene filters name fields of the document`, () => {
      const kind = kindOfUid(target.datasource.uid)!;
      for (const [, field] of target.query.matchAll(/(?:^|[\s(])(@?[a-z_]+):/g)) {
        expect(FIELDS[kind][field!], `${field} in "${target.query}"`).toBeDefined();
        expect(mappedType(kind, field!), `${field} in the sink's ${kind} mapping`).toBeDefined();
      }
      if (target.alias) {
        for (const [, field] of target.alias.matchAll(/\{\{term ([^}]+)\}\}/g)) {
          expect(target.bucketAggs.map((b) => b.field)).toContain(field);
        }
      }
    });
  }
});

describe('grafana dashboards: variables and annotations', () => {
  const variables = parsed.flatMap(({ json }) => (json.templating.list as any[]).map((v) => ({ dashboard: json.uid as string, v })));
  const annotations = parsed.flatMap(({ json }) => (json.annotations.list as any[]).filter((a) => !a.builtIn).map((a) => ({ dashboard: json.uid as string, a })));

  it('every dashboard but the pipeline one has cluster and group variables', () => {
    for (const { json } of parsed) {
      const names = (json.templating.list as any[]).map((v) => v.name);
      expect(names).toContain('cluster');
      if (json.uid !== 'warren-pipeline') expect(names).toContain('group');
    }
  });

  for (const { dashboard, v } of variables) {
    it(`${dashboard} $${v.name}: a terms query on a keyword field of a provisioned datasource`, () => {
      expect(PROVISIONED_UIDS.has(v.datasource.uid)).toBe(true);
      const find = JSON.parse(v.query);
      expect(find.find).toBe('terms');
      expect(v.definition).toBe(v.query);
      const kind = kindOfUid(v.datasource.uid)!;
      expect(fieldType(kind, find.field)).toEqual({ ours: 'keyword', sink: 'keyword' });
      if (v.includeAll) expect(v.allValue).toBe('*');
    });
  }

  for (const { dashboard, a } of annotations) {
    it(`${dashboard} annotation "${a.name}": provisioned datasource, date time field, text and tags fields exist`, () => {
      expect(PROVISIONED_UIDS.has(a.datasource.uid)).toBe(true);
      const kind = kindOfUid(a.datasource.uid)!;
      expect(mappedType(kind, a.timeField)).toBe('date');
      expect(mappedType(kind, a.textField)).toBeDefined();
      expect(mappedType(kind, a.tagsField)).toBe('keyword');
      // The legacy top-level `query` would win over target.query (grafana.md §2.7).
      expect(a.query).toBeUndefined();
      expect(a.target.query).toBeTruthy();
    });
  }

  it('the consumer group dashboard shows status changes, rebalances and deploys as annotations, each kind once', () => {
    const cg = annotations.filter((x) => x.dashboard === 'warren-consumer-group');
    expect(cg.map((x) => [x.a.name, x.a.datasource.uid, x.a.textField, x.a.tagsField])).toEqual([
      ['Status changes', 'warren-event', 'message', 'to_status'],
      ['Rebalances', 'warren-event', 'message', 'state'],
      ['Deploys', 'warren-event', 'message', 'client_ids'],
    ]);
    expect(cg.map((x) => x.a.target.query)).toEqual([
      '(cluster:$cluster AND group:$group) AND (kind:("status-change" OR "group-gone"))',
      '(cluster:$cluster AND group:$group) AND kind:"rebalance"',
      '(cluster:$cluster AND group:$group) AND kind:"deploy"',
    ]);
  });

  it('lag in time and the canary split are on the dashboards', () => {
    const titles = (uid: string) => (parsed.find((p) => p.json.uid === uid)!.json.panels as any[]).map((p) => p.title as string);
    expect(titles('warren-consumer-group')).toEqual(
      expect.arrayContaining(['Max time lag', 'Trend', 'Max time lag over time', 'Time lag per partition', 'Max lag by client id', 'Max time lag by client id', 'Max lag by host', 'Max time lag by host']),
    );
    expect(titles('warren-overview')).toContain('Top groups by max time lag');
    const byTitle = (uid: string, title: string) => (parsed.find((p) => p.json.uid === uid)!.json.panels as any[]).find((p) => p.title === title);
    // The trend stat: one query, three named values with their units.
    const trend = byTitle('warren-consumer-group', 'Trend');
    expect(trend.targets.map((t: EsTarget) => t.metrics.map((m) => m.field))).toEqual([['lag_velocity', 'catch_up_ms', 'data_loss_ms']]);
    expect(trend.fieldConfig.overrides.map((o: any) => [o.matcher.options, o.properties.find((p: any) => p.id === 'displayName').value, o.properties.find((p: any) => p.id === 'unit').value])).toEqual([
      ['lag_velocity', 'Velocity', 'suffix: msg/s'],
      ['catch_up_ms', 'Catch-up in', 'ms'],
      ['data_loss_ms', 'Data loss in', 'ms'],
    ]);
    // The canary split is a terms aggregation on client_id and owner over partition documents.
    for (const [title, field, metric] of [
      ['Max lag by client id', 'client_id', 'lag'],
      ['Max time lag by client id', 'client_id', 'time_lag_ms'],
      ['Max lag by host', 'owner', 'lag'],
      ['Max time lag by host', 'owner', 'time_lag_ms'],
    ] as const) {
      const [t] = byTitle('warren-consumer-group', title).targets as EsTarget[];
      expect(t!.datasource.uid, title).toBe('warren-partition');
      expect(t!.bucketAggs.map((b) => [b.type, b.field]), title).toEqual([['terms', field], ['date_histogram', '@timestamp']]);
      expect(t!.metrics.map((m) => [m.type, m.field]), title).toEqual([['max', metric]]);
    }
    // The overview's table has the max time lag and velocity columns.
    const table = byTitle('warren-overview', 'Consumer groups');
    const organize = table.transformations.find((t: any) => t.id === 'organize');
    expect(organize.options.renameByName).toMatchObject({ 'Max max_time_lag_ms': 'Max time lag', 'Max lag_velocity': 'Velocity' });
  });
});

describe('grafana field types agree with the sink', () => {
  for (const kind of ['partition', 'group', 'event', 'heartbeat'] as const) {
    it(`${kind}: every field Grafana knows has the same family of type in elasticsearch/templates.ts`, () => {
      for (const [field, ours] of Object.entries(FIELDS[kind])) {
        const sink = mappedType(kind, field);
        expect(sink, `${kind}.${field} is missing from the sink's mapping`).toBeDefined();
        const family = (t: string): string => (NUMERIC_TYPES.has(t) ? 'number' : t === 'unindexed' ? 'keyword' : t);
        expect(family(sink!), `${kind}.${field}`).toBe(family(ours));
      }
    });
  }
});
