// Faults, against real Elasticsearch 8.19 and 9.x: Elasticsearch gone for several cycles and back (through a
// TCP relay the test cuts), unreachable at start and a restart of the sink with a full spool, a spool that
// overflows, bad config. Then auth and TLS against a throwaway Elasticsearch 8.19 with security and HTTPS
// (the integ-test zip carries x-pack-security): right and wrong passwords and API keys, a custom CA, and no
// secret in any log line.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ElasticsearchConfigError,
  createElasticsearchSink,
  parseElasticsearchConfig,
  type ElasticsearchConfigInput,
  type ElasticsearchSink,
} from '../../collector/sinks/elasticsearch.ts';
import type { CycleReport } from '../../collector/types.ts';
import { countDocs } from '../../elasticsearch/admin.ts';
import { sampleReport } from '../../elasticsearch/sample-reports.ts';
import { SinkRig, capture } from '../helpers/es-sinks.ts';
import { ES_VERSIONS, esUrl } from '../helpers/services.ts';

const AT = Date.UTC(2026, 10, 25, 12, 0, 0);
const CLOSED_PORT = 'http://127.0.0.1:1';

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** Documents of one cycle report: partitions + groups + heartbeat. */
const docsOf = (report: CycleReport) => report.partitionCount + report.groups.length + 1;

const cycleReport = (cycle: number, groups = 3) => sampleReport({ cluster: 'prod', groups, topicsPerGroup: 2, partitionsPerTopic: 3, at: AT + cycle * 30_000, cycle });

/** A TCP relay to Elasticsearch that the test can cut and restore on the same port. */
async function relay(target: string): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(to.port), to.hostname);
        sockets.add(client).add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.pipe(upstream).on('error', end).on('close', end);
        upstream.pipe(client).on('error', end).on('close', end);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    cut: () =>
      new Promise<void>((resolve) => {
        const s = server!;
        server = null;
        s.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      }),
    restore: listen,
  };
}

describe.each(ES_VERSIONS)('Elasticsearch sink faults on %s', (es) => {
  let url: string;
  let admin: Client;
  const rig = new SinkRig(`wft-${es}`);

  beforeAll(async () => {
    url = esUrl(es);
    admin = new Client({ node: url });
    await admin.cluster.health({ wait_for_status: 'yellow', timeout: '60s' });
  });
  afterEach(() => rig.closeAll());
  afterAll(async () => {
    await rig.cleanup(admin);
    await admin.close();
  });

  const newPrefix = (name: string) => rig.newPrefix(name);
  const newDir = () => rig.newDir();
  function sink(prefix: string, logger: Logger, dir: string, extra: ElasticsearchConfigInput = {}): ElasticsearchSink {
    return rig.open(
      { urls: [url], prefix, flushInterval: '20ms', closeTimeout: '3s', retry: { initialDelay: '50ms', maxDelay: '400ms' }, ...extra, spool: { dir, ...extra.spool } },
      logger,
    );
  }
  const closeSink = (s: ElasticsearchSink) => rig.close(s);
  /** Documents per @timestamp of a kind, as Elasticsearch has them. */
  async function perCycle(prefix: string, kind: string): Promise<Map<number, number>> {
    await admin.indices.refresh({ index: `${prefix}-${kind}-*` });
    const response = await admin.search({ index: `${prefix}-${kind}-*`, size: 0, aggs: { t: { terms: { field: '@timestamp', size: 1000 } } } });
    return new Map((response.aggregations!.t as { buckets: { key: number; doc_count: number }[] }).buckets.map((b) => [b.key, b.doc_count]));
  }

  it('keeps collecting while Elasticsearch is gone for several cycles, then sends every document exactly once', async () => {
    const prefix = newPrefix('outage');
    const cut = await relay(url);
    const { logger, lines } = capture();
    const s = sink(prefix, logger, newDir(), { urls: [cut.url] });
    const reports: CycleReport[] = [];
    const write = (cycle: number) => {
      const report = cycleReport(cycle);
      reports.push(report);
      const started = performance.now();
      s.write(report, []);
      return performance.now() - started;
    };
    write(0);
    write(1);
    expect(await s.flush()).toBe(true);

    await cut.cut();
    for (let cycle = 2; cycle < 7; cycle++) {
      expect(write(cycle)).toBeLessThan(100); // never waits for Elasticsearch
      await new Promise((r) => setTimeout(r, 150));
    }
    await until('the sink to notice', () => s.stats().state === 'unreachable' && s.stats().bulkFailures > 0);
    expect(s.stats().spoolDocs).toBe(reports.slice(2).reduce((n, r) => n + docsOf(r), 0));
    expect(lines.join('\n')).toMatch(/sending documents failed: .*; \d+ documents wait in the spool .*collection goes on/);

    await cut.restore();
    write(7);
    expect(await s.flush(60_000)).toBe(true);
    expect(lines.join('\n')).toMatch(/Elasticsearch is reachable again/);
    const stats = s.stats();
    const total = reports.reduce((n, r) => n + docsOf(r), 0);
    expect(stats).toMatchObject({ docsDropped: 0, docsDeadLettered: 0, spoolDocs: 0, state: 'connected' });
    expect(stats.docsIndexed + stats.docsDuplicate).toBe(total);
    // Every cycle exactly once: per timestamp, the cycle's partitions; in total, every document.
    const partitions = await perCycle(prefix, 'partition');
    expect(partitions).toEqual(new Map(reports.map((r) => [r.startedAt, r.partitionCount])));
    expect(await countDocs(admin, `${prefix}-*`)).toBe(total);
    expect(await countDocs(admin, `${prefix}-heartbeat-*`)).toBe(8);
  });

  it('spools while Elasticsearch is unreachable at start, and after a restart sends it all, once', async () => {
    const prefix = newPrefix('restart');
    const dir = newDir();
    const { logger, lines } = capture();
    const down = sink(prefix, logger, dir, { urls: [CLOSED_PORT] });
    const reports = [0, 1, 2, 3].map((cycle) => cycleReport(cycle));
    for (const report of reports) down.write(report, []);
    const total = reports.reduce((n, r) => n + docsOf(r), 0);
    await until('the sink to report the failure', () => down.stats().state === 'unreachable');
    expect(down.stats()).toMatchObject({ spoolDocs: total, docsSpooled: total, templatesReady: false, docsIndexed: 0 });
    expect(down.stats().lastError).toMatch(/cannot reach Elasticsearch: .*ECONNREFUSED/);
    expect(lines.join('\n')).toMatch(/installing index templates failed: cannot reach Elasticsearch/);
    const closing = performance.now();
    await closeSink(down);
    expect(performance.now() - closing).toBeLessThan(3000);
    expect(lines.at(-1)).toMatch(new RegExp(`${total} documents stay in the spool for the next start`));

    const replay = newDir();
    cpSync(dir, replay, { recursive: true });

    const { logger: logger2, lines: lines2 } = capture();
    const up = sink(prefix, logger2, dir);
    expect(lines2.join('\n')).toMatch(new RegExp(`holding ${total} documents from before the restart`));
    expect(await up.flush(60_000)).toBe(true);
    expect(up.stats()).toMatchObject({ docsIndexed: total, docsDuplicate: 0, docsDropped: 0 });
    expect(await perCycle(prefix, 'partition')).toEqual(new Map(reports.map((r) => [r.startedAt, r.partitionCount])));
    expect(await countDocs(admin, `${prefix}-*`)).toBe(total);
    await closeSink(up);

    // The same spool sent a second time (a crash before the cursor was saved): nothing is stored twice.
    const again = sink(prefix, capture().logger, replay);
    expect(await again.flush(60_000)).toBe(true);
    expect(again.stats()).toMatchObject({ docsIndexed: 0, docsDuplicate: total });
    expect(await countDocs(admin, `${prefix}-*`)).toBe(total);
  });

  it('when the spool is full, drops the oldest documents, counts them, and sends the rest', async () => {
    const prefix = newPrefix('full');
    const dir = newDir();
    const { logger, lines } = capture();
    const maxBytes = 64 * 1024;
    const down = sink(prefix, logger, dir, { urls: [CLOSED_PORT], spool: { maxBytes, segmentBytes: '8kb' } });
    const reports: CycleReport[] = [];
    for (let cycle = 0; cycle < 20; cycle++) {
      const report = cycleReport(cycle, 4);
      reports.push(report);
      down.write(report, []);
      await new Promise((r) => setTimeout(r, 5));
      expect(down.stats().spoolBytes).toBeLessThanOrEqual(maxBytes);
    }
    const total = reports.reduce((n, r) => n + docsOf(r), 0);
    const dropped = down.stats().docsDropped;
    expect(dropped).toBeGreaterThan(0);
    expect(down.stats().spoolDocs + dropped).toBe(total);
    expect(lines.join('\n')).toMatch(/spool full \(65536 bytes\): dropped the \d+ oldest documents/);
    await closeSink(down);

    const up = sink(prefix, capture().logger, dir);
    expect(await up.flush(60_000)).toBe(true);
    expect(up.stats().docsIndexed).toBe(total - dropped);
    expect(await countDocs(admin, `${prefix}-*`)).toBe(total - dropped);
    const partitions = await perCycle(prefix, 'partition');
    expect(partitions.has(reports[0]!.startedAt)).toBe(false); // the oldest went
    expect(partitions.get(reports.at(-1)!.startedAt)).toBe(reports.at(-1)!.partitionCount); // the newest are all there
  });

  it('refuses a bad index prefix or an unreadable credential file with an error naming the key', () => {
    expect(() => parseElasticsearchConfig({ urls: [url], prefix: 'Lag*Prod' })).toThrow(/elasticsearch\.prefix: "Lag\*Prod" is not a valid index prefix/);
    const parsed = parseElasticsearchConfig({ urls: [url], spool: { dir: newDir() } });
    expect(() => createElasticsearchSink({ ...parsed, prefix: 'lag prod' }, capture().logger)).toThrow(ElasticsearchConfigError);
    expect(() => createElasticsearchSink({ ...parsed, prefix: '_lag' }, capture().logger)).toThrow(/elasticsearch\.prefix: .*must not start with/);
    const missing = parseElasticsearchConfig({ urls: [url], spool: { dir: newDir() }, auth: { username: 'u', passwordFile: '/nonexistent/password' } });
    expect(() => createElasticsearchSink(missing, capture().logger)).toThrow(/elasticsearch\.auth\.passwordFile: cannot read \/nonexistent\/password: ENOENT/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Auth and TLS: a throwaway Elasticsearch 8.19 (integ-test zip) with security and HTTPS, on free ports.

interface SecureEs {
  url: string;
  caFile: string;
  password: string;
  stop(): Promise<void>;
}

/** A fresh Elasticsearch 8.19 home: from WARREN_ES8_ZIP, the Maven repository, or a copy of scripts/services.sh's one. */
function unpackEs8(into: string): string {
  const m2 = join(homedir(), '.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch');
  const zips = process.env.WARREN_ES8_ZIP
    ? [process.env.WARREN_ES8_ZIP]
    : existsSync(m2)
      ? readdirSync(m2)
          .filter((v) => v.startsWith('8.19.') && existsSync(join(m2, v, `elasticsearch-${v}.zip`)))
          .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
          .map((v) => join(m2, v, `elasticsearch-${v}.zip`))
      : [];
  const zip = zips.at(-1);
  if (zip) {
    execFileSync('unzip', ['-q', zip, '-d', into]);
    return join(into, readdirSync(into).find((name) => name.startsWith('elasticsearch-'))!);
  }
  const cache = join(import.meta.dirname, '../../.cache');
  const unpacked = existsSync(cache)
    ? readdirSync(cache)
        .filter((d) => d.startsWith('es-8.19.'))
        .map((d) => join(cache, d, `elasticsearch-${d.slice(3)}`))
        .find((home) => existsSync(join(home, 'bin/elasticsearch')))
    : undefined;
  if (!unpacked) throw new Error(`no Elasticsearch 8.19 integ-test zip under ${m2} nor an unpacked one in .cache (scripts/services.sh fetch es8), and WARREN_ES8_ZIP is not set`);
  const home = join(into, 'elasticsearch');
  cpSync(unpacked, home, { recursive: true });
  return home;
}

function javaHome(): string {
  for (const candidate of [process.env.ES8_JAVA_HOME, process.env.JAVA17_HOME, '/usr/lib/jvm/java-17-openjdk-amd64', '/usr/lib/jvm/temurin-25-jdk-amd64']) {
    if (candidate && existsSync(join(candidate, 'bin/java'))) return candidate;
  }
  throw new Error('no Java 17+ for Elasticsearch 8.19 (set ES8_JAVA_HOME)');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function makeCertificates(dir: string): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Warren test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'node.key', '-out', 'node.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'node.crt');
}

async function startSecureEs(): Promise<SecureEs> {
  const root = mkdtempSync(join(tmpdir(), 'warren-es-secure-'));
  const home = unpackEs8(root);
  const certs = join(home, 'config', 'certs');
  mkdirSync(certs);
  makeCertificates(certs);
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const env = { ...process.env, ES_JAVA_HOME: javaHome(), ES_JAVA_OPTS: '-Xms256m -Xmx256m' };
  execFileSync(join(home, 'bin/elasticsearch-users'), ['useradd', 'warren', '-p', password, '-r', 'superuser'], { env, stdio: 'pipe' });
  const [http, transport] = [await freePort(), await freePort()];
  const args = [
    '-Ediscovery.type=single-node',
    '-Enetwork.host=127.0.0.1',
    `-Ehttp.port=${http}`,
    `-Etransport.port=${transport}`,
    `-Epath.data=${join(root, 'data')}`,
    `-Epath.logs=${join(root, 'logs')}`,
    '-Ecluster.name=warren-secure-test',
    '-Expack.security.enabled=true',
    '-Expack.security.http.ssl.enabled=true',
    '-Expack.security.http.ssl.key=certs/node.key',
    '-Expack.security.http.ssl.certificate=certs/node.crt',
    '-Expack.security.transport.ssl.enabled=false',
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
  ];
  // Elasticsearch refuses to run as root.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'nobody:nogroup', root]);
  else chownSync(root, process.getuid!(), process.getgid!());
  const command = asRoot ? 'runuser' : join(home, 'bin/elasticsearch');
  const commandArgs = asRoot ? ['-u', 'nobody', '--', join(home, 'bin/elasticsearch'), ...args] : args;
  const child: ChildProcess = spawn(command, commandArgs, { env, detached: true, stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `https://127.0.0.1:${http}`;
  const caFile = join(certs, 'ca.crt');
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    rmSync(root, { recursive: true, force: true });
  };
  const probe = new Client({ node: url, auth: { username: 'warren', password }, tls: { ca: readFileSync(caFile, 'utf8') }, requestTimeout: 2000, maxRetries: 0 });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`secure Elasticsearch exited with ${child.exitCode}`);
      try {
        await probe.cluster.health({ wait_for_status: 'yellow', timeout: '1s' });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`secure Elasticsearch did not start: ${String(error)}; ${existsSync(join(root, 'logs')) ? readdirSync(join(root, 'logs')).join(',') : ''}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await probe.close();
  }
  return { url, caFile, password, stop };
}

describe('Elasticsearch sink auth and TLS (throwaway Elasticsearch 8.19 with security and HTTPS)', () => {
  let es: SecureEs;
  let admin: Client;
  const rig = new SinkRig('wauth');

  beforeAll(async () => {
    es = await startSecureEs();
    admin = new Client({ node: es.url, auth: { username: 'warren', password: es.password }, tls: { ca: readFileSync(es.caFile, 'utf8') } });
  }, 180_000);
  afterEach(() => rig.closeAll());
  afterAll(async () => {
    await admin?.close();
    await es?.stop();
    await rig.cleanup();
  });

  const newDir = () => rig.newDir();
  function sink(logger: Logger, dir: string, extra: ElasticsearchConfigInput): ElasticsearchSink {
    return rig.open(
      { urls: [es.url], prefix: 'auth', tls: { caFile: es.caFile }, flushInterval: '20ms', closeTimeout: '2s', retry: { initialDelay: '50ms', maxDelay: '300ms' }, spool: { dir }, ...extra },
      logger,
    );
  }
  const closeSink = (s: ElasticsearchSink) => rig.close(s);

  it('reports wrong credentials clearly, keeps the documents, never logs a secret, and sends them once fixed', async () => {
    const dir = newDir();
    const { logger, lines } = capture();
    const wrongPassword = 'definitely-wrong-password-123';
    const wrong = sink(logger, dir, { auth: { username: 'warren', password: wrongPassword } });
    const report = cycleReport(0);
    wrong.write(report, []);
    await until('the 401', () => wrong.stats().state === 'auth-failed');
    expect(wrong.stats().lastError).toMatch(/Elasticsearch refused the credentials \(401 Unauthorized: security_exception: unable to authenticate user \[warren\].*\); check elasticsearch.auth/);
    const errorLine = lines.map((line) => JSON.parse(line)).find((line) => line.level === 50 && /401/.test(line.msg));
    expect(errorLine?.msg).toMatch(/installing index templates failed: Elasticsearch refused the credentials \(401/);
    expect(wrong.stats().spoolDocs).toBe(docsOf(report));
    await closeSink(wrong);

    const { logger: logger2, lines: lines2 } = capture();
    const right = sink(logger2, dir, { auth: { username: 'warren', password: es.password } });
    expect(await right.flush(60_000)).toBe(true);
    expect(right.stats().docsIndexed).toBe(docsOf(report));
    expect(await countDocs(admin, 'auth-*')).toBe(docsOf(report));
    await closeSink(right);

    for (const text of [...lines, ...lines2]) {
      expect(text).not.toContain(wrongPassword);
      expect(text).not.toContain(es.password);
    }
    // The config is logged at start, with the secret replaced.
    expect(lines[0]).toContain('"password":"[redacted]"');
  });

  // The integ-test zip cannot create API keys (the security index needs the analysis-common module it lacks),
  // so only the refusal is real here: Elasticsearch names the key id it read from the file.
  it('sends the API key from a file, and reports one that Elasticsearch refuses', async () => {
    const secret = `key-${Math.random().toString(36).slice(2)}`;
    const encoded = Buffer.from(`warren-test-id:${secret}`).toString('base64');
    const keyFile = join(newDir(), 'api-key');
    writeFileSync(keyFile, `${encoded}\n`);
    const { logger, lines } = capture();
    const bad = sink(logger, newDir(), { prefix: 'apikey', auth: { apiKeyFile: keyFile } });
    bad.write(cycleReport(2), []);
    await until('the 401', () => bad.stats().state === 'auth-failed');
    expect(bad.stats().lastError).toMatch(/refused the credentials \(401 Unauthorized: security_exception: unable to authenticate with provided credentials.*apikey authentication for id warren-test-id/);
    expect(bad.stats().spoolDocs).toBe(docsOf(cycleReport(2)));
    await closeSink(bad);
    for (const text of lines) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encoded);
    }
    expect(lines[0]).toContain(`"apiKeyFile":"${keyFile}"`);
  });

  it('needs the custom CA: without it the TLS failure is reported and documents wait in the spool', async () => {
    const { logger } = capture();
    const s = rig.open({ urls: [es.url], prefix: 'noca', spool: { dir: newDir() }, auth: { username: 'warren', password: es.password }, closeTimeout: '1s', retry: { initialDelay: '50ms', maxDelay: '300ms' } }, logger);
    s.write(cycleReport(3), []);
    await until('the TLS failure', () => s.stats().state === 'unreachable');
    expect(s.stats().lastError).toMatch(/certificate|self[- ]signed/i);
    expect(s.stats().spoolDocs).toBe(docsOf(cycleReport(3)));
  });
});
