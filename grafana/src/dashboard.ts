// The v1 dashboard model (grafana.md §2.6): variables read from Elasticsearch with terms queries, ES
// annotations, and panels laid out row by row on the 24-column grid.
import type { DocKind } from '../../collector/types.ts';
import { dsRef, TIME_FIELD } from './datasources.ts';
import type { DatasourceRef } from './datasources.ts';
import type { Panel, PanelSpec } from './panels.ts';

/** Grafana migrates older dashboards up on load; 39 is understood by 11.x, 12.x and 13.x (grafana.md §2.6). */
export const SCHEMA_VERSION = 39;

export interface TermsVariableQuery {
  find: 'terms';
  field: string;
  query?: string;
  size?: number;
  orderBy?: 'key' | 'doc_count';
  order?: 'asc' | 'desc';
}

export interface QueryVariable {
  type: 'query';
  name: string;
  label: string;
  datasource: DatasourceRef;
  query: string;
  definition: string;
  refresh: 1 | 2;
  sort: number;
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
  current: { text: string | string[]; value: string | string[] };
  options: never[];
  hide: 0;
  regex: '';
  skipUrlSync: false;
}

export function termsVariable(
  name: string,
  label: string,
  kind: DocKind,
  find: Omit<TermsVariableQuery, 'find'>,
  options: { multi: boolean; includeAll: boolean },
): QueryVariable {
  const query = JSON.stringify({ find: 'terms', ...find });
  const v: QueryVariable = {
    type: 'query',
    name,
    label,
    datasource: dsRef(kind),
    query,
    definition: query,
    refresh: 2,
    sort: 1,
    multi: options.multi,
    includeAll: options.includeAll,
    current: options.includeAll ? { text: ['All'], value: ['$__all'] } : { text: '', value: '' },
    options: [],
    hide: 0,
    regex: '',
    skipUrlSync: false,
  };
  if (options.includeAll) v.allValue = '*';
  return v;
}

export interface EsAnnotation {
  name: string;
  enable: boolean;
  hide: boolean;
  iconColor: string;
  datasource: DatasourceRef;
  target: { refId: string; query: string };
  timeField: string;
  textField: string;
  tagsField: string;
}

export function esAnnotation(name: string, kind: DocKind, query: string, textField: string, tagsField: string, iconColor: string): EsAnnotation {
  return {
    name,
    enable: true,
    hide: false,
    iconColor,
    datasource: dsRef(kind),
    target: { refId: 'Anno', query },
    timeField: TIME_FIELD,
    textField,
    tagsField,
  };
}

const BUILT_IN_ANNOTATION = {
  name: 'Annotations & Alerts',
  builtIn: 1,
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  type: 'dashboard',
  datasource: { type: 'grafana', uid: '-- Grafana --' },
};

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  time: { from: string; to: string };
  variables: QueryVariable[];
  annotations: EsAnnotation[];
  /** Panels row by row: each inner array is laid out left to right. */
  rows: PanelSpec[][];
  links?: { title: string; url: string }[];
}

export function dashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: Panel[] = [];
  let y = 0;
  let id = 1;
  for (const row of spec.rows) {
    let x = 0;
    let height = 0;
    for (const p of row) {
      const { size, ...rest } = p;
      if (x + size.w > 24) throw new Error(`${spec.uid}: row starting with "${row[0]!.title}" is wider than 24 columns`);
      panels.push({ id: id++, gridPos: { h: size.h, w: size.w, x, y }, ...rest });
      x += size.w;
      height = Math.max(height, size.h);
    }
    y += height;
  }
  return {
    id: null,
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: spec.time,
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    links: (spec.links ?? []).map((l) => ({
      title: l.title,
      url: l.url,
      type: 'link',
      icon: 'dashboard',
      tags: [],
      asDropdown: false,
      includeVars: true,
      keepTime: true,
      targetBlank: false,
      tooltip: '',
    })),
    templating: { list: spec.variables },
    annotations: { list: [BUILT_IN_ANNOTATION, ...spec.annotations] },
    panels,
  };
}
