// Benchmark (a): partition evaluations per second on one core (the evaluator alone, full windows).
import { evaluatePartition, type OffsetEntry, type PartitionInput } from '../evaluator/index.ts';

export function evaluatorBenchmark(seconds = 3): { evaluationsPerSecond: number; partitions: number } {
  // A mix of windows: healthy, lagging, stalled, stopped, rewound.
  const inputs: PartitionInput[] = [];
  for (let i = 0; i < 10_000; i++) {
    const kind = i % 5;
    const offsets: OffsetEntry[] = [];
    for (let k = 0; k < 10; k++) {
      const offset = kind === 2 ? 1000 : kind === 4 && k > 6 ? 500 + k : 1000 + k * 100;
      const lag = kind === 0 ? (k % 3 === 0 ? 0 : 50) : 100 + k * (kind === 1 ? 10 : 0);
      offsets.push({ offset, timestamp: 1_000_000 + k * 30_000, observedAt: 1_000_000 + k * 30_000, lag });
    }
    inputs.push({
      topic: `t${i % 50}`,
      partition: i % 20,
      offsets,
      ringSize: 10,
      brokerOffsets: offsets.map((o) => o.offset + (o.lag ?? 0)),
      currentLag: kind === 0 ? 0 : 200,
      owner: '/10.0.0.1',
      clientId: 'c',
      owned: i % 2 === 0,
    });
  }
  const now = kind3Now();
  let evaluations = 0;
  let sink = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < inputs.length; i++) {
      const result = evaluatePartition(inputs[i]!, i % 5 === 3 ? now + 1_000_000 : now);
      sink += result.complete;
    }
    evaluations += inputs.length;
  }
  const elapsed = (performance.now() - started) / 1000;
  if (sink < 0) console.log(sink);
  return { evaluationsPerSecond: evaluations / elapsed, partitions: inputs.length };
}

function kind3Now(): number {
  return 1_000_000 + 9 * 30_000 + 1000;
}

if (import.meta.main) {
  const { evaluationsPerSecond } = evaluatorBenchmark();
  console.log(`evaluator: ${Math.round(evaluationsPerSecond).toLocaleString('en')} partition evaluations/s on one core (target >= 2,000,000)`);
}
