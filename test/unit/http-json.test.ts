// The mapping from the evaluator's results to Burrow's JSON (collector/http/burrow-json.ts).
import { describe, expect, it } from 'vitest';
import { consumerDetailJson, float32, maxLagPartition, sortedPartitions, statusJson } from '../../collector/http/burrow-json.ts';
import type { ConsumerPartitionView } from '../../collector/types.ts';
import { evaluateGroup, notFound, type OffsetEntry, type PartitionInput } from '../../evaluator/index.ts';

const NOW = 1_700_000_600_000;

function input(topic: string, partition: number, lag: number, offsets: OffsetEntry[] = []): PartitionInput {
  return { topic, partition, offsets, ringSize: 3, brokerOffsets: [], currentLag: lag, owner: '/10.0.0.1', clientId: 'c-1', owned: true };
}

const entry = (offset: number, timestamp: number, lag: number | null): OffsetEntry => ({ offset, timestamp, observedAt: timestamp + 5, lag });

describe('float32: numbers as Go prints a float32', () => {
  it.each([
    [1 / 3, 0.33333334],
    [2 / 3, 0.6666667],
    [0.1, 0.1],
    [0.5, 0.5],
    [1, 1],
    [0, 0],
    [Math.fround(0.7), 0.7],
    [7 / 9, 0.7777778],
  ])('%d → %d', (value, printed) => {
    expect(float32(value)).toBe(printed);
    expect(JSON.stringify(float32(value))).toBe(String(printed));
  });
});

describe('statusJson', () => {
  // Given out of order on purpose: the API sorts, and breaks maxlag ties by topic, then partition.
  const result = evaluateGroup(
    'prod',
    'g',
    [
      input('b', 0, 50, [entry(10, NOW - 60_000, 40), entry(10, NOW - 30_000, 45), entry(10, NOW - 1_000, 50)]),
      input('a', 1, 50, [entry(5, NOW - 2_000, 50)]),
      input('a', 0, 0, [entry(7, NOW - 2_000, 0)]),
      input('a', 2, 7),
    ],
    NOW,
  );

  it('sorts partitions by topic, then partition', () => {
    const json = statusJson(result, false);
    expect(json.partitions.map((p) => `${p.topic}/${p.partition}`)).toEqual(['a/0', 'a/1', 'a/2', 'b/0']);
  });

  it('maxlag: the most current lag, ties to the first by topic then partition, whatever the input order', () => {
    expect(statusJson(result, false).maxlag).toMatchObject({ topic: 'a', partition: 1, current_lag: 50 });
    expect(maxLagPartition(sortedPartitions(result.partitions))).toMatchObject({ topic: 'a', partition: 1 });
    expect(maxLagPartition([])).toBeNull();
  });

  it('maps every field with Burrow names and keeps the reason', () => {
    const p = statusJson(result, false).partitions[1]!;
    expect(p).toEqual({
      topic: 'a',
      partition: 1,
      owner: '/10.0.0.1',
      client_id: 'c-1',
      status: expect.any(String),
      start: { offset: 5, timestamp: NOW - 2_000, observedAt: NOW - 1_995, lag: 50 },
      end: { offset: 5, timestamp: NOW - 2_000, observedAt: NOW - 1_995, lag: 50 },
      current_lag: 50,
      complete: 0.33333334,
      reason: expect.objectContaining({ rule: expect.any(String) }),
    });
    expect(statusJson(result, false).partitions[2]).toMatchObject({ start: null, end: null, complete: 0, reason: { rule: 'no-commits' } });
  });

  it('problems only: partitions worse than OK, group numbers unchanged', () => {
    const all = statusJson(result, false);
    const problems = statusJson(result, true);
    expect(problems.partitions.every((p) => p.status !== 'OK')).toBe(true);
    expect(problems.partitions.length).toBe(all.partitions.filter((p) => p.status !== 'OK').length);
    expect({ ...problems, partitions: [] }).toEqual({ ...all, partitions: [] });
  });

  it('the same result maps to the same object (mapped once per cycle)', () => {
    expect(statusJson(result, false)).toBe(statusJson(result, false));
    expect(statusJson(result, true)).toBe(statusJson(result, true));
  });

  it('NOTFOUND', () => {
    expect(statusJson(notFound('prod', 'x'), true)).toEqual({
      cluster: 'prod',
      group: 'x',
      status: 'NOTFOUND',
      complete: 1,
      partitions: [],
      partition_count: 0,
      maxlag: null,
      totallag: 0,
    });
  });

  it('a group with no partitions left: OK, complete 0, maxlag null', () => {
    expect(statusJson(evaluateGroup('prod', 'empty', [], NOW), false)).toMatchObject({ status: 'OK', complete: 0, partitions: [], maxlag: null, partition_count: 0 });
  });
});

describe('consumerDetailJson', () => {
  it("Burrow's consumer detail: topics sorted, key current-lag, holes filled", () => {
    const view = (lag: number): ConsumerPartitionView => ({ offsets: [null, entry(3, 1000, 2)], owner: '/h', clientId: 'c', currentLag: lag });
    const sparse: ConsumerPartitionView[] = [];
    sparse[1] = view(4);
    const json = consumerDetailJson(new Map([['z', [view(1)]], ['a', sparse]]));
    expect(Object.keys(json)).toEqual(['a', 'z']);
    expect(json.a).toEqual([
      { offsets: [], owner: '', client_id: '', 'current-lag': 0 },
      { offsets: [null, { offset: 3, timestamp: 1000, observedAt: 1005, lag: 2 }], owner: '/h', client_id: 'c', 'current-lag': 4 },
    ]);
  });
});
