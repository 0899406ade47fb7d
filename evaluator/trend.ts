// Where the lag is heading (issue 7): the lag's velocity over the recent past, and what it means at that pace.
// Pure: `nowMs` is an argument.
import type { OffsetEntry, PartitionResult, Trend } from './types.ts';

const UNKNOWN: Trend = Object.freeze({ kind: 'unknown' }) as Trend;

/** Below this |velocity| (messages/s) the lag is steady. */
export const STEADY_VELOCITY = 1e-9;

/** The shared frozen unknown trend. */
export const TREND_UNKNOWN: Trend = UNKNOWN;

/**
 * A partition's trend: velocity = (currentLag − the lag at a window entry) / (now − that entry's timestamp),
 * messages/s. The entry is the newest one at least `trendSpanMs` old (so the trend follows the last few
 * intervals, not the whole window: a consumer that recovers after a pause reads `catching-up` within that span,
 * and a lag that has been flat for that span is `steady`), or the window's first entry when none is that old or
 * `trendSpanMs` is 0. Unknown when there is no commit now, the window is empty, that entry's lag is null, or the
 * span is not positive.
 * - `catching-up` (velocity < 0): `catchUpMs` = currentLag / −velocity (0 when the lag is 0);
 * - `falling-behind` (velocity > 0): `dataLossMs` = (committed − logStart) / velocity, the time until the
 *   committed offset falls behind the log start if retention moves the log start as fast as the producer writes
 *   (0 when it already has); null when either offset is unknown;
 * - `steady`: |velocity| < 1e-9.
 * Times are whole milliseconds.
 */
export function partitionTrend(
  window: readonly OffsetEntry[],
  currentLag: number,
  logStart: number | null,
  committed: number | null,
  nowMs: number,
  trendSpanMs = 0,
): Trend {
  if (window.length === 0 || committed === null) return UNKNOWN;
  let first = window[0]!;
  if (trendSpanMs > 0) {
    const before = nowMs - trendSpanMs;
    for (let i = window.length - 1; i > 0; i--) {
      if (window[i]!.timestamp <= before) {
        first = window[i]!;
        break;
      }
    }
  }
  const firstLag = first.lag;
  if (firstLag === null) return UNKNOWN;
  const spanMs = nowMs - first.timestamp;
  if (!(spanMs > 0)) return UNKNOWN;
  const velocity = (currentLag - firstLag) / (spanMs / 1000);
  return trendOf(velocity, spanMs, currentLag, logStart !== null ? lossMs(committed, logStart, velocity) : null);
}

function lossMs(committed: number, logStart: number, velocity: number): number {
  return committed < logStart ? 0 : Math.round(((committed - logStart) / velocity) * 1000);
}

function trendOf(velocity: number, spanMs: number, lag: number, dataLossMs: number | null): Trend {
  if (velocity < STEADY_VELOCITY && velocity > -STEADY_VELOCITY) return { kind: 'steady', velocity, spanMs };
  if (velocity < 0) return { kind: 'catching-up', velocity, spanMs, catchUpMs: lag === 0 ? 0 : Math.round((lag / -velocity) * 1000) };
  return { kind: 'falling-behind', velocity, spanMs, dataLossMs };
}

/**
 * A group's trend from its judged partitions: the velocities of the partitions with a known trend summed, over
 * the shortest of their spans; catch-up time is the group's total lag (every partition's current lag) over the
 * summed velocity; data-loss time is the smallest non-null `dataLossMs` of the falling-behind partitions (null
 * when none). Unknown when no partition's trend is known.
 */
export function groupTrend(partitions: readonly PartitionResult[]): Trend {
  let known = false;
  let velocity = 0;
  let spanMs = Infinity;
  let totalLag = 0;
  let dataLossMs: number | null = null;
  for (let i = 0; i < partitions.length; i++) {
    const p = partitions[i]!;
    totalLag += p.currentLag;
    const t = p.trend;
    if (t.kind === 'unknown') continue;
    known = true;
    velocity += t.velocity;
    if (t.spanMs < spanMs) spanMs = t.spanMs;
    if (t.kind === 'falling-behind' && t.dataLossMs !== null && (dataLossMs === null || t.dataLossMs < dataLossMs)) dataLossMs = t.dataLossMs;
  }
  if (!known) return UNKNOWN;
  return trendOf(velocity, spanMs, totalLag, dataLossMs);
}
