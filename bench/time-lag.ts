// Benchmark: what the lag-in-time estimate costs the evaluate step (issue 7: at most +20%), and what recording a
// log end costs the tracker (once per topic-partition per cycle). One process, one run: the same 10,000 partition
// inputs are evaluated (a) without `logEnds`/`committed` (the evaluate step without the estimator) and (b) with
// them, in interleaved rounds so warm-up and machine drift fall on both alike. Everything else is the same in (a)
// and (b), `logStart` included: the trend (and its data-loss time) runs in both, so the ratio is the estimator's.
// The estimator's cost grows with how many distinct log-end histories the inputs read (the third line says how
// many; the last line shows fewer and more). In cache it is ~10 ns a partition. The layout of a history hardly
// matters: interleaved offset/time pairs (number[] or an off-heap Float64Array, the latter slower), one array for
// offsets and times, a two-level index, k-ary, branch-free and backward searches all measured within noise of two
// plain arrays with a binary search, or worse.
import { spawnSync } from 'node:child_process';
import { Tracker } from '../collector/tracker.ts';
import type { ClusterScrape, ScrapedGroup } from '../collector/types.ts';
import { emptyLogEnds, evaluatePartition, recordLogEnd, type LogEndHistory, type OffsetEntry, type PartitionInput } from '../evaluator/index.ts';

const CYCLE_MS = 30_000;
const CAPACITY = 120;
const TOPIC_PARTITIONS = 500; // 20 groups per topic-partition
const CYCLES = 600; // 5 hours of 30 s cycles: every history is full and has been thinned
const INPUTS = 10_000;
const START_MS = 1_700_000_000_000;

/** A deterministic pseudo-random sequence (mulberry32), so every run measures the same inputs. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log ends of one topic-partition per cycle: a base rate that wanders, idle spells and bursts. */
function producer(rand: () => number, cycles: number, from: number): number[] {
  const logEnds: number[] = [];
  let logEnd = from;
  let rate = 5 + rand() * 500;
  let idle = 0;
  let burst = 0;
  for (let c = 0; c < cycles; c++) {
    if (idle === 0 && burst === 0) {
      const r = rand();
      if (r < 0.01) idle = 20 + Math.floor(rand() * 120); // 10 minutes to an hour idle
      else if (r < 0.02) burst = 1 + Math.floor(rand() * 6);
    }
    rate = Math.max(1, rate * (0.9 + rand() * 0.2));
    if (idle > 0) idle--;
    else {
      const perSecond = burst > 0 ? rate * 20 : rate;
      if (burst > 0) burst--;
      logEnd += Math.round(perSecond * (CYCLE_MS / 1000) * (0.8 + rand() * 0.4));
    }
    logEnds.push(logEnd);
  }
  return logEnds;
}

interface Fixture {
  without: PartitionInput[];
  with: PartitionInput[];
  nowMs: number;
  series: number[][];
  histories: LogEndHistory[];
}

function fixture(topicPartitions = TOPIC_PARTITIONS): Fixture {
  const rand = random(7);
  const series: number[][] = [];
  const histories: LogEndHistory[] = [];
  for (let tp = 0; tp < topicPartitions; tp++) {
    const logEnds = producer(rand, CYCLES, Math.floor(rand() * 1e9));
    const history = emptyLogEnds();
    for (let c = 0; c < CYCLES; c++) recordLogEnd(history, logEnds[c]!, START_MS + c * CYCLE_MS + Math.floor(rand() * 500), CAPACITY);
    series.push(logEnds);
    histories.push(history);
  }
  const last = CYCLES - 1;
  const nowMs = START_MS + last * CYCLE_MS + 1000;
  const without: PartitionInput[] = [];
  const withEstimate: PartitionInput[] = [];
  for (let i = 0; i < INPUTS; i++) {
    const tp = i % topicPartitions;
    const logEnds = series[tp]!;
    const kind = i % 10;
    // How many cycles behind the consumer reads, per cycle of the window.
    const behind = (k: number): number => {
      if (kind <= 1) return 0; // caught up
      if (kind <= 5) return 1 + ((i * 7) % 60); // steadily behind by up to 30 minutes
      if (kind === 6) return 100 + ((i * 13) % 300); // hours behind
      if (kind === 7) return 2 + (9 - k) * 2; // catching up
      return 1 + k * 3; // falling behind
    };
    const offsets: OffsetEntry[] = [];
    const brokerOffsets: number[] = [];
    for (let k = 0; k < 10; k++) {
      const c = last - 9 + k;
      const logEnd = logEnds[c]!;
      // kind 9: committed below everything the history saw (extrapolated); the others read the log behind.
      const committed = kind === 9 ? logEnds[0]! - 1000 - k : logEnds[Math.max(0, c - behind(k))]!;
      const at = START_MS + c * CYCLE_MS;
      offsets.push({ offset: committed, timestamp: at, observedAt: at, lag: Math.max(0, logEnd - committed) });
      brokerOffsets.push(logEnd);
    }
    const end = offsets[9]!;
    const base = {
      topic: `t${tp % 50}`,
      partition: tp,
      offsets,
      ringSize: 10,
      brokerOffsets,
      currentLag: end.lag!,
      owner: '/10.0.0.1',
      clientId: 'c',
      owned: i % 2 === 0,
    };
    // The same object shape in both configurations, so neither pays for a polymorphic property access.
    const logStart = logEnds[0]! - 5000;
    without.push({ ...base, committed: undefined, logEnds: undefined, logStart, exactProducedAt: undefined });
    withEstimate.push({ ...base, committed: end.offset, logEnds: histories[tp]!, logStart, exactProducedAt: undefined });
  }
  return { without, with: withEstimate, nowMs, series, histories };
}

let sink = 0;

/**
 * How many distinct log-end histories the inputs hold, and how many the estimator reads: an input at lag 0 with a
 * commit is caught up without a look at its history.
 */
function distinctHistories(inputs: readonly PartitionInput[]): { held: number; read: number; readBy: number } {
  const held = new Set<LogEndHistory>();
  const read = new Set<LogEndHistory>();
  let readBy = 0;
  for (const p of inputs) {
    if (p.logEnds === undefined) continue;
    held.add(p.logEnds);
    if (p.currentLag !== 0 || p.committed === null) {
      read.add(p.logEnds);
      readBy++;
    }
  }
  return { held: held.size, read: read.size, readBy };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = values.slice().sort((x, y) => x - y);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.ceil(at)]! - sorted[lo]!) * (at - lo);
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Evaluates every input `passes` times; returns the CPU time it took (ms). CPU time, not wall time: on a shared
 * machine the process is descheduled now and then, and wall time would charge that to whichever run it hit.
 */
function evaluateAll(inputs: readonly PartitionInput[], nowMs: number, passes: number): number {
  const started = process.cpuUsage();
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < inputs.length; i++) {
      const result = evaluatePartition(inputs[i]!, nowMs);
      sink += result.complete + (result.timeLag.kind === 'unknown' ? 0 : result.timeLag.ms) + (result.trend.kind === 'unknown' ? 0 : 1);
    }
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/** ns per recordLogEnd call on histories already at capacity, over `cycles` more cycles of the same producers. */
function recordCost(f: Fixture, cycles: number, alwaysMoving: boolean): number {
  const rand = random(11);
  const extra = f.series.map((logEnds) => {
    const from = logEnds[logEnds.length - 1]!;
    if (!alwaysMoving) return producer(rand, cycles, from);
    return Array.from({ length: cycles }, (_, c) => from + (c + 1) * 1000 + Math.floor(rand() * 500));
  });
  const histories = f.histories.map((h) => ({ offsets: h.offsets.slice(), times: h.times.slice() }));
  const startCycle = CYCLES;
  const started = performance.now();
  for (let c = 0; c < cycles; c++) {
    const at = START_MS + (startCycle + c) * CYCLE_MS;
    for (let tp = 0; tp < histories.length; tp++) recordLogEnd(histories[tp]!, extra[tp]![c]!, at, CAPACITY);
  }
  const elapsed = performance.now() - started;
  for (const h of histories) sink += h.offsets.length;
  return (elapsed * 1e6) / (cycles * histories.length);
}

interface Measurement {
  rounds: number;
  nsWithout: number;
  nsWith: number;
  ratio: number;
  q1: number;
  q3: number;
  summed: number;
}

/** Many short rounds, interleaved and alternating in order; the medians shrug off another process's burst. */
function measure(f: Fixture, rounds: number): Measurement {
  const PASSES = 2; // 20,000 evaluations per measurement
  for (let r = 0; r < 10; r++) {
    evaluateAll(f.without, f.nowMs, PASSES);
    evaluateAll(f.with, f.nowMs, PASSES);
  }
  const timesWithout: number[] = [];
  const timesWith: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let a: number;
    let b: number;
    if (r % 2 === 0) {
      a = evaluateAll(f.without, f.nowMs, PASSES);
      b = evaluateAll(f.with, f.nowMs, PASSES);
    } else {
      b = evaluateAll(f.with, f.nowMs, PASSES);
      a = evaluateAll(f.without, f.nowMs, PASSES);
    }
    timesWithout.push(a);
    timesWith.push(b);
    ratios.push(b / a);
  }
  const perRound = PASSES * f.without.length;
  return {
    rounds,
    nsWithout: (median(timesWithout) * 1e6) / perRound,
    nsWith: (median(timesWith) * 1e6) / perRound,
    ratio: median(ratios),
    q1: quantile(ratios, 0.25),
    q3: quantile(ratios, 0.75),
    summed: timesWith.reduce((x, y) => x + y) / timesWithout.reduce((x, y) => x + y),
  };
}

/**
 * The evaluate step as the collector runs it: Tracker.ingest turning one cycle's scrape of 1,000 groups × 20
 * partitions (50 topics of 20 partitions, each read by 20 groups) into judged reports — window bookkeeping, log-end
 * histories, evaluation, events — with lag in time on or off. Committed offsets move every cycle (active consumers
 * at various distances behind), so nothing is served from a previous cycle's answer. Returns the CPU time of the
 * timed cycles' ingest calls (ms), garbage collection included; the scrapes are built outside the clock.
 */
function trackerStep(timeLag: boolean, warmup: number, cycles: number): number {
  const GROUPS = 1000;
  const TOPICS = 50;
  const PARTITIONS = 20;
  const rand = random(23);
  const rates = Array.from({ length: TOPICS * PARTITIONS }, () => 5 + rand() * 500);
  const ends = rates.map(() => Math.floor(rand() * 1e9));
  const behindCycles = Array.from({ length: GROUPS }, (_, g) => (g % 10 < 2 ? 0 : 1 + (g % 37)));
  const history: number[][] = ends.map(() => []);
  const tracker = new Tracker({
    clusters: ['bench'],
    intervals: 10,
    expireGroupMs: 7 * 86_400_000,
    rules: { allowedLag: 0, minimumComplete: 0, minSilenceMs: 60_000 },
    rebalanceGraceMs: 60_000,
    logEndHistory: CAPACITY,
    timeLag,
  });
  const scrape = (c: number): ClusterScrape => {
    const at = START_MS + c * CYCLE_MS;
    for (let i = 0; i < ends.length; i++) {
      ends[i] = ends[i]! + Math.round(rates[i]! * 30 * (0.8 + rand() * 0.4));
      history[i]!.push(ends[i]!);
    }
    const topics = new Map<string, { name: string; partitions: number; internal: boolean }>();
    const logEnd = new Map<string, (number | null)[]>();
    for (let t = 0; t < TOPICS; t++) {
      topics.set(`t${t}`, { name: `t${t}`, partitions: PARTITIONS, internal: false });
      logEnd.set(`t${t}`, ends.slice(t * PARTITIONS, (t + 1) * PARTITIONS));
    }
    const groups = new Map<string, ScrapedGroup>();
    for (let g = 0; g < GROUPS; g++) {
      const t = g % TOPICS;
      const committed = new Map<number, number>();
      for (let p = 0; p < PARTITIONS; p++) {
        const series = history[t * PARTITIONS + p]!;
        committed.set(p, series[Math.max(0, series.length - 1 - behindCycles[g]!)]!);
      }
      groups.set(`g${g}`, {
        description: { group: `g${g}`, groupType: 'classic', protocolType: 'consumer', state: 'Stable', epoch: -1, members: [{ memberId: `m${g}`, groupInstanceId: null, clientId: `c${g}`, host: '/10.0.0.1', assignments: [{ topic: `t${t}`, partitions: Array.from({ length: PARTITIONS }, (_, p) => p) }] }] },
        committed: new Map([[`t${t}`, committed]]),
      });
    }
    return { cluster: 'bench', startedAt: at - 100, finishedAt: at, topics, logEnd, groups, errors: [], reachable: true };
  };
  let cpuMs = 0;
  for (let c = 0; c < warmup + cycles; c++) {
    const s = scrape(c);
    const started = process.cpuUsage();
    const { report } = tracker.ingest(s);
    const used = process.cpuUsage(started);
    sink += report.partitionCount;
    if (c >= warmup) cpuMs += (used.user + used.system) / 1000;
  }
  return cpuMs;
}

/**
 * Runs trackerStep in child processes, off and on alternately (`runs` each): each configuration has a heap of its
 * own, so the garbage it makes is collected on its own clock.
 */
function trackerStepRuns(runs: number, cycles: number): { off: number[]; on: number[] } {
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < 2 * runs; r++) {
    const lag = r % 2 === 1;
    const child = spawnSync(process.execPath, [import.meta.filename, '--tracker-step', lag ? 'on' : 'off', String(cycles)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`tracker step (${lag ? 'on' : 'off'}) failed: ${child.stderr}`);
    (lag ? on : off).push(Number(child.stdout.trim()));
  }
  return { off, on };
}

const stepArg = process.argv.indexOf('--tracker-step');
if (import.meta.main && stepArg >= 0) {
  process.stdout.write(`${trackerStep(process.argv[stepArg + 1] === 'on', 125, Number(process.argv[stepArg + 2] ?? 60))}\n`);
} else if (import.meta.main) {
  const f = fixture();
  const kinds: Record<string, number> = {};
  for (const p of f.with) {
    const kind = evaluatePartition(p, f.nowMs).timeLag.kind;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  const points = f.histories.reduce((n, h) => n + h.offsets.length, 0) / f.histories.length;
  console.log(
    `inputs: ${INPUTS.toLocaleString('en')} partitions over ${TOPIC_PARTITIONS} topic-partitions, 10-entry windows, ` +
      `log-end histories of ${points.toFixed(0)} points (capacity ${CAPACITY}, ${CYCLES} cycles with idle spells and bursts)`,
  );
  console.log(`time lag kinds (b): ${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const distinct = distinctHistories(f.with);
  console.log(
    `distinct log-end histories: ${distinct.held.toLocaleString('en')} in the inputs (b), ${distinct.read.toLocaleString('en')} read by the estimator ` +
      `(${distinct.readBy.toLocaleString('en')} of ${INPUTS.toLocaleString('en')} inputs read one; the others are caught up at lag 0 without a look)`,
  );

  const m = measure(f, 100);
  const perSecond = (ns: number): string => Math.round(1e9 / ns).toLocaleString('en');
  console.log(`(a) without the estimator: ${perSecond(m.nsWithout)} partition evaluations/s, ${m.nsWithout.toFixed(1)} ns per partition (CPU time, median of ${m.rounds} rounds)`);
  console.log(`(b) with the estimator:    ${perSecond(m.nsWith)} partition evaluations/s, ${m.nsWith.toFixed(1)} ns per partition`);
  console.log(
    `ratio (b)/(a) time: ${m.ratio.toFixed(3)} (median of ${m.rounds} interleaved rounds; quartiles ${m.q1.toFixed(3)}–${m.q3.toFixed(3)}; ` +
      `all rounds summed ${m.summed.toFixed(3)}); target <= 1.20: ${m.ratio <= 1.2 ? 'met' : 'NOT met'}`,
  );

  recordCost(f, 50, false); // warm-up
  recordCost(f, 50, true);
  const mixed = recordCost(f, 400, false);
  const moving = recordCost(f, 400, true);
  console.log(
    `recordLogEnd at capacity ${CAPACITY}: ${mixed.toFixed(0)} ns per point (producers with idle spells and bursts), ` +
      `${moving.toFixed(0)} ns per point (log end moving every cycle: a thinning on every call)`,
  );
  
  const CYCLES_TIMED = 60;
  const steps = trackerStepRuns(2, CYCLES_TIMED);
  const perCycle = (xs: number[]) => median(xs) / CYCLES_TIMED;
  const stepRatio = median(steps.on) / median(steps.off);
  console.log(
    `evaluate step (Tracker.ingest of 1,000 groups × 20 partitions, histories full, ${CYCLES_TIMED} cycles, each configuration in its own process, run twice): ` +
      `${perCycle(steps.off).toFixed(1)} ms a cycle without lag in time, ${perCycle(steps.on).toFixed(1)} ms with it ` +
      `(runs: off ${steps.off.map((x) => (x / CYCLES_TIMED).toFixed(1)).join(', ')}; on ${steps.on.map((x) => (x / CYCLES_TIMED).toFixed(1)).join(', ')}); ` +
      `ratio ${stepRatio.toFixed(3)}; target <= 1.20: ${stepRatio <= 1.2 ? 'met' : 'NOT met'}`,
  );

  // The same inputs over fewer and more distinct histories: the estimator's cost is mostly cache misses on them.
  const sensitivity: string[] = [];
  for (const topicPartitions of [50, 5000]) {
    const g = fixture(topicPartitions);
    const other = measure(g, 60);
    const read = distinctHistories(g.with).read;
    sensitivity.push(`${read.toLocaleString('en')} (${topicPartitions.toLocaleString('en')} topic-partitions) ${other.ratio.toFixed(3)} (+${(other.nsWith - other.nsWithout).toFixed(0)} ns)`);
  }
  console.log(
    `ratio by distinct log-end histories read: ${sensitivity.join(', ')}; ` +
      `${distinct.read.toLocaleString('en')} (${TOPIC_PARTITIONS} topic-partitions) above (+${(m.nsWith - m.nsWithout).toFixed(0)} ns)`,
  );
  if (sink === -1) console.log(sink);
}
