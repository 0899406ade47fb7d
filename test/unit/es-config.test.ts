// The sink's config: defaults, the index prefix check (errors name the key), credentials from files, a
// loggable copy without secrets; and the template bodies and retention's choice of indices.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ElasticsearchConfigError,
  elasticsearchConfigSchema,
  indexPrefixProblem,
  parseElasticsearchConfig,
  redactConfig,
  resolveAuth,
} from '../../collector/sinks/elasticsearch-config.ts';
import { backoff, bulkBody, decodeEntry, encodeEntry } from '../../collector/sinks/bulk.ts';
import { expiredIndices, parseIndexName } from '../../collector/sinks/retention.ts';
import { DocumentBuilder } from '../../collector/sinks/documents.ts';
import { DOC_KINDS, TEMPLATE_VERSION, mappingOf, templateSet } from '../../elasticsearch/templates.ts';
import { sampleReport, statusChange } from '../../elasticsearch/sample-reports.ts';

describe('Elasticsearch sink config', () => {
  it('has a default for every key', () => {
    const config = parseElasticsearchConfig({});
    expect(config).toMatchObject({
      urls: ['http://127.0.0.1:9200'],
      prefix: 'warren',
      replicas: 'auto',
      batch: { maxDocs: 5000, maxBytes: 5 * 1024 * 1024 },
      flushInterval: 1000,
      requestTimeout: 30_000,
      spool: { dir: 'data/elasticsearch-spool', maxBytes: 256 * 1024 * 1024, segmentBytes: 16 * 1024 * 1024, fsync: 'batch' },
      retry: { initialDelay: 200, maxDelay: 30_000, itemAttempts: 12 },
      retention: { schedule: '15 * * * *', days: { partition: 7, group: 30, event: 90, heartbeat: 14 } },
      partitionDocs: 'all',
      fullSnapshotEvery: 10,
      manageTemplates: true,
    });
    // The schema alone (as embedded in Warren's config) gives the same.
    expect(elasticsearchConfigSchema.parse({})).toEqual(config);
  });

  it('reads sizes and durations with units', () => {
    const config = parseElasticsearchConfig({ spool: { maxBytes: '1gb', segmentBytes: '512kb' }, batch: { maxBytes: 1048576 }, flushInterval: '250ms', requestTimeout: 5 });
    expect(config.spool.maxBytes).toBe(1024 ** 3);
    expect(config.spool.segmentBytes).toBe(512 * 1024);
    expect(config.batch.maxBytes).toBe(1048576);
    expect(config.flushInterval).toBe(250);
    expect(config.requestTimeout).toBe(5000);
  });

  it.each([
    ['Warren', /elasticsearch\.prefix: "Warren" is not a valid index prefix: it must be lowercase/],
    ['war ren', /elasticsearch\.prefix: .* must not contain spaces/],
    ['war*ren', /elasticsearch\.prefix: .* must not contain "\*"/],
    ['a/b', /elasticsearch\.prefix: .* must not contain "\/"/],
    ['a\\b', /elasticsearch\.prefix: .* must not contain "\\\\"/],
    ['a?b', /elasticsearch\.prefix/],
    ['a"b', /elasticsearch\.prefix/],
    ['a<b', /elasticsearch\.prefix/],
    ['a>b', /elasticsearch\.prefix/],
    ['a|b', /elasticsearch\.prefix/],
    ['a,b', /elasticsearch\.prefix/],
    ['a#b', /elasticsearch\.prefix/],
    ['a:b', /elasticsearch\.prefix/],
    ['-warren', /elasticsearch\.prefix: .* must not start with "-", "_" or "\+"/],
    ['_warren', /must not start with/],
    ['+warren', /must not start with/],
    ['', /elasticsearch\.prefix: .* must not be empty/],
    ['.warren', /must not start with "\."/],
  ])('refuses the index prefix %j with an error naming the key', (prefix, message) => {
    expect(() => parseElasticsearchConfig({ prefix })).toThrow(ElasticsearchConfigError);
    expect(() => parseElasticsearchConfig({ prefix })).toThrow(message);
  });

  it('accepts ordinary prefixes', () => {
    for (const prefix of ['warren', 'lag-prod', 'team_a.kafka', 'w2']) expect(indexPrefixProblem(prefix)).toBeNull();
  });

  it('names the key of every other mistake', () => {
    const bad = (input: unknown) => {
      try {
        parseElasticsearchConfig(input);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(bad({ urls: ['http://user:secret@es:9200'] })).toMatch(/elasticsearch\.urls\[0\]: credentials do not belong in the URL/);
    expect(bad({ urls: ['http://user:secret@es:9200'] })).not.toContain('secret');
    expect(bad({ urls: ['ftp://es'] })).toMatch(/elasticsearch\.urls\[0\]: expected an http/);
    expect(bad({ auth: { username: 'u' } })).toMatch(/elasticsearch\.auth\.password: basic auth needs password or passwordFile/);
    expect(bad({ auth: { username: 'u', password: 'p', apiKey: 'k' } })).toMatch(/elasticsearch\.auth: use either basic auth/);
    expect(bad({ partitionDocs: 'some' })).toMatch(/elasticsearch\.partitionDocs/);
    expect(bad({ retention: { schedule: 'every day' } })).toMatch(/elasticsearch\.retention\.schedule: expected a cron expression/);
    expect(bad({ spool: { maxBytes: '12 parsecs' } })).toMatch(/elasticsearch\.spool\.maxBytes: expected a size/);
    expect(bad({ replicas: -1 })).toMatch(/elasticsearch\.replicas/);
    expect(bad({ unknownKey: 1 })).toMatch(/unknown key: unknownKey/);
  });

  it('reads credentials from files and keeps secrets out of the loggable copy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-secret-'));
    try {
      writeFileSync(join(dir, 'password'), 'file-secret-123\n');
      writeFileSync(join(dir, 'key'), 'a2V5LWlkOmtleS1zZWNyZXQ=\n');
      const basic = parseElasticsearchConfig({ auth: { username: 'warren', passwordFile: join(dir, 'password') } });
      expect(resolveAuth(basic.auth)).toEqual({ username: 'warren', password: 'file-secret-123' });
      const key = parseElasticsearchConfig({ auth: { apiKeyFile: join(dir, 'key') } });
      expect(resolveAuth(key.auth)).toEqual({ apiKey: 'a2V5LWlkOmtleS1zZWNyZXQ=' });
      expect(() => resolveAuth(parseElasticsearchConfig({ auth: { apiKeyFile: join(dir, 'missing') } }).auth)).toThrow(/elasticsearch\.auth\.apiKeyFile: cannot read .*missing: ENOENT/);

      const inline = parseElasticsearchConfig({ auth: { username: 'warren', password: 'inline-secret-456' } });
      const text = JSON.stringify(redactConfig(inline));
      expect(text).not.toContain('inline-secret-456');
      expect(text).toContain('"password":"[redacted]"');
      expect(JSON.stringify(redactConfig(parseElasticsearchConfig({ auth: { apiKey: 'api-secret-789' } })))).not.toContain('api-secret-789');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bulk bodies and backoff', () => {
  it('encodes spool entries and builds `create` actions with the deterministic id', () => {
    const entry = encodeEntry('warren-group-2026.11.25', 'AaISk7YAJ8reLJaZdCuy', '{"a":"tab\\there"}');
    expect(decodeEntry(entry)).toEqual({ index: 'warren-group-2026.11.25', id: 'AaISk7YAJ8reLJaZdCuy', source: '{"a":"tab\\there"}' });
    expect(decodeEntry('no tabs')).toBeNull();
    const body = bulkBody([decodeEntry(entry)!]);
    expect(body).toBe('{"create":{"_index":"warren-group-2026.11.25","_id":"AaISk7YAJ8reLJaZdCuy"}}\n{"a":"tab\\there"}\n');
    expect(body.split('\n').slice(0, 2).map((line) => JSON.parse(line))).toBeTruthy();
  });

  it('backs off exponentially with jitter, up to the maximum', () => {
    const policy = { initialDelay: 100, maxDelay: 5000, itemAttempts: 5 };
    expect(backoff(policy, 0, () => 0)).toBe(50);
    expect(backoff(policy, 0, () => 1)).toBe(100);
    expect(backoff(policy, 3, () => 1)).toBe(800);
    expect(backoff(policy, 3, () => 0)).toBe(400);
    expect(backoff(policy, 20, () => 1)).toBe(5000);
    expect(backoff(policy, 1000, () => 0.5)).toBe(3750);
  });
});

describe('index templates', () => {
  it('maps every field of every document kind explicitly, with the intended types', () => {
    const builder = new DocumentBuilder({ prefix: 'warren', partitionDocs: 'all', fullSnapshotEvery: 1 });
    const report = sampleReport({ cluster: 'c', groups: 1, topicsPerGroup: 1, partitionsPerTopic: 1, at: Date.UTC(2026, 10, 25), cycle: 3 });
    const { docs } = builder.build(report, [statusChange('c', 'group-0000', Date.UTC(2026, 10, 25), 'OK', 'WARN')]);
    const sinkFields = ['spool_bytes', 'docs_indexed_total', 'bulk_failures_total', 'docs_dropped_total', 'docs_dead_lettered_total', 'docs_refused_total'];
    for (const kind of DOC_KINDS) {
      const properties = (mappingOf(kind) as { properties: Record<string, { type: string }> }).properties;
      const doc = docs.find((d) => d.kind === kind)!.doc;
      const fields = [...Object.keys(doc), ...(kind === 'heartbeat' ? sinkFields : [])];
      for (const field of fields) expect(properties[field], `${kind}.${field}`).toBeDefined();
      // No mapped field that documents never have (aliases aside).
      for (const [field, mapping] of Object.entries(properties)) if (mapping.type !== 'alias') expect(fields, `${kind}.${field}`).toContain(field);
    }
    const partition = (mappingOf('partition') as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(partition['@timestamp']).toEqual({ type: 'date' });
    for (const name of ['cluster', 'group', 'topic', 'status', 'owner', 'client_id', 'member_id', 'reason']) expect(partition[name]!.type).toBe('keyword');
    for (const name of ['committed_offset', 'log_end_offset', 'lag']) expect(partition[name]!.type).toBe('long');
    expect(partition.status_code!.type).toBe('byte');
    expect(partition.partition!.type).toBe('integer');
    expect(partition.complete!.type).toBe('half_float');
    expect(partition.reason_detail).toEqual({ type: 'keyword', index: false, doc_values: false });
    expect(mappingOf('partition')).toMatchObject({ dynamic: false });
  });

  it('composes Warren-owned and user-owned component templates, user last', () => {
    const set = templateSet({ prefix: 'lag', replicas: 1, refreshInterval: '10s' });
    expect([...set.components.keys()]).toEqual(['lag-settings', 'lag-partition-mappings', 'lag-group-mappings', 'lag-event-mappings', 'lag-heartbeat-mappings']);
    expect([...set.custom.keys()]).toEqual(['lag@custom', 'lag-partition@custom', 'lag-group@custom', 'lag-event@custom', 'lag-heartbeat@custom']);
    expect(set.indexTemplates.get('lag-partition')).toMatchObject({
      index_patterns: ['lag-partition-*'],
      priority: 200,
      composed_of: ['lag-settings', 'lag-partition-mappings', 'lag@custom', 'lag-partition@custom'],
      version: TEMPLATE_VERSION,
      _meta: { managed_by: 'warren' },
    });
    expect(set.components.get('lag-settings')).toMatchObject({
      template: { settings: { index: { number_of_shards: 1, number_of_replicas: 1, auto_expand_replicas: false, codec: 'best_compression', refresh_interval: '10s' } } },
    });
    const auto = templateSet({ prefix: 'lag', replicas: 'auto', refreshInterval: '10s' });
    expect(auto.components.get('lag-settings')).toMatchObject({ template: { settings: { index: { auto_expand_replicas: '0-1' } } } });
    // The hash follows the content: a settings change is an upgrade, the mappings stay the same.
    const hash = (s: typeof set, name: string) => (s.components.get(name)!._meta as { warren_hash: string }).warren_hash;
    expect(hash(set, 'lag-settings')).not.toBe(hash(auto, 'lag-settings'));
    expect(hash(set, 'lag-group-mappings')).toBe(hash(auto, 'lag-group-mappings'));
  });
});

describe('retention', () => {
  const days = { partition: 7, group: 30, event: 0, heartbeat: 1 };
  it('reads only its own index names', () => {
    expect(parseIndexName('warren', 'warren-partition-2026.11.25')).toEqual({ kind: 'partition', day: Date.UTC(2026, 10, 25) });
    expect(parseIndexName('warren', 'warren-x-partition-2026.11.25')).toBeNull();
    expect(parseIndexName('warren', 'warren-partition-2026.11.25-restored')).toBeNull();
    expect(parseIndexName('warren', 'warren-partition-2026.02.31')).toBeNull();
    expect(parseIndexName('warren', 'other-partition-2026.11.25')).toBeNull();
    expect(parseIndexName('a.b', 'axb-group-2026.11.25')).toBeNull();
  });

  it('deletes a kind’s indices older than its days, keeps today and 0 = forever', () => {
    const now = Date.UTC(2026, 10, 25, 3, 0);
    const names = [
      'warren-partition-2026.11.25',
      'warren-partition-2026.11.18',
      'warren-partition-2026.11.17',
      'warren-partition-2025.01.01',
      'warren-group-2026.10.26',
      'warren-group-2026.10.25',
      'warren-event-2020.01.01',
      'warren-heartbeat-2026.11.24',
      'warren-heartbeat-2026.11.23',
      'warren-x-partition-2020.01.01',
      'warren-partition-2020.01.01-keep',
    ];
    expect(expiredIndices('warren', names, days, now)).toEqual([
      'warren-group-2026.10.25',
      'warren-heartbeat-2026.11.23',
      'warren-partition-2025.01.01',
      'warren-partition-2026.11.17',
    ]);
  });
});
