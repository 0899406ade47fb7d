#!/usr/bin/env node
// The demo workload: a producer and one consumer group per scenario, so that Warren shows OK, WARN, ERR/STALL,
// ERR/STOP and ERR/REWIND at once. `node demo/main.ts --help` lists the options; demo/README.md explains them.
import { Command, InvalidArgumentError } from 'commander';
import { defaultGroups, defaultTopics, parseCrash, parseGroupSpecs, topicsFor, type DemoSettings, type GroupSpec } from './config.ts';
import { ConsumerPerThreadRunner } from './consumer-per-thread.ts';
import { createAdmin, ensureTopics, waitForBrokers, type GroupProtocol } from './kafka.ts';
import { demoLogger } from './log.ts';
import { MultiWorkerConsumer } from './multi-worker.ts';
import { DemoProducer, seedTopics } from './producer.ts';
import { Rewinder } from './rewinder.ts';
import { behaviourOf, EXPECTED_STATUS, isScenario, type BehaviourOptions } from './scenarios.ts';

interface Runner {
  stop(): Promise<void>;
}

function number(min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`expected a number of at least ${min}`);
    return n;
  };
}

export function buildDemoCommand(): Command {
  const env = process.env;
  return new Command('demo')
    .description('Warren demo workload: a producer and consumer groups in every scenario (healthy, slow, stalled, stopped, rewinding)')
    .option('--brokers <list>', 'Kafka bootstrap brokers, comma-separated (env DEMO_BROKERS, KAFKA_BROKERS)', env.DEMO_BROKERS ?? env.KAFKA_BROKERS ?? '127.0.0.1:29092')
    .option('--prefix <name>', 'prefix of the default topics (<prefix>.orders, ...) and groups (<prefix>-healthy, ...) (env DEMO_PREFIX)', env.DEMO_PREFIX ?? 'demo')
    .option('--rate <n>', 'records per second on each topic (env DEMO_RATE)', number(0), Number(env.DEMO_RATE ?? 20))
    .option('--partitions <n>', 'partitions of each topic the demo creates', number(1), Number(env.DEMO_PARTITIONS ?? 3))
    .option('--groups <specs>', 'groups as NAME=SCENARIO[/STRATEGY][@TOPIC],... (env DEMO_GROUPS; default: one group per scenario)', env.DEMO_GROUPS)
    .option('--only <scenarios>', 'run only the default groups of these scenarios, comma-separated (env DEMO_ONLY)', env.DEMO_ONLY)
    .option('--workers <n>', 'worker threads of each multi-worker pool', number(1), Number(env.DEMO_WORKERS ?? 3))
    .option('--protocol <protocol>', 'group protocol: consumer (KIP-848) or classic (env DEMO_GROUP_PROTOCOL)', env.DEMO_GROUP_PROTOCOL ?? 'consumer')
    .option('--slow-factor <f>', 'share of the production rate the slow group keeps up with', number(0.01), Number(env.DEMO_SLOW_FACTOR ?? 0.5))
    .option('--warmup <seconds>', 'how long the stalled and stopped groups work normally first', number(0), Number(env.DEMO_WARMUP ?? 10))
    .option('--seed <n>', 'records each partition holds at least before the consumers start', number(0), Number(env.DEMO_SEED ?? 1000))
    .option('--rewind-every <ms>', 'time between two steps back of the rewinding group', number(100), Number(env.DEMO_REWIND_EVERY_MS ?? 2000))
    .option('--rewind-step <n>', 'records moved back per step', number(1), Number(env.DEMO_REWIND_STEP ?? 1))
    .option('--metrics-interval <seconds>', 'how often consumers log records-lag metrics (0: never)', number(0), Number(env.DEMO_METRICS_INTERVAL ?? 10))
    .option('--crash-thread <spec>', 'crash one consumer thread on purpose: GROUP:THREAD@SECONDS (env DEMO_CRASH_THREAD)', env.DEMO_CRASH_THREAD)
    .option('--duration <seconds>', 'stop by itself after this long', number(0))
    .option('--no-producer', 'do not produce (another producer feeds the topics)');
}

interface RawOptions {
  brokers: string;
  prefix: string;
  rate: number;
  partitions: number;
  groups?: string;
  only?: string;
  workers: number;
  protocol: string;
  slowFactor: number;
  warmup: number;
  seed: number;
  rewindEvery: number;
  rewindStep: number;
  metricsInterval: number;
  crashThread?: string;
  duration?: number;
  producer: boolean;
}

export function settingsFrom(raw: RawOptions): DemoSettings {
  if (raw.protocol !== 'consumer' && raw.protocol !== 'classic') throw new Error(`--protocol must be consumer or classic, got ${raw.protocol}`);
  const baseTopics = defaultTopics(raw.prefix, raw.partitions);
  let groups: GroupSpec[] = raw.groups ? parseGroupSpecs(raw.groups, baseTopics[0]!.name) : defaultGroups(raw.prefix);
  if (raw.only) {
    const wanted = raw.only.split(',').map((s) => s.trim()).filter(Boolean);
    for (const s of wanted) if (!isScenario(s)) throw new Error(`--only: unknown scenario ${s}`);
    groups = groups.filter((g) => wanted.includes(g.scenario));
  }
  const topics = raw.groups ? topicsFor(groups, [], raw.partitions) : baseTopics.filter((t) => groups.some((g) => g.topic === t.name));
  return {
    brokers: raw.brokers.split(',').map((b) => b.trim()).filter(Boolean),
    rate: raw.rate,
    topics,
    groups,
    workers: raw.workers,
    protocol: raw.protocol as GroupProtocol,
    slowFactor: raw.slowFactor,
    warmupMs: raw.warmup * 1000,
    seedPerPartition: raw.seed,
    rewindEveryMs: raw.rewindEvery,
    rewindStep: raw.rewindStep,
    metricsIntervalMs: raw.metricsInterval * 1000,
    crash: raw.crashThread ? parseCrash(raw.crashThread) : null,
    durationMs: raw.duration !== undefined ? raw.duration * 1000 : null,
    producer: raw.producer,
  };
}

/** Starts everything; resolves with a stop function once every group runs. */
export async function runDemo(settings: DemoSettings): Promise<{ stop: () => Promise<void>; runners: Map<string, Runner> }> {
  const log = demoLogger('demo');
  await waitForBrokers(settings.brokers);
  const admin = createAdmin(settings.brokers);
  try {
    await ensureTopics(admin, settings.topics);
  } finally {
    await admin.close().catch(() => undefined);
  }
  await seedTopics(settings.brokers, settings.topics, settings.seedPerPartition, log);

  const runners = new Map<string, Runner>();
  let producer: DemoProducer | null = null;
  const stop = async () => {
    await Promise.all([...runners.values()].map((r) => r.stop().catch((error) => log.warn({ err: error }, 'stop failed'))));
    await producer?.stop();
  };
  try {
    if (settings.producer) {
      producer = new DemoProducer({ brokers: settings.brokers, topics: settings.topics, rate: settings.rate });
      await producer.start();
    }
    for (const spec of settings.groups) {
      const topic = settings.topics.find((t) => t.name === spec.topic)!;
      const behaviourOptions: BehaviourOptions = { ratePerPartition: settings.rate / topic.partitions, slowFactor: settings.slowFactor, warmupMs: settings.warmupMs };
      let runner: Runner;
      if (spec.strategy === 'admin') {
        const rewinder = new Rewinder({ brokers: settings.brokers, group: spec.group, topic: spec.topic, step: settings.rewindStep, everyMs: settings.rewindEveryMs });
        await rewinder.start();
        runner = rewinder;
      } else if (spec.strategy === 'consumer-per-thread') {
        const cpt = new ConsumerPerThreadRunner({
          brokers: settings.brokers,
          group: spec.group,
          topic: spec.topic,
          scenario: spec.scenario,
          behaviourOptions,
          protocol: settings.protocol,
          metricsIntervalMs: settings.metricsIntervalMs,
          crash: settings.crash && settings.crash.group === spec.group ? { thread: settings.crash.thread, afterMs: settings.crash.afterMs } : null,
        });
        await cpt.start();
        runner = cpt;
      } else {
        const mw = new MultiWorkerConsumer({
          brokers: settings.brokers,
          group: spec.group,
          topics: [spec.topic],
          form: spec.strategy === 'multi-worker-naive' ? 'naive' : 'safe',
          workers: settings.workers,
          behaviour: behaviourOf(spec.scenario, behaviourOptions),
          protocol: settings.protocol,
          metricsIntervalMs: settings.metricsIntervalMs,
        });
        await mw.start();
        runner = mw;
      }
      runners.set(spec.group, runner);
      const expected = EXPECTED_STATUS[spec.scenario];
      log.info({ group: spec.group, scenario: spec.scenario, strategy: spec.strategy, topic: spec.topic, expected: expected.group === expected.partition ? expected.group : `${expected.group}/${expected.partition}` }, 'group started');
    }
  } catch (error) {
    await stop();
    throw error;
  }
  log.info({ groups: settings.groups.map((g) => g.group), topics: settings.topics.map((t) => t.name), rate: settings.rate }, 'demo running');
  return { stop, runners };
}

export async function main(argv: string[]): Promise<number> {
  const command = buildDemoCommand().exitOverride();
  let settings: DemoSettings;
  try {
    command.parse(argv, { from: 'user' });
    settings = settingsFrom(command.opts<RawOptions>());
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    if (code === 0) return 0;
    if (!(error as { code?: string }).code?.startsWith('commander.')) process.stderr.write(`demo: ${(error as Error).message}\n`);
    return 2;
  }
  const log = demoLogger('demo');
  let demo: Awaited<ReturnType<typeof runDemo>>;
  try {
    demo = await runDemo(settings);
  } catch (error) {
    log.error({ err: error }, 'demo failed to start');
    return 1;
  }
  await new Promise<void>((resolve) => {
    const timer = settings.durationMs !== null ? setTimeout(resolve, settings.durationMs) : null;
    const onSignal = (signal: string) => {
      log.info({ signal }, 'demo stopping');
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
  await demo.stop();
  log.info('demo stopped');
  return 0;
}

if (import.meta.main) {
  process.exit(await main(process.argv.slice(2)));
}
