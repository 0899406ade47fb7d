import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envName, loadConfig, parseConfig } from '../../collector/config.ts';

const minimal = 'clusters:\n  prod:\n    brokers: [kafka1:9092]\n';

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills defaults: interval 30 s, 10 intervals, 7 days expiry, Burrow rule defaults, 60 s rebalance grace', () => {
    const config = parseConfig(minimal, 'test.yaml', {});
    expect(config.collector).toEqual({
      interval: 30_000,
      intervals: 10,
      expireGroup: 604_800_000,
      allowedLag: 0,
      minimumComplete: 0,
      rebalanceGrace: 60_000,
      logEndHistory: 120,
      eventsPerGroup: 50,
    });
    expect(config.collector.stopAfter).toBeUndefined();
    expect(config.clusters.prod!.clientId).toBe('warren');
    expect(config.clusters.prod!.requestTimeout).toBe(10_000);
  });

  it('takes durations as seconds or with a unit', () => {
    const config = parseConfig(`collector:\n  interval: 5s\n  expireGroup: 2d\n${minimal}`, 't', {});
    expect(config.collector.interval).toBe(5000);
    expect(config.collector.expireGroup).toBe(2 * 86_400_000);
  });

  it('lets an environment variable override every key, including inside a cluster', () => {
    const config = parseConfig(minimal, 't', {
      WARREN_COLLECTOR_INTERVAL: '10',
      WARREN_COLLECTOR_ALLOWED_LAG: '3',
      WARREN_CLUSTERS_PROD_BROKERS: 'a:1, b:2',
      WARREN_CLUSTERS_PROD_TLS_ENABLED: 'true',
      WARREN_LOGGING_LEVEL: 'debug',
    });
    expect(config.collector.interval).toBe(10_000);
    expect(config.collector.allowedLag).toBe(3);
    expect(config.clusters.prod!.brokers).toEqual(['a:1', 'b:2']);
    expect(config.clusters.prod!.tls.enabled).toBe(true);
    expect(config.logging.level).toBe('debug');
  });

  it('names variables in UPPER_SNAKE_CASE', () => {
    expect(envName(['collector', 'expireGroup'])).toBe('WARREN_COLLECTOR_EXPIRE_GROUP');
    expect(envName(['clusters', 'prod-eu', 'sasl', 'password'])).toBe('WARREN_CLUSTERS_PROD_EU_SASL_PASSWORD');
  });

  it('takes the SASL password from the environment', () => {
    const config = parseConfig(`${minimal}    sasl:\n      mechanism: SCRAM-SHA-512\n      username: warren\n`, 't', { WARREN_CLUSTERS_PROD_SASL_PASSWORD: 's3cret' });
    expect(config.clusters.prod!.sasl).toMatchObject({ username: 'warren', password: 's3cret' });
  });

  it('refuses an unknown key, naming it', () => {
    const message = error(() => parseConfig(`${minimal}    brokerz: [x:1]\n`, 'bad.yaml', {}));
    expect(message).toContain('bad.yaml');
    expect(message).toContain('clusters.prod');
    expect(message).toContain('brokerz');
  });

  it('refuses a bad value, naming the key, the value and what is expected', () => {
    const message = error(() => parseConfig('clusters:\n  prod:\n    brokers: [kafka1]\n', 't', {}));
    expect(message).toContain('clusters.prod.brokers[0] = "kafka1"');
    expect(message).toContain('expected host:port');
  });

  it('says which variable a bad value came from', () => {
    const message = error(() => parseConfig(minimal, 't', { WARREN_COLLECTOR_INTERVALS: 'ten' }));
    expect(message).toContain('collector.intervals = "ten"');
    expect(message).toContain('WARREN_COLLECTOR_INTERVALS');
  });

  it('never echoes a secret in an error', () => {
    const message = error(() => parseConfig(`${minimal}    sasl:\n      mechanism: MD5\n      username: u\n      password: hunter2\n`, 't', {}));
    expect(message).toContain('clusters.prod.sasl.mechanism');
    expect(message).not.toContain('hunter2');
  });

  it('reports malformed YAML as such', () => {
    expect(error(() => parseConfig('clusters: [\n', 'broken.yaml', {}))).toMatch(/^malformed YAML in broken.yaml/);
  });

  it('needs at least one cluster', () => {
    expect(error(() => parseConfig('clusters: {}\n', 't', {}))).toContain('at least one cluster');
  });

  it('reports a missing file by name', () => {
    expect(error(() => loadConfig('/nonexistent/warren.yaml'))).toContain('/nonexistent/warren.yaml');
  });

  it('loads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-config-'));
    const file = join(dir, 'warren.yaml');
    writeFileSync(file, minimal);
    expect(Object.keys(loadConfig(file, {}).clusters)).toEqual(['prod']);
  });
});
