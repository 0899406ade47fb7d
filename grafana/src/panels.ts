// Panel builders for Grafana's v1 dashboard model (grafana.md §2.4). Only the options each panel type
// documents in @grafana/schema 13.2 are used, so the same JSON reads the same in Grafana 12.4 and 13.x.
import type { DocKind } from '../../collector/types.ts';
import { dsRef } from './datasources.ts';
import type { DatasourceRef } from './datasources.ts';
import { target } from './query.ts';
import type { EsTarget, QueryDecl } from './query.ts';

// ---------------------------------------------------------------------------------------------------
// Burrow's statuses, numbered as Burrow numbers them, with the colours Warren uses everywhere.

export const STATUSES = [
  { code: 0, name: 'NOTFOUND', color: '#8e8e8e' },
  { code: 1, name: 'OK', color: 'green' },
  { code: 2, name: 'WARN', color: 'yellow' },
  { code: 3, name: 'ERR', color: 'red' },
  { code: 4, name: 'STOP', color: 'purple' },
  { code: 5, name: 'STALL', color: 'orange' },
  { code: 6, name: 'REWIND', color: 'blue' },
] as const;

export type StatusName = (typeof STATUSES)[number]['name'];

export function statusColor(name: StatusName): string {
  return STATUSES.find((s) => s.name === name)!.color;
}

export interface ValueMapping {
  type: 'value';
  options: Record<string, { text?: string; color: string; index: number }>;
}

/** `status_code` numbers → name and colour. */
export function statusCodeMapping(): ValueMapping {
  const options: ValueMapping['options'] = {};
  STATUSES.forEach((s, index) => {
    options[String(s.code)] = { text: s.name, color: s.color, index };
  });
  return { type: 'value', options };
}

/** `status` strings → colour. */
export function statusNameMapping(): ValueMapping {
  const options: ValueMapping['options'] = {};
  STATUSES.forEach((s, index) => {
    options[s.name] = { color: s.color, index };
  });
  return { type: 'value', options };
}

// ---------------------------------------------------------------------------------------------------
// Panels

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource: DatasourceRef | { type: 'datasource'; uid: '-- Mixed --' };
  targets: EsTarget[];
  timeFrom?: string;
  interval?: string;
  /** Caps the points per series, so many series × buckets stay under Elasticsearch's search.max_buckets. */
  maxDataPoints?: number;
  fieldConfig: { defaults: Record<string, unknown>; overrides: Override[] };
  options: Record<string, unknown>;
  transformations?: { id: string; options: Record<string, unknown> }[];
}

export interface Override {
  matcher: { id: string; options: string };
  properties: { id: string; value: unknown }[];
}

/** A panel before layout: ids and positions are given by the dashboard. */
export type PanelSpec = Omit<Panel, 'id' | 'gridPos'> & { size: { w: number; h: number } };

interface Common {
  title: string;
  description?: string;
  w: number;
  h: number;
  timeFrom?: string;
  maxDataPoints?: number;
}

/** The panel's datasource: the one of its targets, or Grafana's mixed datasource when they differ. */
function panelDatasource(targets: EsTarget[]): Panel['datasource'] {
  const uids = new Set(targets.map((t) => t.datasource.uid));
  if (uids.size === 1) return targets[0]!.datasource;
  return { type: 'datasource', uid: '-- Mixed --' };
}

function base(c: Common, queries: QueryDecl[]): Omit<PanelSpec, 'type' | 'fieldConfig' | 'options'> {
  const targets = queries.map((q, i) => target(q, String.fromCharCode(65 + i)));
  const spec: Omit<PanelSpec, 'type' | 'fieldConfig' | 'options'> = {
    title: c.title,
    size: { w: c.w, h: c.h },
    datasource: panelDatasource(targets),
    targets,
  };
  if (c.description !== undefined) spec.description = c.description;
  if (c.timeFrom !== undefined) spec.timeFrom = c.timeFrom;
  if (c.maxDataPoints !== undefined) spec.maxDataPoints = c.maxDataPoints;
  return spec;
}

const LEGEND_TABLE = { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] };
const TOOLTIP_MULTI = { mode: 'multi', sort: 'desc' };

export function timeseries(c: Common & { unit?: string; min?: number; legend?: 'table' | 'list' }, ...queries: QueryDecl[]): PanelSpec {
  const defaults: Record<string, unknown> = {
    unit: c.unit ?? 'short',
    custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, spanNulls: true, showPoints: 'never' },
  };
  if (c.min !== undefined) defaults.min = c.min;
  return {
    ...base(c, queries),
    type: 'timeseries',
    fieldConfig: { defaults, overrides: [] },
    options: {
      legend: c.legend === 'list' ? { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] } : LEGEND_TABLE,
      tooltip: TOOLTIP_MULTI,
    },
  };
}

/** A state timeline of a `status_code` series: one row per series, coloured by Burrow's status. */
export function statusTimeline(c: Common, ...queries: QueryDecl[]): PanelSpec {
  return {
    ...base(c, queries),
    type: 'state-timeline',
    fieldConfig: {
      defaults: {
        color: { mode: 'thresholds' },
        thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] },
        mappings: [statusCodeMapping()],
        custom: { fillOpacity: 80, lineWidth: 0 },
      },
      overrides: [],
    },
    options: {
      mergeValues: true,
      showValue: 'auto',
      rowHeight: 0.9,
      alignValue: 'left',
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
      tooltip: { mode: 'single', sort: 'none' },
    },
  };
}

/** A single number with a background colour; `color` is the colour once the value is at least `from`. */
export function stat(c: Common & { color: string; from: number; calc: string; noValue?: string; unit?: string }, ...queries: QueryDecl[]): PanelSpec {
  const defaults: Record<string, unknown> = {
    unit: c.unit ?? 'none',
    color: { mode: 'thresholds' },
    thresholds: { mode: 'absolute', steps: [{ color: 'transparent', value: null }, { color: c.color, value: c.from }] },
  };
  if (c.noValue !== undefined) defaults.noValue = c.noValue;
  return {
    ...base(c, queries),
    type: 'stat',
    fieldConfig: { defaults, overrides: [] },
    options: {
      reduceOptions: { calcs: [c.calc], fields: '', values: false },
      orientation: 'auto',
      colorMode: 'background',
      graphMode: 'none',
      textMode: 'value',
      justifyMode: 'center',
      wideLayout: true,
      showPercentChange: false,
      percentChangeColorMode: 'standard',
    },
  };
}

export interface Column {
  /** The column name the Elasticsearch datasource gives (a terms field, or a metric name like "Max lag"). */
  from: string;
  to: string;
  unit?: string;
  /** Colour the cell by Burrow's status (a `status` string or a `status_code` number column). */
  status?: 'name' | 'code';
  width?: number;
}

/** A table of terms-only queries: one row per bucket; several queries are merged on their common columns. */
export function table(c: Common & { columns: Column[]; sortBy?: { column: string; desc: boolean } }, ...queries: QueryDecl[]): PanelSpec {
  const overrides: Override[] = [];
  const renameByName: Record<string, string> = {};
  const indexByName: Record<string, number> = {};
  c.columns.forEach((col, i) => {
    renameByName[col.from] = col.to;
    indexByName[col.from] = i;
    const properties: Override['properties'] = [];
    if (col.unit) properties.push({ id: 'unit', value: col.unit });
    if (col.status) {
      properties.push({ id: 'mappings', value: [col.status === 'name' ? statusNameMapping() : statusCodeMapping()] });
      properties.push({ id: 'custom.cellOptions', value: { type: 'color-background' } });
    }
    if (col.width) properties.push({ id: 'custom.width', value: col.width });
    if (properties.length > 0) overrides.push({ matcher: { id: 'byName', options: col.to }, properties });
  });
  const transformations: Panel['transformations'] = [];
  if (queries.length > 1) transformations.push({ id: 'merge', options: {} });
  transformations.push({ id: 'organize', options: { excludeByName: {}, indexByName, renameByName } });
  const options: Record<string, unknown> = { showHeader: true, cellHeight: 'sm', frameIndex: 0 };
  if (c.sortBy) options.sortBy = [{ displayName: c.sortBy.column, desc: c.sortBy.desc }];
  return {
    ...base(c, queries),
    type: 'table',
    fieldConfig: { defaults: { custom: { align: 'auto', filterable: true } }, overrides },
    options,
    transformations,
  };
}

export function panelDatasourceOf(kind: DocKind): DatasourceRef {
  return dsRef(kind);
}
