// Benchmark (b): a full collect + evaluate cycle against the real local broker with 1,000 groups × 20
// partitions (offsets committed with the admin API; no live consumers), and the process's resident memory.
import { Admin } from '@platformatic/kafka';
import { Collector } from '../collector/collector.ts';
import { configSchema } from '../collector/config.ts';
import { createLogger } from '../collector/logger.ts';
import { service } from './services.ts';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 1000);
const PARTITIONS = 20;
const TOPICS = 50;

export async function cycleBenchmark(cycles = 5) {
  const brokers = service('kafka4', 'KAFKA4_BROKERS', 'KAFKA_BROKERS').split(',');
  const admin = new Admin({ clientId: 'warren-bench', bootstrapBrokers: brokers, retries: 5 });
  const prefix = `bench-${Date.now().toString(36)}`;
  const topics = Array.from({ length: TOPICS }, (_, i) => `${prefix}-t${i}`);
  await admin.createTopics({ topics, partitions: PARTITIONS, replicas: 1 });
  const setupStarted = performance.now();
  for (let g = 0; g < GROUPS; g++) {
    await admin.alterConsumerGroupOffsets({
      groupId: `${prefix}-g${g}`,
      topics: [{ name: topics[g % TOPICS]!, partitionOffsets: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: 0n })) }],
    });
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  await admin.close();

  const config = configSchema.parse({ clusters: { bench: { brokers, groupAllowlist: `^${prefix}-` } } });
  const collector = new Collector({ config, logger: createLogger('silent') });
  const durations: number[] = [];
  let groups = 0;
  let partitions = 0;
  for (let i = 0; i < cycles; i++) {
    const started = performance.now();
    const { report } = await collector.runCycle('bench');
    durations.push(performance.now() - started);
    if (!report.ok) throw new Error(`cycle failed: ${report.errors[0]?.message}`);
    groups = report.groups.length;
    partitions = report.partitionCount;
  }
  await collector.stop();
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  return { groups, partitions, durations, rssMb, setupSeconds };
}

if (import.meta.main) {
  const r = await cycleBenchmark();
  const sorted = [...r.durations].sort((a, b) => a - b);
  console.log(`cycle: ${r.groups} groups, ${r.partitions} group-partitions; cycle ms first ${r.durations[0]!.toFixed(0)}, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)} (target <= 2000); RSS ${r.rssMb.toFixed(0)} MB (target <= 300)`);
}
