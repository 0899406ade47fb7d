// Scenario switches: how a demo consumer group behaves, chosen per group, so that Warren shows every status at
// once. What Warren's evaluator needs to see for each (evaluator/window.ts, evaluator/rules.ts):
//
//   healthy    keeps up: the lag comes back to (near) zero            → OK
//   slow       commits move, but slower than the producer, so the lag
//              grows from one collector cycle to the next              → WARN (lag not decreasing)
//   stalled    a live member that stops committing while the lag
//              grows: every record after the warm-up hangs             → ERR, partition STALL
//   stopped    commits for a while, then leaves the group; the
//              producer goes on, nobody owns the partitions            → ERR, partition STOP
//   rewinding  no member; the admin API moves the committed offsets
//              backwards again and again and never back up             → ERR, partition REWIND
//
// Why rewinding keeps stepping back instead of one reset: Burrow's rules check STOP before REWIND. After a single
// reset of an empty group the offset no longer moves and nobody owns the partition, so one collector cycle
// later the window's last commit is older than the window is long and the partition turns STOP. A group whose
// offset keeps moving backwards has fresh commit times (never STOP) and a drop that no later offset recovers
// (REWIND for as long as it lasts).

export const SCENARIOS = ['healthy', 'slow', 'stalled', 'stopped', 'rewinding'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const STRATEGIES = ['multi-worker-safe', 'multi-worker-naive', 'consumer-per-thread', 'admin'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** The group status (and partition status) Warren should report for each scenario. */
export const EXPECTED_STATUS: Readonly<Record<Scenario, { group: 'OK' | 'WARN' | 'ERR'; partition: 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND' }>> = {
  healthy: { group: 'OK', partition: 'OK' },
  slow: { group: 'WARN', partition: 'WARN' },
  stalled: { group: 'ERR', partition: 'STALL' },
  stopped: { group: 'ERR', partition: 'STOP' },
  rewinding: { group: 'ERR', partition: 'REWIND' },
};

/** The strategy a scenario runs with when none is named. */
export const DEFAULT_STRATEGY: Readonly<Record<Scenario, Strategy>> = {
  healthy: 'multi-worker-safe',
  slow: 'consumer-per-thread',
  stalled: 'multi-worker-safe',
  stopped: 'multi-worker-safe',
  rewinding: 'admin',
};

export interface Behaviour {
  scenario: Scenario;
  /** Processing time of one record, in ms. */
  delayMs: () => number;
  /** Records handed to processing this long after the start never finish (stalled). */
  hangAfterMs: number | null;
  /** The consumer leaves the group this long after the start (stopped). */
  stopAfterMs: number | null;
}

export interface BehaviourOptions {
  /** Records produced per second on each partition of the group's topic. */
  ratePerPartition: number;
  /** slow: the share of the production rate a slow consumer keeps up with, per partition (0 < f < 1). */
  slowFactor: number;
  /** stalled and stopped: how long they work normally first, so that the group has committed offsets. */
  warmupMs: number;
  /** healthy: processing time range in ms. */
  healthyDelayMs?: readonly [number, number];
}

function uniform(min: number, max: number): () => number {
  return () => min + Math.random() * (max - min);
}

/**
 * The behaviour of a scenario. A slow consumer takes 1 / (rate × slowFactor) seconds per record, processing each
 * partition's records one after the other (consumer-per-thread, or the safe multi-worker form with per-partition
 * order), so its lag grows by rate × (1 − slowFactor) records per second on every partition.
 */
export function behaviourOf(scenario: Scenario, options: BehaviourOptions): Behaviour {
  const [min, max] = options.healthyDelayMs ?? [1, 5];
  const healthy = uniform(min, max);
  switch (scenario) {
    case 'healthy':
      return { scenario, delayMs: healthy, hangAfterMs: null, stopAfterMs: null };
    case 'slow': {
      if (!(options.slowFactor > 0 && options.slowFactor < 1)) throw new Error(`slowFactor must be between 0 and 1, got ${options.slowFactor}`);
      const perRecord = 1000 / (Math.max(options.ratePerPartition, 0.001) * options.slowFactor);
      return { scenario, delayMs: () => perRecord, hangAfterMs: null, stopAfterMs: null };
    }
    case 'stalled':
      return { scenario, delayMs: healthy, hangAfterMs: options.warmupMs, stopAfterMs: null };
    case 'stopped':
      return { scenario, delayMs: healthy, hangAfterMs: null, stopAfterMs: options.warmupMs };
    case 'rewinding':
      return { scenario, delayMs: healthy, hangAfterMs: null, stopAfterMs: null };
  }
}

export function isScenario(value: string): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

export function isStrategy(value: string): value is Strategy {
  return (STRATEGIES as readonly string[]).includes(value);
}
