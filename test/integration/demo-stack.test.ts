// scripts/start.ts (`npm start`) for a bounded time on the real broker and Elasticsearch: it starts the Slack
// inbox, the demo and the collector, writes where to look, the collector's API shows every demo group in its
// scenario's status, the same statuses are in Elasticsearch, the provisioned Grafana alert rules fire for the
// bad groups and not for the healthy ones, and SIGTERM stops every process it started.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { Rule, RuleGroup } from '../../grafana/src/alerting.ts';
import { evaluateRule } from '../../grafana/src/replay/alerts.ts';
import { admin, eventually, uniqueName } from '../helpers/kafka.ts';
import { replayOn } from '../helpers/pipeline.ts';
import { esUrl, kafkaBrokers } from '../helpers/services.ts';

const ROOT = resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface GroupStatus {
  status: string;
  partitions: { status: string }[];
}

const EXPECTED: Record<string, { group: string; partition?: string }> = {
  healthy: { group: 'OK' },
  naive: { group: 'OK' },
  threads: { group: 'OK' },
  slow: { group: 'WARN', partition: 'WARN' },
  stalled: { group: 'ERR', partition: 'STALL' },
  stopped: { group: 'ERR', partition: 'STOP' },
  rewind: { group: 'ERR', partition: 'REWIND' },
};

const RULES = (parse(readFileSync(join(ROOT, 'grafana/provisioning/alerting/warren-rules.yaml'), 'utf8')) as { groups: RuleGroup[] }).groups.flatMap((g) => g.rules);
function rule(uid: string): Rule {
  const found = RULES.find((r) => r.uid === uid);
  if (!found) throw new Error(`no provisioned rule ${uid}`);
  return found;
}

const prefix = uniqueName('itstack');
const dir = mkdtempSync(join(tmpdir(), 'warren-stack-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await fetch(`${esUrl('es9')}/${prefix}-*`, { method: 'DELETE' }).catch(() => undefined);
  const client = admin(kafkaBrokers('kafka4'));
  await client.deleteGroups({ groups: Object.keys(EXPECTED).map((g) => `${prefix}-${g}`) }).catch(() => undefined);
  await client.deleteTopics({ topics: ['orders', 'payments', 'clicks'].map((t) => `${prefix}.${t}`) }).catch(() => undefined);
  await client.close();
});

describe('npm start (scripts/start.ts) without Docker', () => {
  it('brings the demo groups to their statuses in the API and Elasticsearch, fires the alert rules for the bad ones, and stops everything on SIGTERM', async () => {
    const [apiPort, inboxPort] = [await freePort(), await freePort()];
    const statusFile = join(dir, 'status.json');
    const child = spawn(
      process.execPath,
      ['scripts/start.ts', '--no-services', '--api-port', String(apiPort), '--inbox-port', String(inboxPort), '--prefix', prefix, '--run-dir', dir, '--status-file', statusFile, '--duration', '150'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers('kafka4').join(','),
          ELASTICSEARCH_URL: esUrl('es9'),
          WARREN_ELASTICSEARCH_PREFIX: prefix,
          // Short cycles and warm-up keep the test short; the statuses are the same as with the defaults.
          WARREN_COLLECTOR_INTERVAL: '1s',
          DEMO_WARMUP: '4',
          DEMO_SEED: '300',
          DEMO_METRICS_INTERVAL: '0',
        },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    try {
      await eventually('the stack to be up', () => existsSync(statusFile), 60_000, 250);
      const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { api: string; slackInbox: string; pids: Record<string, number>; groups: string[] };
      expect(status.api).toBe(`http://127.0.0.1:${apiPort}`);
      expect(Object.keys(status.pids).sort()).toEqual(['collector', 'demo', 'slack-inbox']);
      expect(output).toContain(`${status.api}/v3/kafka/demo/consumer`);
      expect(output).toContain(`http://127.0.0.1:${inboxPort}/`);
      expect((await fetch(status.slackInbox)).status).toBe(200);

      let last: Record<string, string> = {};
      await eventually(
        'every demo group in its scenario status',
        async () => {
          const seen: Record<string, string> = {};
          for (const [name, expected] of Object.entries(EXPECTED)) {
            const response = await fetch(`${status.api}/v3/kafka/demo/consumer/${prefix}-${name}/status`);
            if (!response.ok) {
              seen[name] = `HTTP ${response.status}`;
              continue;
            }
            const body = (await response.json()) as { status: GroupStatus };
            const partitions = [...new Set(body.status.partitions.map((p) => p.status))].join('+');
            seen[name] = `${body.status.status}${partitions ? `/${partitions}` : ''}`;
            const ok = body.status.status === expected.group && (expected.partition === undefined || body.status.partitions.some((p) => p.status === expected.partition));
            if (!ok) seen[name] += ' (waiting)';
          }
          last = seen;
          return Object.values(seen).every((s) => !s.includes('waiting') && !s.startsWith('HTTP')) ? seen : false;
        },
        75_000,
        1000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nlast seen: ${JSON.stringify(last)}\n${output.slice(-3000)}`);
      });

      // The same statuses in Elasticsearch, as the sink wrote them (newest group document of each group).
      const es = new Client({ node: esUrl('es9') });
      try {
        await eventually(
          'the group documents in Elasticsearch to agree with the API',
          async () => {
            await es.indices.refresh({ index: `${prefix}-*` });
            for (const [name, expected] of Object.entries(EXPECTED)) {
              const found = await es.search<{ status: string }>({
                index: `${prefix}-group-*`,
                size: 1,
                sort: [{ '@timestamp': 'desc' }],
                query: { term: { group: `${prefix}-${name}` } },
              });
              if (found.hits.hits[0]?._source?.status !== expected.group) return false;
            }
            return true;
          },
          30_000,
          1000,
        );

        // Grafana's alert rules, evaluated as Grafana would at the start of the next minute (whose newest
        // complete minute is the current one): the bad groups fire, the healthy ones do not.
        const replay = replayOn(es, prefix);
        const at = Math.floor(Date.now() / 60_000) * 60_000 + 65_000;
        const firing = async (uid: string) => {
          const evaluation = await evaluateRule(rule(uid), replay.indexOf, replay.search, at);
          expect(evaluation.error, uid).toBeNull();
          return new Set(evaluation.instances.filter((i) => i.state === 'Alerting').map((i) => i.labels.group!.slice(prefix.length + 1)));
        };
        const err = await firing('warren-group-err');
        for (const name of ['stalled', 'stopped', 'rewind']) expect(err.has(name), `ERR rule for ${name}`).toBe(true);
        for (const name of ['healthy', 'naive', 'threads', 'slow']) expect(err.has(name), `ERR rule for ${name}`).toBe(false);
        const stopStall = await firing('warren-partition-stop-stall');
        for (const name of ['stalled', 'stopped']) expect(stopStall.has(name), `STOP/STALL rule for ${name}`).toBe(true);
        for (const name of ['healthy', 'naive', 'threads', 'slow']) expect(stopStall.has(name), `STOP/STALL rule for ${name}`).toBe(false);
      } finally {
        await es.close();
      }

      child.kill('SIGTERM');
      expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 40_000))])).toBe(0);
      expect(output).toContain('Stopped.');
      for (const [name, pid] of Object.entries(status.pids)) expect(alive(pid), `${name} (${pid}) is gone`).toBe(false);
    } finally {
      // After a failure: let start.ts stop what it started, then make sure nothing it started outlives the test.
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
        if (code === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
      if (existsSync(statusFile)) {
        const { pids } = JSON.parse(readFileSync(statusFile, 'utf8')) as { pids: Record<string, number> };
        for (const pid of Object.values(pids)) if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  }, 180_000);
});
