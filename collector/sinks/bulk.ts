// Sends one batch of spooled documents with `_bulk` and handles the answer item by item:
//   201/200 indexed · 409 already there (a retry of something ES had stored: the id is deterministic)
//   429/5xx the item alone is retried with exponential backoff and jitter; after `itemAttempts` it goes to
//           the dead-letter file · other 4xx (mapping errors, bad values) go to the dead-letter file at once.
// A failure of the whole request (unreachable, timeout, 401/403, 429/5xx) retries the same items, without
// end, until it succeeds, the batch is dropped from the spool (bound reached) or the sink is closing.
// 413 splits the batch. The whole batch is never re-sent for one failed item.
import type { Client } from '@elastic/elasticsearch';
import { classify, type Failure } from './connection.ts';
import { parseDoc, type DeadLetter, type DeadLetterFile } from './dead-letter.ts';

/** A spooled document: `<index>\t<id>\t<source JSON>` (JSON never holds a raw tab; index names cannot). */
export interface BulkItem {
  index: string;
  id: string;
  source: string;
}

export function encodeEntry(index: string, id: string, source: string): string {
  return `${index}\t${id}\t${source}`;
}

export function decodeEntry(entry: string): BulkItem | null {
  const first = entry.indexOf('\t');
  const second = first < 0 ? -1 : entry.indexOf('\t', first + 1);
  if (second < 0) return null;
  return { index: entry.slice(0, first), id: entry.slice(first + 1, second), source: entry.slice(second + 1) };
}

/** Bytes a bulk body adds to an entry's spool line (`{"create":{"_index":…,"_id":…}}\n` + `\n` − framing). */
export const BULK_OVERHEAD_PER_ENTRY = 24;

export function bulkBody(items: readonly BulkItem[], prepare?: (item: BulkItem) => string): string {
  let body = '';
  for (const item of items) {
    body += `{"create":{"_index":"${item.index}","_id":"${item.id}"}}\n${prepare ? prepare(item) : item.source}\n`;
  }
  return body;
}

export interface RetryPolicy {
  initialDelay: number;
  maxDelay: number;
  itemAttempts: number;
}

/** Exponential backoff with "equal jitter": between half and all of min(max, initial·2^attempt). */
export function backoff(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelay, policy.initialDelay * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface BulkCounters {
  docsIndexed: number;
  docsDuplicate: number;
  docsDeadLettered: number;
  itemRetries: number;
  bulkRequests: number;
  bulkFailures: number;
}

export interface BulkSenderOptions {
  client: Client;
  deadLetter: DeadLetterFile;
  retry: RetryPolicy;
  counters: BulkCounters;
  /** Rewrites a document just before each attempt (heartbeats get the sink's counters). */
  prepare?: (item: BulkItem) => string;
  /** A whole request failed (for logs and state). */
  onRequestFailure?: (failure: Failure) => void;
  /** A request got an answer. */
  onRequestSuccess?: () => void;
  /** Items sent to the dead-letter file (for logs). */
  onDeadLetter?: (letters: readonly DeadLetter[]) => void;
}

export type SendOutcome =
  /** Every item indexed, already present, or dead-lettered: the batch can be acknowledged. */
  | 'done'
  /** The batch left the spool meanwhile (dropped to respect the bound): stop trying. */
  | 'abandoned'
  /** The sink is closing: the batch stays in the spool. */
  | 'aborted';

interface Pending {
  item: BulkItem;
  attempts: number;
}

interface ItemAnswer {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: unknown };
}

const FILTER_PATH = 'errors,items.*.status,items.*.error';

export class BulkSender {
  readonly #options: BulkSenderOptions;

  constructor(options: BulkSenderOptions) {
    this.#options = options;
  }

  async send(items: readonly BulkItem[], isLive: () => boolean, signal: AbortSignal): Promise<SendOutcome> {
    const chunks: Pending[][] = [items.map((item) => ({ item, attempts: 0 }))];
    let requestFailures = 0;
    let itemRound = 0;
    while (chunks.length > 0) {
      if (signal.aborted) return 'aborted';
      if (!isLive()) return 'abandoned';
      const chunk = chunks.shift()!;
      const answer = await this.#request(chunk.map((p) => p.item), signal);
      if ('failure' in answer) {
        const failure = answer.failure;
        if (signal.aborted) return 'aborted';
        this.#options.counters.bulkFailures++;
        this.#options.onRequestFailure?.(failure);
        if (failure.kind === 'too-large' && chunk.length > 1) {
          const half = Math.ceil(chunk.length / 2);
          chunks.unshift(chunk.slice(0, half), chunk.slice(half));
          continue;
        }
        if (failure.kind === 'refused' || failure.kind === 'too-large') {
          // Sending these again cannot help: keep them for a person to look at.
          await this.#deadLetter(chunk.map((p) => ({ pending: p, status: 'status' in failure ? failure.status : 0, error: { type: 'warren_request_refused', reason: failure.message } })));
          continue;
        }
        chunks.unshift(chunk);
        await sleep(backoff(this.#options.retry, requestFailures++), signal);
        continue;
      }
      requestFailures = 0;
      this.#options.onRequestSuccess?.();
      const { items: answers } = answer;
      if (answers.length !== chunk.length) {
        // Should not happen; be safe: send the same items again (ids make it harmless).
        chunks.unshift(chunk);
        await sleep(backoff(this.#options.retry, requestFailures++), signal);
        continue;
      }
      const retry: Pending[] = [];
      const rejected: { pending: Pending; status: number; error: unknown }[] = [];
      for (let i = 0; i < chunk.length; i++) {
        const pending = chunk[i]!;
        const result = answers[i]!;
        const status = result.status ?? 0;
        if (status === 200 || status === 201) this.#options.counters.docsIndexed++;
        else if (status === 409) this.#options.counters.docsDuplicate++;
        else if (status === 429 || status >= 500 || status === 0) {
          pending.attempts++;
          if (pending.attempts >= this.#options.retry.itemAttempts) {
            rejected.push({ pending, status, error: { type: 'warren_retries_exhausted', reason: `still ${status} after ${pending.attempts} attempts`, caused_by: result.error } });
          } else {
            retry.push(pending);
          }
        } else {
          rejected.push({ pending, status, error: result.error ?? { type: 'unknown', reason: `status ${status}` } });
        }
      }
      await this.#deadLetter(rejected);
      if (retry.length > 0) {
        this.#options.counters.itemRetries += retry.length;
        chunks.unshift(retry);
        await sleep(backoff(this.#options.retry, itemRound++), signal);
      }
    }
    return 'done';
  }

  async #request(items: readonly BulkItem[], signal: AbortSignal): Promise<{ items: ItemAnswer[] } | { failure: Failure }> {
    this.#options.counters.bulkRequests++;
    try {
      const response = await this.#options.client.transport.request<{ errors?: boolean; items?: Record<string, ItemAnswer>[] }>(
        { method: 'POST', path: '/_bulk', querystring: { filter_path: FILTER_PATH }, bulkBody: bulkBody(items, this.#options.prepare) },
        { signal },
      );
      const answers = (response.items ?? []).map((entry) => Object.values(entry)[0] ?? {});
      return { items: answers };
    } catch (error) {
      return { failure: classify(error) };
    }
  }

  async #deadLetter(rejected: readonly { pending: Pending; status: number; error: unknown }[]): Promise<void> {
    if (rejected.length === 0) return;
    const at = new Date().toISOString();
    const letters: DeadLetter[] = rejected.map(({ pending, status, error }) => ({
      at,
      index: pending.item.index,
      id: pending.item.id,
      status,
      error,
      doc: parseDoc(pending.item.source),
    }));
    // If the file cannot be written the error propagates: the batch stays in the spool and is tried again.
    await this.#options.deadLetter.write(letters);
    this.#options.counters.docsDeadLettered += letters.length;
    this.#options.onDeadLetter?.(letters);
  }
}
