// Topics created and deleted while the collector reads the cluster (Kafka 3.9 and 4.x): a topic that vanishes
// between ListTopics and the Metadata or ListOffsets requests of a cycle must not fail the cycle, and a group on
// a stable topic keeps its report, with the right lag, in every cycle.
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.ts';
import { createLogger } from '../../collector/logger.ts';
import type { CycleReport } from '../../collector/types.ts';
import { admin, commit, createTopic, produce, testConfig, uniqueName } from '../helpers/kafka.ts';
import { KAFKA_VERSIONS, kafkaBrokers } from '../helpers/services.ts';

const CHURN_MS = 10_000;

describe.each(KAFKA_VERSIONS)('topic churn on %s', (kafka) => {
  let brokers: string[];
  let client: Admin;
  let churner: Admin;
  let collector: Collector;
  const prefix = uniqueName(`churn-${kafka}`);
  const stable = `${prefix}-stable`;
  const group = `${prefix}-group`;
  let clock = Date.now();

  beforeAll(async () => {
    brokers = kafkaBrokers(kafka);
    client = admin(brokers);
    churner = new Admin({ clientId: 'warren-test-churner', bootstrapBrokers: brokers, retries: 0 });
    await createTopic(client, stable, 2);
    await produce(brokers, stable, [0, 1], 100);
    await commit(client, group, stable, { 0: 40, 1: 70 });
    collector = new Collector({
      config: testConfig({ k: { brokers, groupAllowlist: `^${prefix}-` } }, { interval: 30 }),
      logger: createLogger('silent'),
      now: () => clock,
    });
  });

  afterAll(async () => {
    await collector?.stop();
    const leftovers = (await client.listTopics()).filter((t) => t.startsWith(`${prefix}-`));
    if (leftovers.length > 0) await client.deleteTopics({ topics: leftovers }).catch(() => undefined);
    await churner?.close();
    await client?.close();
  });

  it('every cycle succeeds and reports the stable group with its lag while topics come and go', async () => {
    let stop = false;
    let churned = 0;
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        const topic = `${prefix}-tmp-${i}`;
        try {
          await churner.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
          await churner.deleteTopics({ topics: [topic] });
          churned++;
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();

    const reports: CycleReport[] = [];
    const started = Date.now();
    try {
      while (Date.now() - started < CHURN_MS) {
        clock += 30_000;
        reports.push((await collector.runCycle('k')).report);
      }
    } finally {
      stop = true;
      await churn;
    }

    const failed = reports.filter((r) => !r.ok);
    const churnErrors = reports.flatMap((r) => r.errors).filter((e) => e.topic?.startsWith(`${prefix}-tmp-`));
    console.log(`topic churn on ${kafka}: ${reports.length} cycles, ${failed.length} failed, ${churned} topics created and deleted, ${churnErrors.length} per-topic errors reported`);
    expect(churned).toBeGreaterThan(5);
    expect(reports.length).toBeGreaterThan(5);
    expect(failed.map((r) => r.errors.map((e) => e.message))).toEqual([]);
    for (const report of reports) {
      const stableGroup = report.groups.find((g) => g.group === group);
      expect(stableGroup, `cycle at ${report.startedAt}`).toBeDefined();
      expect(stableGroup!.result.totallag).toBe(90);
      expect(stableGroup!.details.map((d) => [d.partition, d.committed, d.logEnd])).toEqual([
        [0, 40, 100],
        [1, 70, 100],
      ]);
      // Errors, if any, name a churned topic, never the stable one.
      expect(report.errors.filter((e) => e.topic === stable)).toEqual([]);
    }
  });
});
