// Per-group alert thresholds: a lookup file compiled into alert rules (one rule per listed group, plus one
// default rule for every other group), for the lag in messages and for the lag in time. See
// grafana/lag-thresholds.yaml.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface GroupThreshold {
  cluster: string;
  group: string;
  threshold: number;
}

/** Time-lag thresholds, in ms. */
export interface TimeLagThresholds {
  default: number;
  groups: GroupThreshold[];
}

export interface LagThresholds {
  /** Total lag, in messages. */
  default: number;
  groups: GroupThreshold[];
  /** Lag in time (ms); DEFAULT_TIME_LAG for every group when absent. */
  timeLag?: TimeLagThresholds;
}

/** The time-lag threshold when the file does not set one: 5 minutes. */
export const DEFAULT_TIME_LAG_MS = 300_000;

export const THRESHOLDS_FILE = new URL('../lag-thresholds.yaml', import.meta.url);

function positive(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where} must be a number ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: `90s`, `5m`, `1h30m`, `2d`, or a bare number of seconds. In ms. */
export function duration(value: unknown, where: string): number {
  if (typeof value === 'number') return positive(value, where) * 1000;
  const text = typeof value === 'string' ? value.trim() : '';
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (text === '' || parts.map((m) => m[0]).join('') !== text) {
    throw new Error(`${where} must be a duration such as 90s, 5m or 1h30m, got ${JSON.stringify(value)}`);
  }
  return Math.round(parts.reduce((ms, m) => ms + Number(m[1]) * UNIT_MS[m[2]!]!, 0));
}

/** `5m`, `1h30m`, `45s`: the shortest spelling of a duration in ms (whole seconds and up). */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  if (s === 0) return '0s';
  let out = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      out += `${Math.floor(s / size)}${unit}`;
      s %= size;
    }
  }
  return out;
}

function name(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${where} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function groupList(value: unknown, where: string, threshold: (v: unknown, where: string) => number): GroupThreshold[] {
  const groups = value ?? [];
  if (!Array.isArray(groups)) throw new Error(`${where} must be a list`);
  const seen = new Set<string>();
  return groups.map((g: Record<string, unknown>, i) => {
    const at = `${where}[${i}]`;
    const entry = { cluster: name(g.cluster, `${at}.cluster`), group: name(g.group, `${at}.group`), threshold: threshold(g.threshold, `${at}.threshold`) };
    const key = `${entry.cluster}\u0000${entry.group}`;
    if (seen.has(key)) throw new Error(`${at}: ${entry.cluster}/${entry.group} is listed twice`);
    seen.add(key);
    return entry;
  });
}

export function parseThresholds(text: string, file = 'lag-thresholds.yaml'): LagThresholds {
  const raw = (parse(text) ?? {}) as Record<string, unknown>;
  const out: LagThresholds = { default: positive(raw.default, `${file}: default`), groups: groupList(raw.groups, `${file}: groups`, positive) };
  const time = raw.timeLag;
  if (time === undefined || time === null) {
    out.timeLag = { default: DEFAULT_TIME_LAG_MS, groups: [] };
  } else {
    if (typeof time !== 'object' || Array.isArray(time)) throw new Error(`${file}: timeLag must be a map with default and groups`);
    const t = time as Record<string, unknown>;
    out.timeLag = {
      default: t.default === undefined ? DEFAULT_TIME_LAG_MS : duration(t.default, `${file}: timeLag.default`),
      groups: groupList(t.groups, `${file}: timeLag.groups`, duration),
    };
  }
  return out;
}

export function loadThresholds(): LagThresholds {
  return parseThresholds(readFileSync(THRESHOLDS_FILE, 'utf8'));
}
