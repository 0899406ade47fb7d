#!/usr/bin/env node
// Experiment mode: measures the two risks chapter 4.3.1 warns about for the multi-worker strategy — records lost
// after a crash, and records processed out of order — for the naive form and the safe forms.
//
// For each variant: a fresh topic gets `records` records with per-partition sequence numbers; a child process
// runs the multi-worker consumer, whose worker threads append every record they finish to a log file; once a
// share (`--crash-at`) of the records is processed the child is killed with SIGKILL, mid-batch. A new consumer
// then starts from the offsets the crashed one had committed and processes the rest, in order. Counted:
//   lost          records never processed, neither before the crash nor after the restart
//   duplicated    records processed twice (finished before the crash but not yet committed: the safe forms'
//                 price, at-least-once)
//   out of order  records finished after a later record of the same partition had finished
//
//   node demo/experiment.ts --brokers 127.0.0.1:29092 [--records 3000] [--workers 4] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Consumer, Producer, stringSerializers } from '@platformatic/kafka';
import { Command, InvalidArgumentError } from 'commander';
import { alterOffsets, committedOffsets, createAdmin, ensureTopics, waitForBrokers, type GroupProtocol } from './kafka.ts';
import { consumerOptions, MultiWorkerConsumer, type MultiWorkerForm } from './multi-worker.ts';

export const VARIANTS = ['naive', 'safe', 'safe-ordered'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface ExperimentOptions {
  brokers: string[];
  /** Records in all, spread evenly over the partitions. */
  records: number;
  partitions: number;
  workers: number;
  /** Share of the records processed when the consumer is killed (0 < x < 1). */
  crashAt: number;
  /** Processing time of a record: uniform in [0, maxDelayMs]. */
  maxDelayMs: number;
  variants: readonly Variant[];
  protocol: GroupProtocol;
  /** Topic and group name prefix. */
  prefix: string;
}

export interface VariantResult {
  variant: Variant;
  produced: number;
  /** Records finished before the crash (with repeats). */
  processedBeforeCrash: number;
  /** Sum over partitions of the committed offsets at the crash (records the group called done). */
  committedAtCrash: number;
  /** Records processed after the restart. */
  processedAfterRestart: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

interface ChildConfig {
  brokers: string[];
  group: string;
  topic: string;
  form: MultiWorkerForm;
  ordered: boolean;
  workers: number;
  maxDelayMs: number;
  protocol: GroupProtocol;
  logFile: string;
}

/** Parses the processed-records log: `topic partition offset seq` per line, in finishing order. */
export function parseProcessedLog(text: string): { partition: number; seq: number }[] {
  const result: { partition: number; seq: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const parts = line.split(' ');
    if (parts.length < 4) continue;
    result.push({ partition: Number(parts[1]), seq: Number(parts[3]) });
  }
  return result;
}

/** Records finished after a later record of the same partition had finished, in one run's finishing order. */
export function countOutOfOrder(run: readonly { partition: number; seq: number }[]): number {
  const highest = new Map<number, number>();
  let count = 0;
  for (const { partition, seq } of run) {
    const max = highest.get(partition);
    if (max !== undefined && seq < max) count++;
    else highest.set(partition, seq);
  }
  return count;
}

/** Lost and duplicated records, given what was produced per partition (sequences 0..n-1) and every run. */
export function countLossAndDuplicates(perPartition: ReadonlyMap<number, number>, runs: readonly (readonly { partition: number; seq: number }[])[]): { lost: number; duplicated: number } {
  const seen = new Map<string, number>();
  for (const run of runs) for (const { partition, seq } of run) seen.set(`${partition}:${seq}`, (seen.get(`${partition}:${seq}`) ?? 0) + 1);
  let lost = 0;
  let duplicated = 0;
  for (const [partition, n] of perPartition) {
    for (let seq = 0; seq < n; seq++) {
      const times = seen.get(`${partition}:${seq}`) ?? 0;
      if (times === 0) lost++;
      else if (times > 1) duplicated += times - 1;
    }
  }
  return { lost, duplicated };
}

function lineCount(file: string): number {
  try {
    if (statSync(file).size === 0) return 0;
    let n = 0;
    const text = readFileSync(file, 'utf8');
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
    return n;
  } catch {
    return 0;
  }
}

async function produceSequences(brokers: string[], topic: string, perPartition: ReadonlyMap<number, number>): Promise<void> {
  const producer = new Producer({ clientId: 'warren-experiment-producer', bootstrapBrokers: brokers, serializers: stringSerializers, autocreateTopics: false });
  try {
    for (const [partition, n] of perPartition) {
      for (let sent = 0; sent < n; sent += 500) {
        const count = Math.min(500, n - sent);
        await producer.send({ messages: Array.from({ length: count }, (_, i) => ({ topic, partition, key: `${partition}`, value: String(sent + i) })), acks: 1 });
      }
    }
  } finally {
    await producer.close().catch(() => undefined);
  }
}

/** Reads every record from the offsets given (in order, one at a time) up to `ends`. */
async function processRest(options: ExperimentOptions, group: string, topic: string, starts: ReadonlyMap<number, bigint>, ends: ReadonlyMap<number, number>): Promise<{ partition: number; seq: number }[]> {
  const consumer = new Consumer(consumerOptions({ brokers: options.brokers, group, clientId: 'warren-experiment-restart', protocol: options.protocol }));
  const processed: { partition: number; seq: number }[] = [];
  const position = new Map<number, number>([...starts].map(([p, o]) => [p, Number(o)]));
  const done = () => [...ends].every(([p, end]) => (position.get(p) ?? -1) >= end);
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 100 });
    const deadline = Date.now() + 60_000;
    const timer = setInterval(() => {
      if (Date.now() > deadline) void stream.close();
    }, 500);
    try {
      for await (const message of stream) {
        processed.push({ partition: message.partition, seq: Number(message.value) });
        position.set(message.partition, Number(message.offset) + 1);
        if (done()) break;
      }
    } finally {
      clearInterval(timer);
      await stream.close().catch(() => undefined);
    }
    if (!done()) throw new Error(`the restarted consumer did not reach the end of ${topic} within 60 s`);
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
  return processed;
}

export async function runVariant(options: ExperimentOptions, variant: Variant, log: (line: string) => void = () => undefined): Promise<VariantResult> {
  const id = randomUUID().slice(0, 8);
  const topic = `${options.prefix}-${variant}-${id}`;
  const group = `${options.prefix}-${variant}-${id}`;
  const admin = createAdmin(options.brokers, 'warren-experiment-admin');
  const dir = mkdtempSync(join(tmpdir(), 'warren-experiment-'));
  const logFile = join(dir, 'processed.log');
  try {
    await ensureTopics(admin, [{ name: topic, partitions: options.partitions }]);
    const perPartition = new Map<number, number>();
    for (let p = 0; p < options.partitions; p++) perPartition.set(p, Math.floor(options.records / options.partitions) + (p < options.records % options.partitions ? 1 : 0));
    await produceSequences(options.brokers, topic, perPartition);
    const produced = [...perPartition.values()].reduce((a, b) => a + b, 0);

    // 1. The multi-worker consumer in a child process, killed mid-batch.
    const config: ChildConfig = {
      brokers: options.brokers,
      group,
      topic,
      form: variant === 'naive' ? 'naive' : 'safe',
      ordered: variant === 'safe-ordered',
      workers: options.workers,
      maxDelayMs: options.maxDelayMs,
      protocol: options.protocol,
      logFile,
    };
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--child', JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const threshold = Math.max(1, Math.floor(produced * options.crashAt));
    const deadline = Date.now() + 60_000;
    let childGone = false;
    void exited.then(() => (childGone = true));
    while (lineCount(logFile) < threshold) {
      if (childGone) throw new Error(`the ${variant} consumer exited before the crash: ${stderr.slice(-2000)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the ${variant} consumer processed only ${lineCount(logFile)} of ${threshold} records within 60 s: ${stderr.slice(-2000)}`);
      }
      await sleep(5);
    }
    child.kill('SIGKILL');
    await exited;
    const before = parseProcessedLog(readFileSync(logFile, 'utf8'));
    const committed = await committedOffsets(admin, group, topic);
    const committedAtCrash = [...committed.values()].reduce((a, b) => a + Number(b), 0);
    log(`${variant}: killed after ${before.length} processed records; committed offsets ${JSON.stringify(Object.fromEntries([...committed].map(([p, o]) => [p, Number(o)])))}`);

    // 2. Restart from the committed offsets (a new group that starts where the crashed one had committed).
    let after: { partition: number; seq: number }[] = [];
    const remaining = [...perPartition].some(([p, n]) => Number(committed.get(p) ?? 0n) < n);
    if (remaining) {
      const restartGroup = `${group}-restart`;
      if (committed.size > 0) await alterOffsets(admin, restartGroup, topic, committed);
      after = await processRest(options, restartGroup, topic, committed, perPartition);
    }
    const { lost, duplicated } = countLossAndDuplicates(perPartition, [before, after]);
    return {
      variant,
      produced,
      processedBeforeCrash: before.length,
      committedAtCrash,
      processedAfterRestart: after.length,
      lost,
      duplicated,
      outOfOrder: countOutOfOrder(before) + countOutOfOrder(after),
    };
  } finally {
    // The crashed member's group keeps its dead member until the session times out; the restart group is empty.
    await admin.deleteGroups({ groups: [`${group}-restart`] }).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatResults(options: ExperimentOptions, results: readonly VariantResult[]): string {
  const header = ['variant', 'produced', 'processed before crash', 'committed at crash', 'processed after restart', 'lost', 'duplicated', 'out of order'];
  const rows = results.map((r) => [r.variant, r.produced, r.processedBeforeCrash, r.committedAtCrash, r.processedAfterRestart, r.lost, r.duplicated, r.outOfOrder].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `Multi-worker strategy, ${options.workers} worker threads, processing 0-${options.maxDelayMs} ms per record; the consumer is killed (SIGKILL)`,
    `once ${Math.round(options.crashAt * 100)}% of the records are processed, then restarted from its committed offsets.`,
    '',
    line(header),
    ...rows.map(line),
    '',
    'lost: never processed. duplicated: processed again after the restart. out of order: finished after a later record of its partition.',
    'naive = the chapter\'s code (commits what was fetched); safe = commits only what every worker finished, per partition, in order;',
    'safe-ordered = safe, and each partition\'s records run one after the other.',
  ].join('\n');
}

async function child(config: ChildConfig): Promise<void> {
  const consumer = new MultiWorkerConsumer({
    brokers: config.brokers,
    group: config.group,
    topics: [config.topic],
    form: config.form,
    ordered: config.ordered,
    workers: config.workers,
    behaviour: { scenario: 'healthy', delayMs: () => Math.random() * config.maxDelayMs, hangAfterMs: null, stopAfterMs: null },
    processedLog: config.logFile,
    protocol: config.protocol,
    commitIntervalMs: 100,
    metricsIntervalMs: 0,
    logger: (await import('./log.ts')).demoLogger('experiment', 'warn'),
  });
  await consumer.start();
  await new Promise(() => undefined);
}

function parseNumber(min: number, max = Infinity) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return n;
  };
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--child') {
    await child(JSON.parse(argv[1]!) as ChildConfig);
    return 0;
  }
  const program = new Command('experiment')
    .description('measure records lost and processed out of order after a forced crash, naive vs safe multi-worker consumer')
    .option('--brokers <list>', 'Kafka bootstrap brokers (env KAFKA_BROKERS)', process.env.KAFKA_BROKERS ?? '127.0.0.1:29092')
    .option('--records <n>', 'records in all', parseNumber(10), 3000)
    .option('--partitions <n>', 'partitions of the experiment topic', parseNumber(1), 3)
    .option('--workers <n>', 'worker threads', parseNumber(1), 4)
    .option('--crash-at <share>', 'share of the records processed when the consumer is killed', parseNumber(0.01, 0.99), 0.4)
    .option('--max-delay <ms>', 'processing time of a record: uniform from 0 to this', parseNumber(0), 10)
    .option('--variants <list>', `comma-separated: ${VARIANTS.join(', ')}`, VARIANTS.join(','))
    .option('--protocol <protocol>', 'group protocol: consumer or classic', 'consumer')
    .option('--prefix <name>', 'topic and group name prefix', 'warren-experiment')
    .option('--json', 'print the results as JSON')
    .option('--verbose', 'print the committed offsets of each variant at the crash on stderr')
    .exitOverride();
  let raw: { brokers: string; records: number; partitions: number; workers: number; crashAt: number; maxDelay: number; variants: string; protocol: string; prefix: string; json?: boolean; verbose?: boolean };
  try {
    program.parse(argv, { from: 'user' });
    raw = program.opts();
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const variants = raw.variants.split(',').map((v) => v.trim());
  for (const v of variants) if (!(VARIANTS as readonly string[]).includes(v)) {
    process.stderr.write(`experiment: unknown variant ${v} (${VARIANTS.join(', ')})\n`);
    return 2;
  }
  if (raw.protocol !== 'consumer' && raw.protocol !== 'classic') {
    process.stderr.write('experiment: --protocol must be consumer or classic\n');
    return 2;
  }
  const options: ExperimentOptions = {
    brokers: raw.brokers.split(',').map((b) => b.trim()),
    records: Math.round(raw.records),
    partitions: Math.round(raw.partitions),
    workers: Math.round(raw.workers),
    crashAt: raw.crashAt,
    maxDelayMs: raw.maxDelay,
    variants: variants as Variant[],
    protocol: raw.protocol,
    prefix: raw.prefix,
  };
  await waitForBrokers(options.brokers, 60_000);
  const results: VariantResult[] = [];
  for (const variant of options.variants) {
    results.push(await runVariant(options, variant, raw.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined));
  }
  process.stdout.write(raw.json ? `${JSON.stringify({ options, results }, null, 2)}\n` : `${formatResults(options, results)}\n`);
  return 0;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
  if (process.argv[2] !== '--child') process.exit();
}
