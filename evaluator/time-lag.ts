// Lag in time (issue 7): how long ago the record at the committed offset was produced, estimated from the
// log-end offsets Warren saw and when it saw them. Pure: every time is an argument.
//
// The history keeps a flat run (the log end did not move) as two points, first seen and last seen. That is what
// places a burst after an idle spell correctly: the records of the burst were produced after the last time the
// log end was seen unchanged, not somewhere along the idle hour (Kafka Lag Exporter's known failure, which keeps
// only the first point of a run and reports a consumer a few hundred messages into the burst as ~an hour behind).
import type { LogEndHistory, TimeLag } from './types.ts';

const CAUGHT_UP: TimeLag = Object.freeze({ kind: 'caught-up', ms: 0 }) as TimeLag;
const NO_COMMIT: TimeLag = Object.freeze({ kind: 'unknown', why: 'no-commit' }) as TimeLag;
const NO_HISTORY: TimeLag = Object.freeze({ kind: 'unknown', why: 'no-history' }) as TimeLag;

/** The shared frozen results (no allocation for the common answers). */
export const TIME_LAG_CAUGHT_UP: TimeLag = CAUGHT_UP;
export const TIME_LAG_NO_COMMIT: TimeLag = NO_COMMIT;
export const TIME_LAG_NO_HISTORY: TimeLag = NO_HISTORY;

export function emptyLogEnds(): LogEndHistory {
  return { offsets: [], times: [] };
}

/**
 * Adds the log end `offset` seen at `atMs` to the history (mutates it), oldest first:
 * - `atMs` not after the newest point: ignored (a late or repeated sample);
 * - `offset` below the newest point's (the topic was recreated or truncated): the history restarts at this point;
 * - `offset` equal to the newest point's and to the one before it (a flat run already has its two points):
 *   the newest point's time moves to `atMs` (the run is kept as first seen, last seen);
 * - otherwise appended. Then, while longer than `capacity` (at least 2), the interior point whose removal changes
 *   the answer least goes: for interior point i, error = |times[i] − the time interpolated at offsets[i] on the
 *   segment i−1 → i+1|, relative to the point's age (newest time − times[i]), i.e. the relative error removing
 *   it would put on the time lag of a consumer at that offset; the oldest of equals goes. The first and last
 *   points always stay, and so do a flat run's endpoints (removing one moves the curve by the whole run). Old
 *   points thin out before recent ones, so the estimate keeps the same relative precision for a lag of seconds
 *   as for one of hours (with the absolute error instead, a consumer minutes behind got errors of 20%).
 *   O(capacity) per call; no allocation once the arrays have reached capacity.
 */
export function recordLogEnd(history: LogEndHistory, offset: number, atMs: number, capacity: number): void {
  const offsets = history.offsets;
  const times = history.times;
  const n = offsets.length;
  if (n > 0) {
    const lastOffset = offsets[n - 1]!;
    if (atMs <= times[n - 1]!) return;
    if (offset < lastOffset) {
      offsets.length = 1;
      times.length = 1;
      offsets[0] = offset;
      times[0] = atMs;
      return;
    }
    if (offset === lastOffset && n >= 2 && offsets[n - 2] === offset) {
      times[n - 1] = atMs;
      return;
    }
  }
  offsets.push(offset);
  times.push(atMs);
  const limit = capacity > 2 ? capacity : 2;
  while (offsets.length > limit) removeLeastSignificant(offsets, times);
}

/** Removes the interior point with the smallest relative interpolation error (the oldest of equals). Needs ≥ 3 points. */
function removeLeastSignificant(offsets: number[], times: number[]): void {
  const n = offsets.length;
  const newest = times[n - 1]!;
  let best = 1;
  let bestError = Infinity;
  for (let i = 1; i < n - 1; i++) {
    const o0 = offsets[i - 1]!;
    const o2 = offsets[i + 1]!;
    const t0 = times[i - 1]!;
    // Three equal offsets: the middle one says nothing the neighbours do not.
    const interpolated = o2 === o0 ? times[i]! : t0 + ((offsets[i]! - o0) / (o2 - o0)) * (times[i + 1]! - t0);
    // Times strictly increase, so the age of an interior point is positive.
    const error = Math.abs(times[i]! - interpolated) / (newest - times[i]!);
    if (error < bestError) {
      bestError = error;
      best = i;
      if (error === 0) break;
    }
  }
  for (let i = best; i < n - 1; i++) {
    offsets[i] = offsets[i + 1]!;
    times[i] = times[i + 1]!;
  }
  offsets.pop();
  times.pop();
}

/**
 * The time lag of a group at `committed` (the next offset it will read): now − when that record was produced,
 * i.e. when the log end passed `committed`.
 * - `committed` null: unknown `no-commit`; empty history: unknown `no-history`;
 * - `committed` at or past the newest log end: `caught-up`;
 * - `committed` older than the oldest point: `extrapolated`, the history's average rate run backwards from the
 *   oldest point, never below `atLeastMs` = now − the oldest point's time (certain: the record is older than that);
 *   with no growth (a flat run) just `atLeastMs`. A history spanning no time (a single point: the first cycle, or
 *   the first after a restart) says nothing yet about records older than it: unknown `no-history` (its
 *   `atLeastMs` would be 0 on the cycle that recorded the point, a lagging partition shown 0 ms behind);
 * - otherwise `interpolated` between the last point at or below `committed` (the record was produced after it)
 *   and the first point above it (the record existed by then).
 * Binary search; allocates only the result. `ms` and `producedAt` are whole milliseconds; `ms` is never negative.
 */
export function estimateTimeLag(history: LogEndHistory, committed: number | null, nowMs: number): TimeLag {
  if (committed === null) return NO_COMMIT;
  const offsets = history.offsets;
  const n = offsets.length;
  if (n === 0) return NO_HISTORY;
  if (offsets[n - 1]! <= committed) return CAUGHT_UP;
  const times = history.times;
  // First j with offsets[j] > committed; offsets never decrease, and offsets[n - 1] > committed.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (offsets[mid]! > committed) hi = mid;
    else lo = mid + 1;
  }
  if (lo === 0) {
    const t0 = times[0]!;
    const dTime = times[n - 1]! - t0;
    if (!(dTime > 0)) return NO_HISTORY;
    const atLeast = nowMs > t0 ? nowMs - t0 : 0;
    let ms = atLeast;
    const dOffset = offsets[n - 1]! - offsets[0]!;
    if (dOffset > 0) {
      const extrapolated = nowMs - (t0 - ((offsets[0]! - committed) * dTime) / dOffset);
      if (extrapolated > ms) ms = extrapolated;
    }
    return { kind: 'extrapolated', ms: Math.round(ms), atLeastMs: Math.round(atLeast) };
  }
  const o0 = offsets[lo - 1]!;
  const t0 = times[lo - 1]!;
  const producedAt = Math.round(t0 + ((committed - o0) / (offsets[lo]! - o0)) * (times[lo]! - t0));
  const ms = nowMs - producedAt;
  return { kind: 'interpolated', ms: ms > 0 ? Math.round(ms) : 0, producedAt };
}

/** Exact mode: the producer's timestamp of the record at the committed offset is known. */
export function exactTimeLag(producedAt: number, nowMs: number): TimeLag {
  const ms = nowMs - producedAt;
  return { kind: 'exact', ms: ms > 0 ? Math.round(ms) : 0, producedAt };
}
