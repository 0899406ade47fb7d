#!/usr/bin/env node
// `npm start`: Warren's whole stack without Docker, on this machine.
//   1. Kafka 4 and Elasticsearch 9 from Maven Central artefacts (scripts/services.sh start kafka4 es9), unless
//      --no-services is given and KAFKA_BROKERS / ELASTICSEARCH_URL name running ones;
//   2. the Slack inbox (demo/slack-inbox.ts), the demo workload (demo/main.ts) and the collector
//      (collector/cli.ts run --config config/warren.demo.yaml);
//   3. Grafana, only when a `grafana-server` binary is on the PATH (with the repository's provisioning);
// then prints where to look, and on Ctrl-C / SIGTERM (or after --duration) stops the processes it started and
// the services it started (services that were already running are left running).
//
//   npm start [-- --duration 300] [-- --no-services]   (node scripts/start.ts --help for every option)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';

const ROOT = resolve(import.meta.dirname, '..');
const SERVICES = join(ROOT, 'scripts/services.sh');
const WANTED_SERVICES = ['kafka4', 'es9'] as const;

export interface StartOptions {
  duration?: number;
  services: boolean;
  apiPort: number;
  inboxPort: number;
  grafanaPort: number;
  rate?: number;
  /** Demo topic and group prefix (default demo: demo.orders, demo-healthy, ...). */
  prefix: string;
  runDir: string;
  statusFile?: string;
  readyTimeout: number;
}

export interface StackStatus {
  kafka: string;
  elasticsearch: string;
  api: string;
  slackInbox: string;
  slackWebhook: string;
  grafana: string | null;
  logs: string;
  groups: string[];
  pids: Record<string, number>;
}

interface Child {
  name: string;
  process: ChildProcess;
  log: string;
  exited: Promise<number | null>;
  expectedExit: boolean;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('expected a port number');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds');
  return n;
}

/** Absolute path of an executable on the PATH, or null. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

function servicesState(): Map<string, string> {
  const result = spawnSync(SERVICES, ['status', ...WANTED_SERVICES], { encoding: 'utf8' });
  const states = new Map<string, string>();
  for (const line of (result.stdout ?? '').split('\n')) {
    const [name, state] = line.trim().split(/\s+/);
    if (name && state) states.set(name, state);
  }
  return states;
}

function servicesEnv(): Record<string, string> {
  const result = spawnSync(SERVICES, ['env'], { encoding: 'utf8' });
  const env: Record<string, string> = {};
  for (const line of (result.stdout ?? '').split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!.replace(/^['"]|['"]$/g, '');
  }
  return env;
}

async function waitForHttp(url: string, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) return false;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return true;
    } catch {
      // not yet
    }
    await sleep(500);
  }
  return false;
}

/**
 * A copy of grafana/provisioning for a Grafana running on this machine: the datasources point at the local
 * Elasticsearch instead of the compose service name, the dashboards provider at the repository's dashboards.
 */
export function localGrafanaProvisioning(target: string, elasticsearchUrl: string): void {
  cpSync(join(ROOT, 'grafana/provisioning'), target, { recursive: true });
  const rewrite = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) rewrite(path);
      else if (/\.ya?ml$/.test(entry.name)) {
        const text = readFileSync(path, 'utf8')
          .replaceAll('http://elasticsearch:9200', elasticsearchUrl)
          .replaceAll('/etc/grafana/dashboards/warren', join(ROOT, 'grafana/dashboards'));
        writeFileSync(path, text);
      }
    }
  };
  rewrite(target);
}

export async function start(options: StartOptions): Promise<number> {
  const runDir = resolve(options.runDir);
  const logDir = join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const children: Child[] = [];
  const startedServices: string[] = [];
  let stopping = false;
  let exitCode = 0;

  // --- 1. Kafka and Elasticsearch ---------------------------------------------------------------------
  let kafka: string;
  let elasticsearch: string;
  if (options.services) {
    if (!existsSync(SERVICES)) {
      say('scripts/services.sh is missing: give running services with --no-services, KAFKA_BROKERS and ELASTICSEARCH_URL.');
      return 1;
    }
    const before = servicesState();
    for (const name of WANTED_SERVICES) if ((before.get(name) ?? 'down') === 'down') startedServices.push(name);
    say(`Starting ${WANTED_SERVICES.join(' and ')} (scripts/services.sh; the first run downloads them from Maven Central)...`);
    const started = spawnSync(SERVICES, ['start', ...WANTED_SERVICES], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (started.status !== 0) {
      say('Could not start Kafka and Elasticsearch (see above).');
      stopServices(startedServices);
      return 1;
    }
    const env = servicesEnv();
    kafka = env.KAFKA4_BROKERS ?? '127.0.0.1:29092';
    elasticsearch = env.ES9_URL ?? 'http://127.0.0.1:29200';
  } else {
    const givenKafka = process.env.KAFKA_BROKERS;
    const givenEs = process.env.ELASTICSEARCH_URL;
    if (!givenKafka || !givenEs) {
      say('--no-services needs KAFKA_BROKERS (host:port,...) and ELASTICSEARCH_URL (http://host:port) in the environment.');
      return 2;
    }
    kafka = givenKafka;
    elasticsearch = givenEs;
  }

  const spawnChild = (name: string, args: string[], env: Record<string, string> = {}, command = process.execPath): Child => {
    const log = join(logDir, `${name}.log`);
    const out = createWriteStream(log, { flags: 'a' });
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.pipe(out, { end: false });
    child.stderr!.pipe(out, { end: false });
    const entry: Child = {
      name,
      process: child,
      log,
      expectedExit: false,
      exited: new Promise((resolveExit) => {
        child.once('exit', (code, signal) => {
          out.end();
          resolveExit(code ?? (signal ? 128 : null));
        });
        child.once('error', (error) => {
          out.write(`failed to start: ${error.message}\n`);
          resolveExit(127);
        });
      }),
    };
    children.push(entry);
    void entry.exited.then((code) => {
      if (stopping || entry.expectedExit) return;
      say(`\n${name} exited unexpectedly (code ${code}); see ${log}. Stopping the stack.`);
      exitCode = 1;
      void shutdown('child-exit');
    });
    return entry;
  };

  const stopChild = async (child: Child, timeoutMs = 10_000) => {
    child.expectedExit = true;
    const pid = child.process.pid;
    if (pid === undefined || child.process.exitCode !== null || child.process.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const done = await Promise.race([child.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await child.exited;
    }
  };

  let shutdownPromise: Promise<void> | null = null;
  let markStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolveStopped) => (markStopped = resolveStopped));
  const shutdown = (reason: string): Promise<void> => {
    if (shutdownPromise) return shutdownPromise;
    stopping = true;
    shutdownPromise = (async () => {
      say(`\nStopping the stack (${reason})...`);
      // The producers of data first, then what reads it.
      const order = ['demo', 'collector', 'grafana', 'slack-inbox'];
      for (const name of order) {
        const child = children.find((c) => c.name === name);
        if (child) await stopChild(child);
      }
      for (const child of children) await stopChild(child);
      stopServices(startedServices);
      say('Stopped.');
    })().finally(markStopped);
    return shutdownPromise;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    void shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // --- 2. Slack inbox, demo, collector --------------------------------------------------------------------
  const inboxUrl = `http://127.0.0.1:${options.inboxPort}`;
  const webhook = process.env.SLACK_WEBHOOK_URL || `${inboxUrl}/services/warren/demo/alerts`;
  const inbox = spawnChild('slack-inbox', ['demo/slack-inbox.ts', '--host', '127.0.0.1', '--port', String(options.inboxPort)]);
  spawnChild('demo', ['demo/main.ts', '--brokers', kafka, '--prefix', options.prefix, ...(options.rate !== undefined ? ['--rate', String(options.rate)] : [])]);
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  const collector = spawnChild('collector', ['collector/cli.ts', 'run', '--config', 'config/warren.demo.yaml'], {
    WARREN_CLUSTERS_DEMO_BROKERS: kafka,
    WARREN_CLUSTERS_DEMO_GROUP_ALLOWLIST: `^${options.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-`,
    WARREN_ELASTICSEARCH_URLS: elasticsearch,
    WARREN_API_PORT: String(options.apiPort),
    // The Elasticsearch sink's disk spool (documents wait there while Elasticsearch is down).
    WARREN_ELASTICSEARCH_SPOOL_DIR: join(runDir, 'elasticsearch-spool'),
  });

  // --- 3. Grafana, when installed ---------------------------------------------------------------------------
  let grafanaUrl: string | null = null;
  let grafanaPassword: string | null = null;
  const grafanaBinary = onPath('grafana-server');
  if (grafanaBinary) {
    const home = process.env.GRAFANA_HOME ?? (existsSync('/usr/share/grafana') ? '/usr/share/grafana' : dirname(dirname(realpathSync(grafanaBinary))));
    const gfDir = join(runDir, 'grafana');
    mkdirSync(join(gfDir, 'data'), { recursive: true });
    localGrafanaProvisioning(join(gfDir, 'provisioning'), elasticsearch);
    grafanaPassword = process.env.GRAFANA_ADMIN_PASSWORD || randomBytes(9).toString('base64url');
    grafanaUrl = `http://127.0.0.1:${options.grafanaPort}`;
    spawnChild(
      'grafana',
      ['--homepath', home],
      {
        GF_PATHS_DATA: join(gfDir, 'data'),
        GF_PATHS_LOGS: join(gfDir, 'logs'),
        GF_PATHS_PLUGINS: join(gfDir, 'plugins'),
        GF_PATHS_PROVISIONING: join(gfDir, 'provisioning'),
        GF_SERVER_HTTP_ADDR: '127.0.0.1',
        GF_SERVER_HTTP_PORT: String(options.grafanaPort),
        GF_SERVER_ROOT_URL: grafanaUrl,
        GF_SECURITY_ADMIN_USER: process.env.GRAFANA_ADMIN_USER || 'admin',
        GF_SECURITY_ADMIN_PASSWORD: grafanaPassword,
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
        GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
        SLACK_WEBHOOK_URL: webhook,
        WARREN_ES_USERNAME: process.env.WARREN_ES_USERNAME ?? '',
        WARREN_ES_PASSWORD: process.env.WARREN_ES_PASSWORD ?? '',
      },
      grafanaBinary,
    );
  }

  // --- readiness, then where to look ------------------------------------------------------------------------
  const alive = (child: Child) => () => !stopping && child.process.exitCode === null && child.process.signalCode === null;
  const [inboxReady, apiReady] = await Promise.all([
    waitForHttp(`${inboxUrl}/healthz`, options.readyTimeout, alive(inbox)),
    waitForHttp(`${apiUrl}/healthz`, options.readyTimeout, alive(collector)),
  ]);
  if (stopping) {
    await stopped;
    return exitCode || 1;
  }
  const groups = ['healthy', 'naive', 'threads', 'slow', 'stalled', 'stopped', 'rewind'].map((g) => `${options.prefix}-${g}`);
  const status: StackStatus = {
    kafka,
    elasticsearch,
    api: apiUrl,
    slackInbox: `${inboxUrl}/`,
    slackWebhook: webhook,
    grafana: grafanaUrl,
    logs: logDir,
    groups,
    pids: Object.fromEntries(children.map((c) => [c.name, c.process.pid ?? -1])),
  };
  if (options.statusFile) writeFileSync(options.statusFile, `${JSON.stringify(status, null, 2)}\n`);
  say('');
  say('Warren is running. Where to look:');
  say(`  Warren API (Burrow-compatible)  ${apiUrl}/v3/kafka/demo/consumer${apiReady ? '' : '   (not answering yet: see collector.log)'}`);
  say(`      one group's status          ${apiUrl}/v3/kafka/demo/consumer/${options.prefix}-stalled/status`);
  say(`  Slack inbox (alerts)            ${inboxUrl}/${inboxReady ? '' : '   (not answering yet: see slack-inbox.log)'}`);
  say(`  Elasticsearch                   ${elasticsearch}   (indices warren-*)`);
  say(`  Kafka                           ${kafka}`);
  if (grafanaUrl) say(`  Grafana                         ${grafanaUrl}   (admin / ${grafanaPassword})`);
  else say('  Grafana                         not started: no grafana-server on the PATH (docker compose up runs it)');
  say(`  Logs                            ${logDir}/{demo,collector,slack-inbox${grafanaUrl ? ',grafana' : ''}}.log`);
  say('');
  say('Demo groups and the status each should reach within about a minute:');
  const p = options.prefix;
  say(`  ${`${p}-healthy, ${p}-naive, ${p}-threads`.padEnd(40)}OK`);
  say(`  ${`${p}-slow`.padEnd(40)}WARN   (lag grows every cycle)`);
  say(`  ${`${p}-stalled`.padEnd(40)}ERR    (partitions STALL: a live member that stopped committing)`);
  say(`  ${`${p}-stopped`.padEnd(40)}ERR    (partitions STOP: no member left, lag grows)`);
  say(`  ${`${p}-rewind`.padEnd(40)}ERR    (partitions REWIND: offsets moved backwards)`);
  say('');
  say(`The crash experiment (naive vs safe multi-worker): scripts/with-node.sh node demo/experiment.ts --brokers ${kafka}`);
  say(options.duration ? `Stopping by itself in ${options.duration} s (Ctrl-C stops it earlier).` : 'Ctrl-C stops everything.');

  if (options.duration) setTimeout(() => void shutdown(`--duration ${options.duration}s`), options.duration * 1000);
  await stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return exitCode;
}

function stopServices(names: readonly string[]): void {
  if (names.length === 0) return;
  say(`Stopping ${names.join(' and ')} (started by this run)...`);
  spawnSync(SERVICES, ['stop', ...names], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export function buildCommand(): Command {
  return new Command('start')
    .description("Warren's whole stack without Docker: Kafka, Elasticsearch, the demo workload, the collector, the Slack inbox (and Grafana if installed)")
    .option('--duration <seconds>', 'stop by itself after this long', seconds)
    .option('--no-services', 'do not start Kafka and Elasticsearch: use KAFKA_BROKERS and ELASTICSEARCH_URL')
    .option('--api-port <port>', "the collector API's port", port, 8000)
    .option('--inbox-port <port>', "the Slack inbox's port", port, 8025)
    .option('--grafana-port <port>', "Grafana's port (when grafana-server is installed)", port, 3000)
    .option('--rate <n>', 'demo records per second on each topic', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number');
      return n;
    })
    .option('--prefix <name>', 'demo topic and group prefix', 'demo')
    .option('--run-dir <dir>', 'where logs and Grafana data go', join(ROOT, '.run/stack'))
    .option('--status-file <file>', 'write the addresses and pids as JSON here once the stack is up')
    .option('--ready-timeout <seconds>', 'how long to wait for the API and the inbox to answer', seconds, 90);
}

export async function main(argv: string[]): Promise<number> {
  const command = buildCommand().exitOverride();
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const raw = command.opts<{ duration?: number; services: boolean; apiPort: number; inboxPort: number; grafanaPort: number; rate?: number; prefix: string; runDir: string; statusFile?: string; readyTimeout: number }>();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(raw.prefix)) {
    process.stderr.write('start: --prefix takes lowercase letters, digits, ".", "_" and "-"\n');
    return 2;
  }
  return start({ ...raw, readyTimeout: raw.readyTimeout * 1000 });
}

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2)));
}
