// Burrow's partition rules, one small function each, in the order Burrow applies them
// (burrow-spec.md §2.3). Every function is pure: the window, the broker offsets and `now` come in as arguments.
import type { OffsetEntry, PartitionVerdict, RewindReason, StallReason, StopReason, WarnReason } from './types.ts';

type Window = readonly OffsetEntry[];

/** Rule (a): a current lag at or below `allowed-lag` is OK whatever the history says. */
export function lagWithinAllowed(currentLag: number, allowedLag: number): boolean {
  return currentLag <= allowedLag;
}

/**
 * Rule (b) STOP: the time since the last commit is strictly greater than the span of the window, and no
 * recent log-end offset was at or below the last committed offset (that would mean the consumer had caught up
 * and there was nothing to commit).
 */
export function stopped(window: Window, brokerOffsets: readonly number[], nowMs: number, minSilenceMs = 0): StopReason | null {
  const first = window[0]!;
  const last = window[window.length - 1]!;
  const sinceLastMs = nowMs - last.timestamp;
  const windowSpanMs = last.timestamp - first.timestamp;
  if (!(sinceLastMs > windowSpanMs) || sinceLastMs < minSilenceMs) return null;
  for (let i = 0; i < brokerOffsets.length; i++) if (brokerOffsets[i]! <= last.offset) return null;
  const newestBrokerOffset = brokerOffsets.length > 0 ? brokerOffsets[brokerOffsets.length - 1]! : null;
  return { rule: 'stopped', sinceLastMs, windowSpanMs, lastOffset: last.offset, newestBrokerOffset };
}

/**
 * Rule (c) REWIND: the first time an offset is lower than the one before it, unless a later offset gets back
 * to (or past) the offset before the drop.
 */
export function rewound(window: Window): RewindReason | null {
  for (let i = 1; i < window.length; i++) {
    const before = window[i - 1]!.offset;
    if (window[i]!.offset < before) {
      for (let j = i; j < window.length; j++) if (window[j]!.offset >= before) return null;
      return { rule: 'rewind', index: i, from: before, to: window[i]!.offset };
    }
  }
  return null;
}

/** Rule (d): the index of the first entry whose commit-time lag was at or below `allowed-lag`, or -1. Null lags are ignored. */
export function lagReachedZeroAt(window: Window, allowedLag: number): number {
  for (let i = 0; i < window.length; i++) {
    const lag = window[i]!.lag;
    if (lag !== null && lag <= allowedLag) return i;
  }
  return -1;
}

/**
 * Rule (e) STALL: every offset in the window is the same.
 * Warren difference: the same offset must have been seen at least twice. Burrow calls a window of one
 * lagging commit a STALL, which makes every lagging partition STALL on its first sample.
 */
export function stalled(window: Window): StallReason | null {
  if (window.length < 2) return null;
  const offset = window[0]!.offset;
  for (let i = 1; i < window.length; i++) if (window[i]!.offset !== offset) return null;
  return { rule: 'stalled', offset, entries: window.length, ...lagEnds(window) };
}

/**
 * Rule (f) WARN: the known lags never decrease (equal is not a decrease; zero or one known lag counts as
 * never decreasing). Returns the index of the first decrease instead when there is one.
 */
export function lagNotDecreasing(window: Window): WarnReason | { decreasedAt: number; from: number; to: number } {
  let previous: number | null = null;
  for (let i = 0; i < window.length; i++) {
    const lag = window[i]!.lag;
    if (lag === null) continue;
    if (previous !== null && lag < previous) return { decreasedAt: i, from: previous, to: lag };
    previous = lag;
  }
  return { rule: 'lag-not-decreasing', entries: window.length, ...lagEnds(window) };
}

function lagEnds(window: Window): { firstLag: number | null; lastLag: number | null } {
  let firstLag: number | null = null;
  let lastLag: number | null = null;
  for (let i = 0; i < window.length; i++) {
    const lag = window[i]!.lag;
    if (lag === null) continue;
    if (firstLag === null) firstLag = lag;
    lastLag = lag;
  }
  return { firstLag, lastLag };
}

/** All rules in Burrow's order, for a non-empty window of a partition whose current lag is above `allowed-lag`. */
export function judgeWindow(
  window: Window,
  brokerOffsets: readonly number[],
  nowMs: number,
  allowedLag: number,
  owner: string | null = null,
  minSilenceMs = 0,
): PartitionVerdict {
  const stop = stopped(window, brokerOffsets, nowMs, minSilenceMs);
  if (stop) {
    // Warren: a live member owns it, so the consumer has not stopped; it is stuck.
    if (owner !== null) return { status: 'STALL', reason: { ...stop, rule: 'no-progress', owner } };
    return { status: 'STOP', reason: stop };
  }
  const rewind = rewound(window);
  if (rewind) return { status: 'REWIND', reason: rewind };
  const zeroAt = lagReachedZeroAt(window, allowedLag);
  if (zeroAt >= 0) {
    return { status: 'OK', reason: { rule: 'lag-reached-zero', index: zeroAt, lag: window[zeroAt]!.lag!, allowedLag } };
  }
  const stall = stalled(window);
  if (stall) return { status: 'STALL', reason: stall };
  // Warren: one commit is not a trend (Burrow calls it WARN).
  if (window.length < 2) return { status: 'OK', reason: { rule: 'single-sample', lag: window[0]!.lag } };
  const warn = lagNotDecreasing(window);
  if ('rule' in warn) return { status: 'WARN', reason: warn };
  return { status: 'OK', reason: { rule: 'lag-decreasing', index: warn.decreasedAt, from: warn.from, to: warn.to } };
}
