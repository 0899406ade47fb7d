// The evaluator: Burrow's sliding-window rules as pure functions. No I/O, no clock, no collector imports.
export type * from './types.ts';
export { STATUS_CODE, STATUS_NAMES, groupStatusOf } from './status.ts';
export { judgeWindow, lagNotDecreasing, lagReachedZeroAt, lagWithinAllowed, rewound, stalled, stopped } from './rules.ts';
export {
  TIME_LAG_CAUGHT_UP,
  TIME_LAG_NO_COMMIT,
  TIME_LAG_NO_HISTORY,
  emptyLogEnds,
  estimateTimeLag,
  exactTimeLag,
  recordLogEnd,
} from './time-lag.ts';
export { STEADY_VELOCITY, TREND_UNKNOWN, groupTrend, partitionTrend } from './trend.ts';
export { holdDuringRebalance, shownStatus, type RebalanceHoldInput } from './grace.ts';
export { DEFAULT_RULES, evaluateGroup, evaluatePartition, notFound, onlyProblems } from './evaluate.ts';
export {
  emptyHistory,
  isNegativeLag,
  lagOf,
  lastCommitTime,
  newestLogEnd,
  paddedOffsets,
  recordSample,
  type PartitionHistory,
  type Sample,
} from './window.ts';
