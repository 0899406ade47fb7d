// records-lag maths of the demo consumers (the chapter's metrics() example, computed by hand).
import { describe, expect, it } from 'vitest';
import { lagsFromFetch, metricLines, positionAfterFetch, recordsLag, RecordsLagMetrics, WindowedStat } from '../../demo/lag-metrics.ts';

describe('recordsLag and positionAfterFetch', () => {
  it('is the high watermark minus the position, never negative', () => {
    expect(recordsLag(100n, 60n)).toBe(40);
    expect(recordsLag(100n, 100n)).toBe(0);
    expect(recordsLag(100n, 120n)).toBe(0);
  });

  it('moves the position one past the last record fetched, or leaves it at the fetch offset', () => {
    expect(positionAfterFetch(10n, [])).toBe(10n);
    expect(positionAfterFetch(10n, null)).toBe(10n);
    expect(positionAfterFetch(10n, [{ firstOffset: 10n, lastOffsetDelta: 4 }])).toBe(15n);
    expect(positionAfterFetch(10n, [{ firstOffset: 10n, lastOffsetDelta: 4 }, { firstOffset: 15n, lastOffsetDelta: 9 }])).toBe(25n);
    // A batch starting before the fetch offset (the broker returns whole batches) cannot move it back.
    expect(positionAfterFetch(30n, [{ firstOffset: 20n, lastOffsetDelta: 5 }])).toBe(30n);
  });
});

describe('WindowedStat', () => {
  it('averages and maximises the values of the window only', () => {
    const stat = new WindowedStat(1000);
    expect(stat.avg(0)).toBeNull();
    expect(stat.max(0)).toBeNull();
    stat.record(10, 0);
    stat.record(20, 500);
    stat.record(0, 900);
    expect(stat.avg(900)).toBe(10);
    expect(stat.max(900)).toBe(20);
    // At 1000 the first sample (t=0) is out of the window; at 1600 the second too.
    expect(stat.avg(1000)).toBe(10);
    expect(stat.max(1000)).toBe(20);
    expect(stat.max(1600)).toBe(0);
    expect(stat.avg(2000)).toBeNull();
    expect(stat.count(2000)).toBe(0);
  });

  it('handles many samples', () => {
    const stat = new WindowedStat(100);
    for (let t = 0; t < 10_000; t++) stat.record(t % 7, t);
    expect(stat.count(9_999)).toBe(100);
    expect(stat.max(9_999)).toBe(6);
  });
});

describe('RecordsLagMetrics', () => {
  it('reports records-lag (latest), -avg and -max per partition and the consumer-level max', () => {
    const m = new RecordsLagMetrics(60_000);
    m.record('orders', 0, 5, 1000);
    m.record('orders', 0, 15, 2000);
    m.record('orders', 1, 40, 2000);
    m.record('orders', 1, 2, 3000);
    const snapshot = m.snapshot(3000);
    expect(snapshot.partitions).toEqual([
      { topic: 'orders', partition: 0, 'records-lag': 15, 'records-lag-avg': 10, 'records-lag-max': 15 },
      { topic: 'orders', partition: 1, 'records-lag': 2, 'records-lag-avg': 21, 'records-lag-max': 40 },
    ]);
    expect(snapshot['records-lag-max']).toBe(40);
  });

  it('measures from the position the application was handed, not the read-ahead of the fetch', () => {
    const m = new RecordsLagMetrics(60_000, 100);
    // A fetch brought the position to 1000 (records buffered), high watermark 1000, nothing handed out yet.
    m.recordFetch('t', 0, 1000n, 1000n, 0);
    expect(m.snapshot(0).partitions[0]!['records-lag']).toBe(0);
    // The application gets record 100: 899 records are still ahead of it.
    m.delivered('t', 0, 100n, 200);
    expect(m.snapshot(200).partitions[0]!['records-lag']).toBe(899);
    // Hand-over samples are taken at most every 100 ms.
    m.delivered('t', 0, 101n, 250);
    expect(m.snapshot(250).partitions[0]!['records-lag']).toBe(899);
    m.delivered('t', 0, 150n, 400);
    expect(m.snapshot(400).partitions[0]!['records-lag']).toBe(849);
    // The next fetch's high watermark is measured against the application's position too.
    m.recordFetch('t', 0, 1200n, 1100n, 500);
    expect(m.snapshot(500).partitions[0]!['records-lag']).toBe(1049);
    expect(m.position('t', 0)).toBe(151n);
  });

  it('forgets revoked partitions', () => {
    const m = new RecordsLagMetrics();
    m.record('t', 0, 1, 0);
    m.record('t', 1, 2, 0);
    m.retain([{ topic: 't', partitions: [1] }]);
    expect(m.snapshot(0).partitions.map((p) => p.partition)).toEqual([1]);
  });

  it('prints the chapter\'s metric lines', () => {
    const m = new RecordsLagMetrics();
    m.record('t', 0, 3, 0);
    expect(metricLines(m.snapshot(0))).toEqual([
      't-0 metricName: records-lag, metricValue: 3',
      't-0 metricName: records-lag-avg, metricValue: 3',
      't-0 metricName: records-lag-max, metricValue: 3',
      'consumer metricName: records-lag-max, metricValue: 3',
    ]);
    expect(metricLines(new RecordsLagMetrics().snapshot(0))).toEqual(['consumer metricName: records-lag-max, metricValue: NaN']);
  });
});

describe('lagsFromFetch', () => {
  it('takes the high watermark of each partition against its position after the fetch', () => {
    const positions = new Map<string, bigint>();
    const lags = lagsFromFetch(
      { topics: [{ topicId: 'A', partitions: [{ partition: 0, fetchOffset: 10n }, { partition: 1, fetchOffset: 50n }] }] },
      {
        responses: [
          {
            topicId: 'A',
            partitions: [
              { partitionIndex: 0, errorCode: 0, highWatermark: 30n, records: [{ firstOffset: 10n, lastOffsetDelta: 9 }] },
              { partitionIndex: 1, errorCode: 0, highWatermark: 50n, records: [] },
            ],
          },
        ],
      },
      positions,
    );
    expect(lags.map((l) => [l.partition, l.lag, l.position])).toEqual([
      [0, 10, 20n],
      [1, 0, 50n],
    ]);
    // An incremental fetch session answers for a partition the request did not list: the known position is used.
    const next = lagsFromFetch({ topics: [] }, { responses: [{ topicId: 'A', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 40n, records: null }] }] }, positions);
    expect(next.map((l) => l.lag)).toEqual([20]);
  });

  it('skips partitions with an error or an unknown position', () => {
    const lags = lagsFromFetch(
      { topics: [{ topicId: 'A', partitions: [{ partition: 0, fetchOffset: 0n }] }] },
      { responses: [{ topicId: 'A', partitions: [{ partitionIndex: 0, errorCode: 1, highWatermark: 9n }, { partitionIndex: 7, errorCode: 0, highWatermark: 9n }] }] },
      new Map(),
    );
    expect(lags).toEqual([]);
  });
});
