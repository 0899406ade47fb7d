// Benchmark: the HTTP API under load on loopback. A server process tracks 1,000 groups × 20 partitions (a real
// Tracker fed with synthetic scrapes, one new cycle every CYCLE_EVERY seconds while under load, with the metrics
// sink wired as the collector wires it); this process is the clients:
//   1. open loop at RATE requests/s for DURATION s: /v3/kafka/{c}/consumer/{g}/lag on random groups, plus
//      /metrics at METRICS_RATE/s from a third process (as Prometheus would scrape); latency counted from each
//      request's scheduled time (no coordinated omission);
//   2. closed loop: CLIENTS concurrent clients on /lag as fast as they go, then 2 on /metrics.
// Prints requests/s and p50/p99 latencies, the server's event-loop delay, and the cycle (ingest) time idle vs
// under load. Target: p99 < 20 ms at 500 requests/s on 2 cores. Not a test: it prints figures, never fails on
// a slow machine. Environment: BENCH_GROUPS, BENCH_RATE, BENCH_DURATION, BENCH_CYCLE_EVERY, BENCH_CLIENTS.
import { fork } from 'node:child_process';
import { Agent, get as httpGet } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { configSchema } from '../collector/config.ts';
import { apiConfigSchema } from '../collector/http/config.ts';
import { createMetrics } from '../collector/http/metrics.ts';
import { createHttpServer } from '../collector/http/server.ts';
import { createLogger } from '../collector/logger.ts';
import { Tracker } from '../collector/tracker.ts';
import type { ScrapedGroup, TopicMetadata } from '../collector/types.ts';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 1000);
const PARTITIONS = 20;
const TOPICS = 50;
const RATE = Number(process.env.BENCH_RATE ?? 500);
const METRICS_RATE = 2;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 20);
const CYCLE_EVERY_S = Number(process.env.BENCH_CYCLE_EVERY ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const CLUSTER = 'bench';
const T0 = 1_700_000_000_000;

// ---------------------------------------------------------------------------------------------------
// Server process

interface ServerStats {
  idleCycleMs: number[];
  loadedCycleMs: number[];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  metricsBytes: number;
  /** Time from the request's arrival to the end of its response, as the server measures it. */
  handledLagMs: number[];
  handledMetricsMs: number[];
  partitions: number;
}

async function serve(): Promise<void> {
  const config = configSchema.parse({ clusters: { [CLUSTER]: { brokers: ['127.0.0.1:9092'] } } });
  const tracker = new Tracker({ clusters: [CLUSTER], intervals: config.collector.intervals, expireGroupMs: config.collector.expireGroup, rules: { allowedLag: 0, minimumComplete: 0 } });
  const metrics = createMetrics({ state: tracker });

  const member = (g: number) => ({
    memberId: `m-${g}`,
    groupInstanceId: null,
    clientId: `client-${g}`,
    host: `/10.0.${(g >> 8) & 255}.${g & 255}`,
    assignments: [{ topic: `topic-${g % TOPICS}`, partitions: Array.from({ length: PARTITIONS }, (_, p) => p) }],
  });
  let cycle = 0;
  /** One synthetic cycle: every topic grows; most groups keep up, every 7th falls behind, every 11th is idle. */
  const runCycle = (): number => {
    const at = T0 + cycle * 30_000;
    const end = 100_000 + cycle * 1_000;
    const topics = new Map<string, TopicMetadata>();
    const logEnd = new Map<string, (number | null)[]>();
    for (let t = 0; t < TOPICS; t++) {
      topics.set(`topic-${t}`, { name: `topic-${t}`, partitions: PARTITIONS, internal: false });
      logEnd.set(`topic-${t}`, new Array<number | null>(PARTITIONS).fill(end));
    }
    const groups = new Map<string, ScrapedGroup>();
    for (let g = 0; g < GROUPS; g++) {
      const committedAt = g % 11 === 0 ? 100_000 : g % 7 === 0 ? end - cycle * 300 : end - (g % 5);
      const committed = new Map([[`topic-${g % TOPICS}`, new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, committedAt] as [number, number]))]]);
      groups.set(groupName(g), {
        description: { group: groupName(g), groupType: 'classic', protocolType: 'consumer', state: 'Stable', epoch: -1, members: g % 11 === 0 ? [] : [member(g)] },
        committed,
      });
    }
    const started = performance.now();
    const { report } = tracker.ingest({ cluster: CLUSTER, startedAt: at - 500, finishedAt: at, topics, logEnd, groups, errors: [], reachable: true });
    metrics.sink.write(report, []);
    cycle++;
    return performance.now() - started;
  };

  const idleCycleMs: number[] = [];
  for (let i = 0; i < 12; i++) idleCycleMs.push(runCycle());
  const server = createHttpServer({
    state: tracker,
    config: apiConfigSchema.parse({ port: 0 }),
    logger: createLogger('warn'),
    clusterConfigs: config.clusters,
    collectorConfig: config.collector,
    metrics,
  });
  const handled = { lag: [] as number[], metrics: [] as number[] };
  let recording = false;
  server.app.addHook('onResponse', async (request, reply) => {
    if (recording) (request.url === '/metrics' ? handled.metrics : handled.lag).push(reply.elapsedTime);
  });
  const address = await server.listen();
  const metricsBytes = Buffer.byteLength(await metrics.render());

  const loadedCycleMs: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let timer: NodeJS.Timeout | undefined;
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'load-start') {
      delay.enable();
      recording = true;
      timer = setInterval(() => loadedCycleMs.push(runCycle()), CYCLE_EVERY_S * 1000);
    } else if (message.type === 'load-stop') {
      clearInterval(timer);
      recording = false;
      delay.disable();
      const stats: ServerStats = {
        idleCycleMs: idleCycleMs.slice(2),
        loadedCycleMs,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        loopDelayMaxMs: delay.max / 1e6,
        metricsBytes,
        handledLagMs: handled.lag,
        handledMetricsMs: handled.metrics,
        partitions: tracker.lastCycle(CLUSTER)?.partitionCount ?? 0,
      };
      process.send!({ type: 'stats', stats });
    } else if (message.type === 'exit') {
      await server.close();
      process.exit(0);
    }
  });
  process.send!({ type: 'ready', address });
}

// ---------------------------------------------------------------------------------------------------
// Client process

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(label: string, latencies: number[], seconds: number): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  return `  ${label.padEnd(9)} ${String(sorted.length).padStart(6)} req ${(sorted.length / seconds).toFixed(1).padStart(7)} req/s  p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms  max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`;
}

const groupName = (g: number) => `group-${String(g).padStart(4, '0')}`;

// node:http with keep-alive rather than fetch: a fraction of the client CPU per request, so the figures are the
// server's and not the load generator's.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function request(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
  });
}

/** Requests at `rate`/s for DURATION_S; each latency counted from the request's scheduled time. */
async function openLoop(rate: number, url: () => string) {
  const latencies: number[] = [];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= DURATION_S) {
        clearInterval(tick);
        resolve();
        return;
      }
      // Request k is due at k / rate seconds: send every request whose time has come.
      for (; sent / rate <= elapsed; sent++) {
        const due = started + (sent / rate) * 1000;
        const job = request(url()).then((ok) => {
          if (!ok) errors++;
          latencies.push(performance.now() - due);
        });
        inFlight.add(job);
        void job.finally(() => inFlight.delete(job));
      }
    }, 1);
  });
  await Promise.all(inFlight);
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

/** The /metrics scraper runs in a process of its own, as Prometheus would. */
async function scrape(): Promise<void> {
  process.once('message', async (message: { type: string; address: string }) => {
    const result = await openLoop(METRICS_RATE, () => `${message.address}/metrics`);
    process.send!({ type: 'scraped', result });
    process.disconnect();
  });
  process.send!({ type: 'scraper-ready' });
}

async function closedLoop(clients: number, seconds: number, url: () => string) {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        if (!(await request(url()))) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

function next<T>(child: ReturnType<typeof fork>, type: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`${type}: child exited with ${code}`)));
  });
}

type LoopResult = Awaited<ReturnType<typeof openLoop>>;

async function main(): Promise<void> {
  const child = fork(import.meta.filename, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const scraper = fork(import.meta.filename, ['--scraper'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { address } = await next<{ address: string }>(child, 'ready');
  await next(scraper, 'scraper-ready');

  child.send({ type: 'load-start' });
  const scraped = next<{ result: LoopResult }>(scraper, 'scraped');
  scraper.send({ type: 'start', address });
  const lagOpen = await openLoop(RATE - METRICS_RATE, () => `${address}/v3/kafka/${CLUSTER}/consumer/${groupName(Math.floor(Math.random() * GROUPS))}/lag`);
  const metricsOpen = (await scraped).result;
  child.send({ type: 'load-stop' });
  const { stats } = await next<{ stats: ServerStats }>(child, 'stats');

  const lagClosed = await closedLoop(CLIENTS, 10, () => `${address}/v3/kafka/${CLUSTER}/consumer/${groupName(Math.floor(Math.random() * GROUPS))}/lag`);
  const metricsClosed = await closedLoop(2, 5, () => `${address}/metrics`);
  child.send({ type: 'exit' });

  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  const all = [...lagOpen.latencies, ...metricsOpen.latencies].sort((a, b) => a - b);
  console.log(`http-load: ${GROUPS} groups, ${stats.partitions} group-partitions tracked; /metrics ${(stats.metricsBytes / 1e6).toFixed(1)} MB; a new cycle every ${CYCLE_EVERY_S} s under load`);
  console.log(`open loop, ${RATE} req/s scheduled for ${DURATION_S} s (/lag on random groups + /metrics ${METRICS_RATE}/s from another process), ${lagOpen.errors + metricsOpen.errors} errors:`);
  console.log(summary('/lag', lagOpen.latencies, lagOpen.seconds));
  console.log(summary('/metrics', metricsOpen.latencies, metricsOpen.seconds));
  console.log(`  all       ${(all.length / lagOpen.seconds).toFixed(1)} req/s  p50 ${percentile(all, 50).toFixed(1)} ms  p99 ${percentile(all, 99).toFixed(1)} ms (target p99 < 20 ms at 500 req/s)`);
  console.log('server-side handling time (arrival to response written), open loop:');
  console.log(summary('/lag', stats.handledLagMs, lagOpen.seconds));
  console.log(summary('/metrics', stats.handledMetricsMs, lagOpen.seconds));
  console.log(`server event-loop delay under load: p99 ${stats.loopDelayP99Ms.toFixed(1)} ms, max ${stats.loopDelayMaxMs.toFixed(1)} ms`);
  console.log(`cycle (tracker ingest + metrics sink) ms: idle median ${median(stats.idleCycleMs).toFixed(1)}, under load median ${median(stats.loadedCycleMs).toFixed(1)} max ${Math.max(...stats.loadedCycleMs).toFixed(1)} (${stats.loadedCycleMs.length} cycles)`);
  console.log(`closed loop, ${CLIENTS} clients on /lag for 10 s, ${lagClosed.errors} errors:`);
  console.log(summary('/lag', lagClosed.latencies, lagClosed.seconds));
  console.log(`closed loop, 2 clients on /metrics for 5 s, ${metricsClosed.errors} errors:`);
  console.log(summary('/metrics', metricsClosed.latencies, metricsClosed.seconds));
}

if (process.argv.includes('--server')) await serve();
else if (process.argv.includes('--scraper')) await scrape();
else await main();
