// One thread of the consumer-per-thread strategy (chapter 4.3.1, "consumer multi-thread"): the thread has its own
// consumer in the shared group, polls, processes each record itself, in order, and commits what it processed.
// Runs as a worker thread started by consumer-per-thread.ts; an uncaught error ends only this thread.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Consumer, type Message } from '@platformatic/kafka';
import type { GroupProtocol } from './kafka.ts';
import { attachLagMetrics, metricLines, RecordsLagMetrics } from './lag-metrics.ts';
import { demoLogger } from './log.ts';
import { consumerOptions } from './multi-worker.ts';
import { behaviourOf, type BehaviourOptions, type Scenario } from './scenarios.ts';

export interface ConsumerThreadData {
  brokers: string[];
  group: string;
  topics: string[];
  index: number;
  scenario: Scenario;
  behaviourOptions: BehaviourOptions;
  protocol: GroupProtocol;
  commitIntervalMs: number;
  metricsIntervalMs: number;
  /** Throw an uncaught error this long after the start (to show that one thread's crash spares the others). */
  crashAfterMs?: number | null;
  processedLog?: string;
}

export type ThreadMessage =
  | { type: 'ready' }
  | { type: 'stats'; processed: number; committed: number }
  | { type: 'stopped'; reason: 'scenario' | 'requested' };

const port = parentPort;
if (!port) throw new Error('consumer-thread.ts runs as a worker thread');
const data = workerData as ConsumerThreadData;
const log = demoLogger('consumer-per-thread').child({ group: data.group, thread: data.index, threadId, scenario: data.scenario });
const behaviour = behaviourOf(data.scenario, data.behaviourOptions);
const startedAt = Date.now();

const consumer = new Consumer(consumerOptions({ brokers: data.brokers, group: data.group, clientId: `warren-demo-${data.group}-thread-${data.index}`, protocol: data.protocol }));
const metrics = new RecordsLagMetrics();
const detach = attachLagMetrics(consumer, metrics, data.topics);
const retainAssigned = () => {
  if (consumer.assignments) metrics.retain(consumer.assignments);
};
consumer.on('consumer:group:join', retainAssigned);
consumer.on('consumer:group:rebalance', retainAssigned);
const toCommit = new Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>();
let processed = 0;
let commits = 0;
let stopping = false;

async function commit(): Promise<void> {
  if (toCommit.size === 0) return;
  const offsets = [...toCommit.values()];
  toCommit.clear();
  try {
    await consumer.commit({ offsets });
    commits++;
  } catch (error) {
    // Revoked partitions fail to commit; the next owner goes on from the last good commit.
    log.warn({ err: error }, 'commit failed');
  }
}

async function stop(reason: 'scenario' | 'requested'): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(commitTimer);
  clearInterval(metricsTimer);
  await commit();
  detach();
  await stream.close().catch(() => undefined);
  await consumer.close(true).catch(() => undefined);
  port!.postMessage({ type: 'stopped', reason } satisfies ThreadMessage);
  log.info({ reason, processed }, reason === 'scenario' ? 'scenario stopped: this consumer left the group for good' : 'consumer thread stopped');
  // Let the log line reach the main thread, then end this thread (a stalled one would wait forever otherwise).
  setTimeout(() => process.exit(0), 100);
}

const stream = await consumer.consume({ topics: data.topics, mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 200, highWaterMark: 100 });
stream.on('error', (error) => log.warn({ err: error }, 'consumer stream error'));
const commitTimer = setInterval(() => void commit(), data.commitIntervalMs);
const metricsTimer = setInterval(() => {
  retainAssigned();
  const snapshot = metrics.snapshot(Date.now());
  log.info({ metrics: snapshot, processed, commits }, 'consumer metrics');
  for (const line of metricLines(snapshot)) log.debug(line);
  port.postMessage({ type: 'stats', processed, committed: commits } satisfies ThreadMessage);
}, data.metricsIntervalMs > 0 ? data.metricsIntervalMs : 10_000);
port.on('message', (message: { type: string }) => {
  if (message.type === 'stop') void stop('requested');
  if (message.type === 'crash') {
    setImmediate(() => {
      throw new Error(`injected crash of consumer thread ${data.index}`);
    });
  }
});
if (behaviour.stopAfterMs !== null) setTimeout(() => void stop('scenario'), behaviour.stopAfterMs);
if (data.crashAfterMs !== undefined && data.crashAfterMs !== null) {
  setTimeout(() => {
    throw new Error(`injected crash of consumer thread ${data.index}`);
  }, data.crashAfterMs);
}
port.postMessage({ type: 'ready' } satisfies ThreadMessage);
log.info({ topics: data.topics, protocol: data.protocol }, 'consumer thread started');

// Records are taken from the stream's 'data' events into a small queue and processed one at a time, in order.
// (Not `for await`: the client pauses and resumes the stream itself around rebalances, and a resume() puts an
// async-iterated stream into flowing mode, which left a classic-protocol member idle after a rebalance.)
const QUEUE_HIGH = 100;
const QUEUE_LOW = 20;
const queue: Message<string, string, string, string>[] = [];
let wake: (() => void) | null = null;
stream.on('data', (message) => {
  queue.push(message);
  if (queue.length >= QUEUE_HIGH) stream.pause();
  wake?.();
});

while (!stopping) {
  const message = queue.shift();
  if (!message) {
    await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
    continue;
  }
  if (queue.length <= QUEUE_LOW && stream.isPaused()) stream.resume();
  metrics.delivered(message.topic, message.partition, message.offset);
  if (behaviour.hangAfterMs !== null && Date.now() - startedAt >= behaviour.hangAfterMs) {
    log.warn({ topic: message.topic, partition: message.partition, offset: String(message.offset) }, 'scenario stalled: stuck on this record for good (still a group member, no more commits)');
    await new Promise(() => undefined);
  }
  const delay = behaviour.delayMs();
  if (delay > 0) await sleep(delay);
  if (stopping) break;
  if (data.processedLog) appendFileSync(data.processedLog, `${message.topic} ${message.partition} ${message.offset} ${message.value ?? ''}\n`);
  processed++;
  toCommit.set(`${message.topic}:${message.partition}`, { topic: message.topic, partition: message.partition, offset: message.offset + 1n, leaderEpoch: message.leaderEpoch });
}
