// The Kafka source's pure pieces: int64 offsets kept exact or refused, group filters, error text.
import { describe, expect, it } from 'vitest';
import { describeError, groupFilter, safeOffset } from '../../collector/sources/kafka.ts';
import { Tracker } from '../../collector/tracker.ts';

describe('safeOffset', () => {
  it('keeps every offset up to 2^53 − 1 exact', () => {
    expect(safeOffset(0n)).toBe(0);
    expect(safeOffset(5_000_000_007n)).toBe(5_000_000_007);
    expect(safeOffset(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses an offset above 2^53 instead of rounding it, and -1 (no commit)', () => {
    expect(safeOffset(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toBeNull();
    expect(safeOffset(2n ** 63n - 1n)).toBeNull();
    expect(safeOffset(-1n)).toBeNull();
  });

  it('refused offsets are counted in the cycle report', () => {
    const tracker = new Tracker({ clusters: ['c'], intervals: 10, expireGroupMs: 1e9, rules: { allowedLag: 0, minimumComplete: 0 } });
    const { report } = tracker.ingest({
      cluster: 'c',
      startedAt: 0,
      finishedAt: 1,
      reachable: true,
      topics: new Map(),
      logEnd: new Map(),
      groups: new Map(),
      errors: [{ cluster: 'c', stage: 'list-offsets', topic: 't', partition: 0, code: 'offset-out-of-range', message: 'offset 9007199254740993 is above 2^53' }],
    });
    expect(report.offsetsOutOfRange).toBe(1);
  });
});

describe('groupFilter', () => {
  it('applies the allowlist and the denylist as unanchored regexes', () => {
    const accept = groupFilter({ groupAllowlist: 'orders', groupDenylist: '^console-consumer-' });
    expect(accept('team-orders-v2')).toBe(true);
    expect(accept('payments')).toBe(false);
    expect(accept('console-consumer-orders')).toBe(false);
    expect(groupFilter({})('anything')).toBe(true);
  });
});

describe('describeError', () => {
  it("gives the client's summary and the root cause on one line", () => {
    const root = new Error('connect ECONNREFUSED 127.0.0.1:9092');
    const middle = Object.assign(new Error('Cannot connect to any broker.'), { errors: [root] });
    const top = Object.assign(new Error('Listing topics failed.'), { errors: [middle] });
    expect(describeError(top)).toBe('Listing topics failed: connect ECONNREFUSED 127.0.0.1:9092');
    expect(describeError(new Error('plain\nmessage.'))).toBe('plain message');
    expect(describeError('text')).toBe('text');
  });
});
