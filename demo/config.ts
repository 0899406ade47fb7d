// The demo's settings: which topics, which groups with which scenario and strategy, how fast. Parsed from the
// command line (main.ts) with environment fallbacks, so docker compose and scripts/start.ts can set them.
import { DEFAULT_STRATEGY, isScenario, isStrategy, type Scenario, type Strategy } from './scenarios.ts';
import type { GroupProtocol, TopicSpec } from './kafka.ts';

export interface GroupSpec {
  group: string;
  scenario: Scenario;
  strategy: Strategy;
  topic: string;
}

export interface DemoSettings {
  brokers: string[];
  /** Records per second on each topic. */
  rate: number;
  topics: TopicSpec[];
  groups: GroupSpec[];
  /** Worker threads of each multi-worker pool. */
  workers: number;
  protocol: GroupProtocol;
  slowFactor: number;
  warmupMs: number;
  /** Records every partition holds at least before consumers start. */
  seedPerPartition: number;
  rewindEveryMs: number;
  rewindStep: number;
  metricsIntervalMs: number;
  /** Crash a consumer-per-thread thread on purpose. */
  crash: { group: string; thread: number; afterMs: number } | null;
  /** Stop by itself after this long (null: run until a signal). */
  durationMs: number | null;
  producer: boolean;
}

/**
 * The default groups, one per status Warren shows: `<prefix>-healthy`, `-naive` and `-threads` (OK, one per
 * strategy), `-slow` (WARN), `-stalled` (STALL), `-stopped` (STOP), `-rewind` (REWIND).
 */
export function defaultGroups(prefix = 'demo'): GroupSpec[] {
  const orders = `${prefix}.orders`;
  const payments = `${prefix}.payments`;
  const clicks = `${prefix}.clicks`;
  return [
    { group: `${prefix}-healthy`, scenario: 'healthy', strategy: 'multi-worker-safe', topic: orders },
    { group: `${prefix}-naive`, scenario: 'healthy', strategy: 'multi-worker-naive', topic: orders },
    { group: `${prefix}-threads`, scenario: 'healthy', strategy: 'consumer-per-thread', topic: clicks },
    { group: `${prefix}-slow`, scenario: 'slow', strategy: 'consumer-per-thread', topic: payments },
    { group: `${prefix}-stalled`, scenario: 'stalled', strategy: 'multi-worker-safe', topic: clicks },
    { group: `${prefix}-stopped`, scenario: 'stopped', strategy: 'multi-worker-safe', topic: orders },
    { group: `${prefix}-rewind`, scenario: 'rewinding', strategy: 'admin', topic: payments },
  ];
}

export function defaultTopics(prefix = 'demo', partitions = 3): TopicSpec[] {
  return ['orders', 'payments', 'clicks'].map((name) => ({ name: `${prefix}.${name}`, partitions }));
}

/**
 * One group spec: `NAME=SCENARIO[/STRATEGY][@TOPIC]`, e.g. `demo-slow=slow/consumer-per-thread@demo.payments`.
 * The strategy defaults to the scenario's (DEFAULT_STRATEGY), the topic to `defaultTopic`.
 */
export function parseGroupSpec(text: string, defaultTopic: string): GroupSpec {
  const match = /^([A-Za-z0-9._-]+)=([a-z]+)(?:\/([a-z-]+))?(?:@([A-Za-z0-9._-]+))?$/.exec(text.trim());
  if (!match) throw new Error(`bad group spec ${JSON.stringify(text)}: expected NAME=SCENARIO[/STRATEGY][@TOPIC]`);
  const [, group, scenario, strategy, topic] = match;
  if (!isScenario(scenario!)) throw new Error(`bad group spec ${JSON.stringify(text)}: unknown scenario ${scenario} (healthy, slow, stalled, stopped, rewinding)`);
  if (strategy !== undefined && !isStrategy(strategy)) {
    throw new Error(`bad group spec ${JSON.stringify(text)}: unknown strategy ${strategy} (multi-worker-safe, multi-worker-naive, consumer-per-thread, admin)`);
  }
  const chosen = (strategy as Strategy | undefined) ?? DEFAULT_STRATEGY[scenario];
  if ((scenario === 'rewinding') !== (chosen === 'admin')) {
    throw new Error(`bad group spec ${JSON.stringify(text)}: the rewinding scenario runs with the admin strategy, and only it does`);
  }
  return { group: group!, scenario, strategy: chosen, topic: topic ?? defaultTopic };
}

/** A comma-separated list of group specs. */
export function parseGroupSpecs(text: string, defaultTopic: string): GroupSpec[] {
  const specs = text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => parseGroupSpec(s, defaultTopic));
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.group)) throw new Error(`group ${spec.group} is listed twice`);
    names.add(spec.group);
  }
  return specs;
}

/** `GROUP:THREAD@SECONDS`, e.g. `demo-threads:0@60`. */
export function parseCrash(text: string): { group: string; thread: number; afterMs: number } {
  const match = /^([A-Za-z0-9._-]+):(\d+)@(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) throw new Error(`bad --crash-thread ${JSON.stringify(text)}: expected GROUP:THREAD@SECONDS`);
  return { group: match[1]!, thread: Number(match[2]), afterMs: Math.round(Number(match[3]) * 1000) };
}

/** Topics the groups read that are not in the list are added with `partitions` partitions. */
export function topicsFor(groups: readonly GroupSpec[], topics: readonly TopicSpec[], partitions: number): TopicSpec[] {
  const result = [...topics];
  for (const g of groups) if (!result.some((t) => t.name === g.topic)) result.push({ name: g.topic, partitions });
  return result;
}
