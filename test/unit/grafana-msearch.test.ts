// The `_msearch` translation, checked against the worked example of grafana.md §3.3 (itself checked there
// against the plugin's Go builders and golden files), plus variables, annotations, Lucene formatting,
// frame naming and the template interpreter.
import { describe, expect, it } from 'vitest';
import { toFrames } from '../../grafana/src/replay/frames.ts';
import { Renderer, humanizeDuration, parseTemplate } from '../../grafana/src/replay/gotemplate.ts';
import { interpolate, luceneFormat } from '../../grafana/src/replay/interpolate.ts';
import { annotationBody, header, ndjson, targetBody, variableBody } from '../../grafana/src/replay/msearch.ts';
import type { EsTarget } from '../../grafana/src/query.ts';

const DOC_TARGET: EsTarget = {
  refId: 'A',
  datasource: { type: 'elasticsearch', uid: 'kafka-lag-es' },
  queryType: 'lucene',
  query: 'kind:group AND cluster:$cluster',
  alias: '{{term group}}',
  metrics: [{ id: '1', type: 'max', field: 'lag' }],
  bucketAggs: [
    { id: '2', type: 'terms', field: 'group', settings: { size: '20', order: 'desc', orderBy: '_term', min_doc_count: '1' } },
    { id: '3', type: 'date_histogram', field: '@timestamp', settings: { interval: 'auto', min_doc_count: '0', trimEdges: '0' } },
  ],
  timeField: '@timestamp',
};

const RANGE = { fromMs: 1767225600000, toMs: 1767229200000, timeField: '@timestamp' };

describe('grafana msearch translation', () => {
  it('reproduces grafana.md §3.3 byte for byte (modulo key order, which Elasticsearch ignores)', () => {
    const target = { ...DOC_TARGET, query: interpolate(DOC_TARGET.query, { cluster: ['prod-eu', 'prod-us'] }) };
    const text = ndjson([{ header: header('kafka-lag'), body: targetBody(target, { ...RANGE, intervalMs: 30000 }) }]);
    const expected =
      '{"ignore_unavailable":true,"index":"kafka-lag","search_type":"query_then_fetch"}\n' +
      '{"size":0,"query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":1767225600000,"lte":1767229200000,"format":"epoch_millis"}}},{"query_string":{"query":"kind:group AND cluster:(\\"prod\\\\-eu\\" OR \\"prod\\\\-us\\")","analyze_wildcard":true}}]}},"aggs":{"2":{"terms":{"field":"group","size":20,"order":{"_key":"desc"},"min_doc_count":1},"aggs":{"3":{"date_histogram":{"field":"@timestamp","fixed_interval":"30000ms","min_doc_count":0,"extended_bounds":{"min":1767225600000,"max":1767229200000},"format":"epoch_millis"},"aggs":{"1":{"max":{"field":"lag"}}}}}}}}\n';
    expect(text).toBe(expected);
  });

  it('auto interval without a panel interval is 1000 ms; explicit and calendar intervals pass through', () => {
    const body = (interval: string, intervalMs?: number) =>
      JSON.stringify(targetBody({ ...DOC_TARGET, bucketAggs: [{ id: '3', type: 'date_histogram', field: '@timestamp', settings: { interval, min_doc_count: '0' } }] }, { ...RANGE, ...(intervalMs ? { intervalMs } : {}) }));
    expect(body('auto')).toContain('"fixed_interval":"1000ms"');
    expect(body('1m', 30000)).toContain('"fixed_interval":"1m"');
    expect(body('1M')).toContain('"calendar_interval":"1M"');
  });

  it('a blank query has no query_string and a single filter object', () => {
    const body = targetBody({ ...DOC_TARGET, query: '' }, { ...RANGE, intervalMs: 1000 }) as any;
    expect(body.query.bool.filter.range).toBeDefined();
  });

  it('terms ordered by a metric carry that metric as their own sub-aggregation', () => {
    const t: EsTarget = {
      ...DOC_TARGET,
      bucketAggs: [
        { id: '2', type: 'terms', field: 'group', settings: { size: '10', order: 'desc', orderBy: '1', min_doc_count: '1' } },
        { id: '3', type: 'date_histogram', field: '@timestamp', settings: { interval: '1m', min_doc_count: '0' } },
      ],
    };
    const body = targetBody(t, { ...RANGE, intervalMs: 1000 }) as any;
    expect(body.aggs['2'].terms.order).toEqual({ '1': 'desc' });
    expect(body.aggs['2'].aggs['1']).toEqual({ max: { field: 'lag' } });
    expect(body.aggs['2'].aggs['3'].aggs['1']).toEqual({ max: { field: 'lag' } });
  });

  it('refuses terms without orderBy (older Grafana would send "order": {})', () => {
    const t = { ...DOC_TARGET, bucketAggs: [{ id: '2', type: 'terms', field: 'group', settings: { size: '10', order: 'desc', min_doc_count: '1' } }] } as unknown as EsTarget;
    expect(() => targetBody(t, { ...RANGE })).toThrow(/orderBy/);
  });

  it('variables and annotations', () => {
    expect(variableBody({ find: 'terms', field: 'cluster' }, RANGE)).toEqual({
      size: 0,
      query: { bool: { filter: [{ range: { '@timestamp': { gte: RANGE.fromMs, lte: RANGE.toMs, format: 'epoch_millis' } } }] } },
      aggs: { '1': { terms: { field: 'cluster', size: 500, order: { _key: 'asc' } } } },
    });
    const anno = annotationBody('cluster:prod', RANGE) as any;
    expect(anno.size).toBe(10000);
    expect(anno.query.bool.filter[0].bool.minimum_should_match).toBe(1);
  });

  it('formats variables the way Grafana does for Lucene', () => {
    expect(luceneFormat('orders-app')).toBe('orders\\-app');
    expect(luceneFormat('42')).toBe('42');
    expect(luceneFormat(['a b', 'c'])).toBe('("a\\ b" OR "c")');
    expect(interpolate('cluster:$cluster AND group:${group}', { cluster: { all: true }, group: ['x'] })).toBe('cluster:* AND group:x');
  });
});

describe('grafana frames', () => {
  it('names time series from the alias and keeps labels only for alerting', () => {
    const response = {
      aggregations: {
        '2': { buckets: [{ key: 'orders', doc_count: 2, '3': { buckets: [{ key: 1000, doc_count: 1, '1': { value: 5 } }, { key: 2000, doc_count: 0, '1': { value: null } }] } }] },
      },
    };
    const [dash] = toFrames(DOC_TARGET, response, false);
    expect(dash).toMatchObject({ kind: 'series', name: 'orders', labels: {}, times: [1000, 2000], values: [5, null] });
    const [alert] = toFrames({ ...DOC_TARGET, alias: undefined } as unknown as EsTarget, response, true);
    expect(alert).toMatchObject({ name: 'orders', labels: { group: 'orders' } });
  });

  it('terms-only targets give one table, metric columns named as the plugin names them', () => {
    const t: EsTarget = {
      ...DOC_TARGET,
      metrics: [
        { id: '1', type: 'max', field: 'lag' },
        { id: '2', type: 'max', field: '@timestamp' },
        { id: '3', type: 'min', field: '@timestamp' },
        { id: '4', type: 'cardinality', field: 'partition' },
      ],
      bucketAggs: [{ id: '5', type: 'terms', field: 'group', settings: { size: '10', order: 'asc', orderBy: '_term', min_doc_count: '1' } }],
    };
    const [table] = toFrames(t, { aggregations: { '5': { buckets: [{ key: 'g', doc_count: 3, '1': { value: 7 }, '2': { value: 9 }, '3': { value: 1 }, '4': { value: 2 } }] } } }, false);
    expect(table).toEqual({ kind: 'table', columns: ['group', 'Max lag', 'Max @timestamp', 'Min', 'Unique Count'], rows: [['g', 7, 9, 1, 2]] });
  });
});

describe('grafana go templates', () => {
  it('renders the constructs Warren uses', () => {
    const r = new Renderer({ missingKey: 'default' });
    const src = '{{ define "t" }}{{ range .Items }}{{ if eq .S "a" }}A{{ else if eq .S "b" }}B{{ else }}?{{ end }}{{ with .L.x }}[{{ . }}]{{ end }}{{ end }}{{ end }}{{ template "t" . }}|{{ .Name | toUpper }}|{{ urlquery .Name }}|{{ printf "%.0f" .N }}|{{ len .Items }}';
    expect(r.render(src, { Items: [{ S: 'a', L: { x: 1 } }, { S: 'b', L: {} }, { S: 'c', L: {} }], Name: 'a b&c', N: 1204.6 })).toBe('A[1]B?|A B&C|a+b%26c|1205|3');
  });

  it('trims whitespace around {{- and -}}, and a missing key is an error in annotation mode', () => {
    expect(new Renderer({ missingKey: 'default' }).render('a  {{- "b" -}}  c', {})).toBe('abc');
    expect(() => new Renderer({ missingKey: 'error' }).render('{{ .Labels.nope }}', { Labels: {} })).toThrow(/no entry/);
    expect(new Renderer({ missingKey: 'default' }).render('{{ .Labels.nope }}', { Labels: {} })).toBe('<no value>');
  });

  it("humanizeDuration as Prometheus' template function writes a number of seconds", () => {
    expect(humanizeDuration(0)).toBe('0s');
    expect(humanizeDuration(42.5)).toBe('42.5s');
    expect(humanizeDuration(1.23456)).toBe('1.235s');
    expect(humanizeDuration(300)).toBe('5m 0s');
    expect(humanizeDuration(612.7)).toBe('10m 12s');
    expect(humanizeDuration(3 * 3600 + 62)).toBe('3h 1m 2s');
    expect(humanizeDuration(2 * 86_400 + 3600)).toBe('2d 1h 0m 0s');
    expect(humanizeDuration(-90)).toBe('-1m 30s');
    expect(humanizeDuration(0.25)).toBe('250ms');
    expect(humanizeDuration(0.0000012)).toBe('1.2us');
    expect(new Renderer({ missingKey: 'error' }).render('{{ humanizeDuration .V }}', { V: 900 })).toBe('15m 0s');
  });

  it('lists the fields a template reads', () => {
    const refs = parseTemplate('{{ $labels.group }} {{ with .Annotations.reason }}{{ . }}{{ end }}').refs;
    expect(refs).toEqual([{ base: '$labels', path: ['group'] }, { base: 'dot', path: ['Annotations', 'reason'] }]);
  });
});
