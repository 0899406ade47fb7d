// Retention: deletes Warren's daily indices older than N days per kind. Lists `_cat/indices/<prefix>-*`,
// keeps only names that are exactly `<prefix>-<kind>-YYYY.MM.DD`, and deletes expired ones by explicit name
// (no wildcards: `action.destructive_requires_name` stays satisfied and nothing else can be caught).
import type { Client } from '@elastic/elasticsearch';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { DocKind } from '../types.ts';
import { classify } from './connection.ts';

const DAY_MS = 86_400_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The kind and UTC day (ms at 00:00) of one of Warren's index names, or null for any other name. */
export function parseIndexName(prefix: string, name: string): { kind: DocKind; day: number } | null {
  const match = new RegExp(`^${escapeRegExp(prefix)}-(partition|group|event|heartbeat)-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`).exec(name);
  if (!match) return null;
  const [, kind, y, m, d] = match;
  const day = Date.UTC(Number(y), Number(m) - 1, Number(d));
  const check = new Date(day);
  // Reject impossible dates such as 2026.02.31.
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(m) - 1 || check.getUTCDate() !== Number(d)) return null;
  return { kind: kind as DocKind, day };
}

/**
 * Names among `indices` to delete at `nowMs`: a kind's index of day D goes when D is more than `days[kind]`
 * days before today (UTC); today is day 0, so days = 7 keeps today and the 7 days before. 0 keeps forever.
 */
export function expiredIndices(prefix: string, indices: readonly string[], days: Record<DocKind, number>, nowMs: number): string[] {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const expired: string[] = [];
  for (const name of indices) {
    const parsed = parseIndexName(prefix, name);
    if (!parsed) continue;
    const keep = days[parsed.kind];
    if (keep > 0 && parsed.day < today - keep * DAY_MS) expired.push(name);
  }
  return expired.sort();
}

export interface RetentionOptions {
  client: Client;
  prefix: string;
  days: Record<DocKind, number>;
  schedule: string;
  logger: Logger;
  now?: () => number;
}

export interface RetentionRun {
  deleted: string[];
  error?: string;
}

export class Retention {
  readonly #options: RetentionOptions;
  #task: ScheduledTask | null = null;
  #running: Promise<RetentionRun> | null = null;
  deletedTotal = 0;
  lastRun: RetentionRun | null = null;

  constructor(options: RetentionOptions) {
    this.#options = options;
  }

  /** Schedules the runs (UTC). Does not run at once. */
  start(): void {
    if (this.#task) return;
    this.#task = cron.schedule(this.#options.schedule, () => this.run(), { timezone: 'UTC', noOverlap: true, name: `warren-retention-${this.#options.prefix}` });
  }

  /** One run: list, pick the expired, delete them. Never throws; the error is logged and returned. */
  run(): Promise<RetentionRun> {
    if (!this.#running) this.#running = this.#run().finally(() => (this.#running = null));
    return this.#running;
  }

  async #run(): Promise<RetentionRun> {
    const { client, prefix, days, logger } = this.#options;
    const now = (this.#options.now ?? Date.now)();
    try {
      const rows = await client.transport.request<{ index: string }[]>({
        method: 'GET',
        path: `/_cat/indices/${encodeURIComponent(prefix)}-*`,
        querystring: { format: 'json', h: 'index', expand_wildcards: 'all' },
      });
      const expired = expiredIndices(prefix, rows.map((row) => row.index), days, now);
      const deleted: string[] = [];
      // Explicit names, a few at a time (URL length).
      for (let i = 0; i < expired.length; i += 50) {
        const names = expired.slice(i, i + 50);
        await client.indices.delete({ index: names, ignore_unavailable: true });
        deleted.push(...names);
      }
      this.deletedTotal += deleted.length;
      if (deleted.length > 0) logger.info({ deleted }, `retention deleted ${deleted.length} expired ${prefix}-* indices`);
      this.lastRun = { deleted };
      return this.lastRun;
    } catch (error) {
      const failure = classify(error);
      logger.warn({ err: failure.message }, `retention run failed (next run on schedule): ${failure.message}`);
      this.lastRun = { deleted: [], error: failure.message };
      return this.lastRun;
    }
  }

  async stop(): Promise<void> {
    if (this.#task) await this.#task.destroy();
    this.#task = null;
    if (this.#running) await this.#running;
  }
}
