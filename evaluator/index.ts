// The evaluator: Burrow's sliding-window rules as pure functions. No I/O, no clock, no collector imports.
export type * from './types.ts';
export { STATUS_CODE, STATUS_NAMES, groupStatusOf } from './status.ts';
export { judgeWindow, lagNotDecreasing, lagReachedZeroAt, lagWithinAllowed, rewound, stalled, stopped } from './rules.ts';
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
