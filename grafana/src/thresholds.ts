// Per-group lag thresholds: a lookup file compiled into alert rules (one rule per listed group, plus one
// default rule for every other group). See grafana/lag-thresholds.yaml.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface GroupThreshold {
  cluster: string;
  group: string;
  threshold: number;
}

export interface LagThresholds {
  default: number;
  groups: GroupThreshold[];
}

export const THRESHOLDS_FILE = new URL('../lag-thresholds.yaml', import.meta.url);

function positive(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where} must be a number ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function name(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${where} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export function parseThresholds(text: string, file = 'lag-thresholds.yaml'): LagThresholds {
  const raw = (parse(text) ?? {}) as Record<string, unknown>;
  const groups = raw.groups ?? [];
  if (!Array.isArray(groups)) throw new Error(`${file}: groups must be a list`);
  const seen = new Set<string>();
  const out: LagThresholds = { default: positive(raw.default, `${file}: default`), groups: [] };
  groups.forEach((g: Record<string, unknown>, i) => {
    const where = `${file}: groups[${i}]`;
    const entry = { cluster: name(g.cluster, `${where}.cluster`), group: name(g.group, `${where}.group`), threshold: positive(g.threshold, `${where}.threshold`) };
    const key = `${entry.cluster}\u0000${entry.group}`;
    if (seen.has(key)) throw new Error(`${where}: ${entry.cluster}/${entry.group} is listed twice`);
    seen.add(key);
    out.groups.push(entry);
  });
  return out;
}

export function loadThresholds(): LagThresholds {
  return parseThresholds(readFileSync(THRESHOLDS_FILE, 'utf8'));
}
