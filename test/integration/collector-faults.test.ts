// Security and faults on real brokers: SCRAM with credentials from the environment, a wrong password, a broker
// stopped and restarted under a running collector, and the CLI's answers to bad input.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { parseConfig } from '../../collector/config.ts';
import { createLogger } from '../../collector/logger.ts';
import { admin, commit, createTopic, eventually, produce, uniqueName } from '../helpers/kafka.ts';
import { kafkaBrokers, kafkaSaslBrokers } from '../helpers/services.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'collector/cli.ts');
const SERVICES = join(ROOT, 'scripts/services.sh');
const run = promisify(execFile);

/** A logger whose JSON lines are kept for inspection. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

describe('SASL/SCRAM', () => {
  const password = process.env.WARREN_TEST_SASL_PASSWORD ?? 'warren-test-secret';
  const yaml = (brokers: string[]) => `clusters:\n  secure:\n    brokers: [${brokers.join(', ')}]\n    sasl:\n      mechanism: SCRAM-SHA-512\n      username: warren\n`;

  it('reads the cluster with the password from the environment, and never logs it', async () => {
    const config = parseConfig(yaml(kafkaSaslBrokers()), 'test', { WARREN_CLUSTERS_SECURE_SASL_PASSWORD: password });
    const { logger, lines } = capturingLogger();
    const collector = new Collector({ config, logger });
    try {
      const { report } = await collector.runCycle('secure');
      expect(report.errors).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      await collector.stop();
    }
    logger.info({ config }, 'config as loaded');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('\n')).not.toContain(password);
  });

  it('a wrong password fails with a clear error naming the cluster, and the password is in no log line', async () => {
    const wrong = 'not-the-password-42';
    const config = parseConfig(yaml(kafkaSaslBrokers()), 'test', { WARREN_CLUSTERS_SECURE_SASL_PASSWORD: wrong });
    const { logger, lines } = capturingLogger();
    const collector = new Collector({ config, logger });
    try {
      const { report } = await collector.runCycle('secure');
      expect(report.ok).toBe(false);
      expect(report.errors[0]!.message).toMatch(/SASL|authentication/i);
    } finally {
      await collector.stop();
    }
    const failing = lines.map((line) => JSON.parse(line) as { msg: string; cluster?: string }).find((l) => l.msg.includes('is failing'));
    expect(failing?.msg).toMatch(/^cluster secure is failing: .*(SASL|authentication)/i);
    expect(failing?.cluster).toBe('secure');
    expect(lines.join('\n')).not.toContain(wrong);
  });
});

describe('a broker stopped and restarted during a run', () => {
  let brokers: string[];
  beforeAll(() => {
    execFileSync(SERVICES, ['start', 'kafkafault'], { stdio: ['ignore', 'ignore', 'inherit'] });
    brokers = ['127.0.0.1:49092'];
  });
  afterAll(() => {
    execFileSync(SERVICES, ['stop', 'kafkafault'], { stdio: ['ignore', 'ignore', 'inherit'] });
  });

  it('logs the cluster as failing, keeps serving its last state, and recovers by itself', async () => {
    const client = admin(brokers);
    const topic = uniqueName('fault');
    const group = uniqueName('fault-group');
    await createTopic(client, topic, 1);
    await produce(brokers, topic, [0], 10);
    await commit(client, group, topic, { 0: 4 });
    await client.close();

    const { logger, lines } = capturingLogger();
    const config = parseConfig(`collector:\n  interval: 500ms\nclusters:\n  flaky:\n    brokers: [${brokers[0]}]\n    requestTimeout: 2s\n    connectTimeout: 1s\n`, 'test', {});
    const collector = new Collector({ config, logger });
    collector.start();
    try {
      await eventually('a first good cycle', () => collector.state.lastCycle('flaky')?.ok && collector.state.groupReport('flaky', group));
      execFileSync(SERVICES, ['stop', 'kafkafault'], { stdio: ['ignore', 'ignore', 'inherit'] });
      await eventually('a failed cycle', () => collector.state.lastCycle('flaky')?.ok === false, 60_000);
      expect(lines.some((l) => l.includes('cluster flaky is failing'))).toBe(true);
      // The last known state is still served while the cluster is down.
      expect(collector.state.groupReport('flaky', group)!.result.totallag).toBe(6);
      expect(collector.state.ready()).toBe(true);

      execFileSync(SERVICES, ['start', 'kafkafault'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SERVICES_KEEP_DATA: '1' } });
      await eventually('recovery without a restart', () => collector.state.lastCycle('flaky')?.ok === true, 90_000);
      expect(lines.some((l) => l.includes('cluster flaky recovered'))).toBe(true);
      const report = await eventually('the group after the restart', () => collector.state.groupReport('flaky', group));
      expect(report.details[0]!.committed).toBe(4);
    } finally {
      await collector.stop();
    }
  });
});

describe('bad input to the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warren-cli-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const fail = (args: string[]) => run(process.execPath, [CLI, ...args], { timeout: 60_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );

  it('a wrong bootstrap address: exit 1, the cluster and address named', async () => {
    const { code, stderr } = await fail(['describe', '--bootstrap-server', '127.0.0.1:1', '--group', 'g']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^warren: cluster default \(127\.0\.0\.1:1\): .*(ECONNREFUSED|connect)/);
  });

  it('a bad config key: exit 2, the key named', async () => {
    const path = file('bad-key.yaml', `clusters:\n  prod:\n    brokers: [${kafkaBrokers('kafka4')[0]}]\n    brokerz: [x:1]\n`);
    const { code, stderr } = await fail(['run', '--config', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`invalid configuration in ${path}`);
    expect(stderr).toContain('brokerz');
  });

  it('a malformed YAML file: exit 2, said so', async () => {
    const path = file('broken.yaml', 'clusters:\n  prod: [\n');
    const { code, stderr } = await fail(['check-config', '--config', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(`malformed YAML in ${path}`);
  });

  it('a missing config file: exit 2, the file named', async () => {
    const { code, stderr } = await fail(['run', '--config', join(dir, 'nope.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toContain('nope.yaml');
  });

  it('an unknown command or option: exit 2 with help', async () => {
    expect((await fail(['frobnicate'])).code).toBe(2);
    expect((await fail(['describe', '--group'])).code).toBe(2);
  });
});
