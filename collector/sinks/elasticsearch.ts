// The Elasticsearch sink: each cycle's documents go into a disk spool at once (write() never waits for
// Elasticsearch and never throws); one drain loop installs the templates, then sends the spool in order with
// `_bulk`, acknowledging each batch once every item is indexed, already present or dead-lettered. While
// Elasticsearch is unreachable the spool grows up to its bound and collection goes on; after a restart the
// spool is sent. Retention deletes expired daily indices on a cron schedule.
//
//   documents.ts  CycleReport + events → documents, ids, index names (safe integers only)
//   spool.ts      bounded, append-only, disk-backed FIFO
//   bulk.ts       one batch → `_bulk`, item by item, with retries and the dead-letter file
//   retention.ts  expired daily indices, deleted by name
//   connection.ts the client (auth, TLS) and error classification
//   ../../elasticsearch/templates.ts  the index templates
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { installTemplates } from '../../elasticsearch/templates.ts';
import type { CycleReport, HeartbeatDoc, Sink, WarrenEvent } from '../types.ts';
import { BULK_OVERHEAD_PER_ENTRY, BulkSender, backoff, decodeEntry, encodeEntry, sleep, type BulkCounters, type BulkItem } from './bulk.ts';
import { classify, createClient, serverVersion, type Failure } from './connection.ts';
import { DeadLetterFile } from './dead-letter.ts';
import { DocumentBuilder } from './documents.ts';
import {
  ElasticsearchConfigError,
  describeAuth,
  indexPrefixProblem,
  redactConfig,
  type ElasticsearchConfig,
} from './elasticsearch-config.ts';
import { Retention, type RetentionRun } from './retention.ts';
import { Spool, type SpoolDrop } from './spool.ts';

export { SpoolLockedError } from './spool.ts';
export {
  ElasticsearchConfigError,
  elasticsearchConfigSchema,
  parseElasticsearchConfig,
  redactConfig,
  type ElasticsearchConfig,
  type ElasticsearchConfigInput,
} from './elasticsearch-config.ts';

export type SinkState =
  /** Templates not installed yet (nothing is sent before they are). */
  | 'starting'
  | 'connected'
  /** Not reached, timing out, or answering 429/5xx to whole requests. */
  | 'unreachable'
  /** 401/403: the credentials or privileges are wrong. */
  | 'auth-failed'
  | 'closed';

export interface ElasticsearchSinkStats {
  state: SinkState;
  lastError: string | null;
  /** ms since epoch of the last answered request. */
  lastSuccessAt: number | null;
  serverVersion: string | null;
  templatesReady: boolean;
  cyclesWritten: number;
  /** Documents accepted into the spool. */
  docsSpooled: number;
  docsIndexed: number;
  /** Documents Elasticsearch already had (a re-send after a timeout or restart; not stored twice). */
  docsDuplicate: number;
  /** Documents rejected by Elasticsearch, now in the dead-letter file. */
  docsDeadLettered: number;
  /** Documents dropped because the spool was full. */
  docsDropped: number;
  /** Documents refused before the spool: numbers that are not safe integers. */
  docsRefused: number;
  /** Partition documents left out by `partitionDocs: changed`. */
  docsSkipped: number;
  itemRetries: number;
  bulkRequests: number;
  bulkFailures: number;
  /** write() calls that failed inside (logged; never thrown). */
  writeErrors: number;
  /** Disk used by the spool (what spool.maxBytes bounds). */
  spoolBytes: number;
  /** Bytes of the documents waiting in the spool. */
  spoolBacklogBytes: number;
  spoolDocs: number;
  spoolSegments: number;
  spoolCorrupt: number;
  retentionDeleted: number;
}

const HEARTBEAT_INDEX = /-heartbeat-\d{4}\.\d{2}\.\d{2}$/;
const REPEAT_LOG_MS = 60_000;

export interface ElasticsearchSinkOptions {
  /** A client to use instead of one built from the config (the sink closes it). */
  client?: Client;
}

export class ElasticsearchSink implements Sink {
  readonly name = 'elasticsearch';
  readonly config: ElasticsearchConfig;
  readonly #logger: Logger;
  readonly #client: Client;
  readonly #spool: Spool;
  readonly #builder: DocumentBuilder;
  readonly #sender: BulkSender;
  readonly #retention: Retention;
  readonly #deadLetter: DeadLetterFile;
  readonly #abort = new AbortController();
  readonly #closing = new AbortController();
  readonly #counters: BulkCounters = { docsIndexed: 0, docsDuplicate: 0, docsDeadLettered: 0, itemRetries: 0, bulkRequests: 0, bulkFailures: 0 };
  #state: SinkState = 'starting';
  #lastError: string | null = null;
  #lastErrorLoggedAt = 0;
  #lastSuccessAt: number | null = null;
  #serverVersion: string | null = null;
  #templatesReady = false;
  #readyWaiters: (() => void)[] = [];
  #cycles = 0;
  #spooled = 0;
  #refused = 0;
  #skipped = 0;
  #writeErrors = 0;
  #sending = false;
  #drainer: Promise<void> | null = null;
  #closed: Promise<void> | null = null;

  /** Prefer createElasticsearchSink(), which validates the config. Opens the spool (throws if it is locked). */
  constructor(config: ElasticsearchConfig, logger: Logger, options: ElasticsearchSinkOptions = {}) {
    this.config = config;
    this.#logger = logger.child({ sink: 'elasticsearch' });
    this.#client = options.client ?? createClient(config);
    this.#builder = new DocumentBuilder({ prefix: config.prefix, partitionDocs: config.partitionDocs, fullSnapshotEvery: config.fullSnapshotEvery });
    this.#deadLetter = new DeadLetterFile(config.deadLetter.path ?? join(config.spool.dir, 'dead-letter.ndjson'), config.deadLetter.maxBytes);
    this.#spool = Spool.open({
      dir: config.spool.dir,
      maxBytes: config.spool.maxBytes,
      segmentBytes: config.spool.segmentBytes,
      fsync: config.spool.fsync,
      onDrop: (drop) => this.#onDrop(drop),
      onError: (error, what) => this.#logger.error({ err: error.message }, `spool: ${what} failed: ${error.message}`),
    });
    this.#sender = new BulkSender({
      client: this.#client,
      deadLetter: this.#deadLetter,
      retry: config.retry,
      counters: this.#counters,
      prepare: (item) => this.#prepare(item),
      onRequestFailure: (failure) => this.#onFailure(failure, 'sending documents'),
      onRequestSuccess: () => this.#onSuccess(),
      onDeadLetter: (letters) => {
        const first = letters[0]!;
        const reason = (first.error as { reason?: string } | null)?.reason ?? '';
        this.#logger.warn(
          { count: letters.length, index: first.index, status: first.status, reason, file: this.#deadLetter.path },
          `Elasticsearch rejected ${letters.length} document(s) (${first.status}: ${reason}); kept in ${this.#deadLetter.path}`,
        );
      },
    });
    this.#retention = new Retention({ client: this.#client, prefix: config.prefix, days: config.retention.days, schedule: config.retention.schedule, logger: this.#logger });
    const spool = this.#spool.stats();
    this.#logger.info(
      { elasticsearch: redactConfig(config), spooled: spool.entries },
      `Elasticsearch sink: ${config.urls.join(', ')} (${describeAuth(config)}), indices ${config.prefix}-<kind>-YYYY.MM.DD, spool ${config.spool.dir}` +
        (spool.entries > 0 ? ` holding ${spool.entries} documents from before the restart` : ''),
    );
  }

  /** Starts the drain loop and the retention schedule. Idempotent. */
  start(): this {
    if (!this.#drainer && !this.#closed) {
      this.#drainer = this.#drain().catch((error: unknown) => {
        this.#logger.error({ err: String(error) }, `Elasticsearch sink stopped unexpectedly: ${String(error)}`);
      });
      this.#retention.start();
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------------
  // Taking cycles

  /** Builds the cycle's documents and appends them to the spool. Never waits, never throws. */
  write(report: CycleReport, events: readonly WarrenEvent[]): void {
    try {
      if (this.#closed) {
        this.#writeErrors++;
        this.#logger.warn({ cluster: report.cluster }, 'Elasticsearch sink is closed; cycle not written');
        return;
      }
      const built = this.#builder.build(report, events);
      this.#skipped += built.skipped;
      if (built.refused.length > 0) {
        this.#refused += built.refused.length;
        const first = built.refused[0]!;
        this.#logger.error(
          { cluster: report.cluster, count: built.refused.length, first: first.what, problem: first.problem },
          `refused ${built.refused.length} document(s) of cluster ${report.cluster}: ${first.what}: ${first.problem}`,
        );
      }
      const entries = built.docs.map((d) => encodeEntry(d.index, d.id, JSON.stringify(d.doc)));
      this.#spooled += this.#spool.append(entries);
      this.#cycles++;
    } catch (error) {
      this.#writeErrors++;
      this.#logger.error({ cluster: report.cluster, err: String(error) }, `Elasticsearch sink could not take a cycle: ${String(error)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Sending

  async #drain(): Promise<void> {
    const signal = this.#abort.signal;
    const waitSignal = AbortSignal.any([signal, this.#closing.signal]);
    if (!(await this.#setup())) return;
    let partialSeenAt = 0;
    let partialStart = -1;
    while (!signal.aborted) {
      const batch = await this.#spool.next(this.config.batch.maxDocs, this.config.batch.maxBytes, BULK_OVERHEAD_PER_ENTRY);
      if (!batch) {
        if (this.#closing.signal.aborted) return;
        await this.#spool.waitForData(Math.max(50, this.config.flushInterval), waitSignal);
        continue;
      }
      const full = batch.entries.length >= this.config.batch.maxDocs || batch.bytes >= this.config.batch.maxBytes * 0.9;
      if (!full && !this.#closing.signal.aborted && this.config.flushInterval > 0) {
        // A partial batch waits up to flushInterval for more documents (e.g. another cluster's cycle).
        const key = batch.seq * 1e12 + batch.start;
        if (key !== partialStart) {
          partialStart = key;
          partialSeenAt = Date.now();
        }
        const waited = Date.now() - partialSeenAt;
        if (waited < this.config.flushInterval) {
          await this.#spool.waitForData(this.config.flushInterval - waited, waitSignal);
          continue;
        }
      }
      partialStart = -1;
      const items: BulkItem[] = [];
      for (const entry of batch.entries) {
        const item = decodeEntry(entry);
        if (item) items.push(item);
        else this.#logger.error('skipped a malformed spool entry');
      }
      this.#sending = true;
      try {
        const outcome = items.length === 0 ? 'done' : await this.#sender.send(items, () => this.#spool.isLive(batch), signal);
        if (outcome === 'done') this.#spool.commit(batch);
        if (outcome === 'aborted') return;
      } catch (error) {
        // Only the dead-letter file failing gets here: keep the batch and try again later.
        this.#logger.error({ err: String(error) }, `could not write the dead-letter file: ${String(error)}; the batch stays in the spool`);
        await sleep(this.config.retry.maxDelay, signal);
      } finally {
        this.#sending = false;
      }
    }
  }

  /** Probes the server and installs the templates; retries until it works or the sink closes. */
  async #setup(): Promise<boolean> {
    const signal = this.#abort.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        try {
          this.#serverVersion = await serverVersion(this.#client);
        } catch (error) {
          const failure = classify(error);
          // Without the monitor privilege the version stays unknown; everything else is a real failure.
          if (!(failure.kind === 'auth' && failure.status === 403)) throw error;
        }
        if (this.config.manageTemplates) {
          const report = await installTemplates(
            this.#client,
            { prefix: this.config.prefix, replicas: this.config.replicas, refreshInterval: this.config.refreshInterval },
            this.#logger,
          );
          this.#logger.info(
            { ...report, version: this.#serverVersion },
            `Elasticsearch ${this.#serverVersion ?? '(version unknown)'}: templates ${report.written.length > 0 ? `written: ${report.written.join(', ')}` : 'up to date'}` +
              (report.customCreated.length > 0 ? `; created empty ${report.customCreated.join(', ')} for your settings` : '') +
              (report.newer.length > 0 ? `; left newer ${report.newer.join(', ')} alone` : ''),
          );
        }
        this.#templatesReady = true;
        for (const resolve of this.#readyWaiters.splice(0)) resolve();
        this.#onSuccess();
        return true;
      } catch (error) {
        this.#onFailure(classify(error), this.config.manageTemplates ? 'installing index templates' : 'probing Elasticsearch');
        await sleep(backoff(this.config.retry, attempt), signal);
      }
    }
    return false;
  }

  /** Heartbeats carry the sink's counters as they are when the document is sent. */
  #prepare(item: BulkItem): string {
    if (!HEARTBEAT_INDEX.test(item.index)) return item.source;
    try {
      const doc = JSON.parse(item.source) as HeartbeatDoc;
      const stats = this.stats();
      doc.spool_bytes = stats.spoolBacklogBytes;
      doc.docs_indexed_total = stats.docsIndexed;
      doc.bulk_failures_total = stats.bulkFailures;
      doc.docs_dropped_total = stats.docsDropped;
      doc.docs_dead_lettered_total = stats.docsDeadLettered;
      doc.docs_refused_total = stats.docsRefused;
      return JSON.stringify(doc);
    } catch {
      return item.source;
    }
  }

  #onFailure(failure: Failure, doing: string): void {
    // A refused request (its documents go to the dead-letter file) says nothing about the connection.
    const state: SinkState = failure.kind === 'auth' ? 'auth-failed' : failure.kind === 'unreachable' || failure.kind === 'busy' ? 'unreachable' : this.#state;
    const changed = state !== this.#state || failure.message !== this.#lastError;
    const previous = this.#state;
    if (this.#state !== 'closed') this.#state = state;
    this.#lastError = failure.message;
    if (this.#closing.signal.aborted && (failure.kind === 'unreachable' || failure.kind === 'auth' || failure.kind === 'busy')) {
      // Closing: do not wait for an Elasticsearch that is not there; the spool keeps the rest.
      this.#abort.abort();
    }
    const now = Date.now();
    if (!changed && now - this.#lastErrorLoggedAt < REPEAT_LOG_MS) return;
    this.#lastErrorLoggedAt = now;
    const spool = this.#spool.stats();
    const fields = { state: this.#state, previous, err: failure.message, spooledDocs: spool.entries, spoolBytes: spool.bytes, spoolDir: this.config.spool.dir };
    const message = `Elasticsearch: ${doing} failed: ${failure.message}; ${spool.entries} documents wait in the spool (${spool.bytes} bytes); collection goes on`;
    if (failure.kind === 'auth') this.#logger.error(fields, message);
    else this.#logger.warn(fields, message);
  }

  #onSuccess(): void {
    this.#lastSuccessAt = Date.now();
    if (this.#state !== 'connected' && this.#state !== 'closed') {
      const previous = this.#state;
      this.#state = 'connected';
      if (previous !== 'starting') {
        this.#logger.info({ spooledDocs: this.#spool.stats().entries }, `Elasticsearch is reachable again; sending ${this.#spool.stats().entries} spooled documents`);
      }
    }
  }

  #onDrop(drop: SpoolDrop): void {
    const spool = this.#spool?.stats();
    this.#logger.error(
      { dropped: drop.entries, bytes: drop.bytes, reason: drop.reason, droppedTotal: spool?.droppedEntries, maxBytes: this.config.spool.maxBytes },
      drop.reason === 'full'
        ? `spool full (${this.config.spool.maxBytes} bytes): dropped the ${drop.entries} oldest documents; Elasticsearch has not taken them (last error: ${this.#lastError ?? 'none'})`
        : `dropped ${drop.entries} documents larger than a spool segment`,
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // State

  stats(): ElasticsearchSinkStats {
    const spool = this.#spool.stats();
    return {
      state: this.#state,
      lastError: this.#lastError,
      lastSuccessAt: this.#lastSuccessAt,
      serverVersion: this.#serverVersion,
      templatesReady: this.#templatesReady,
      cyclesWritten: this.#cycles,
      docsSpooled: this.#spooled,
      docsIndexed: this.#counters.docsIndexed,
      docsDuplicate: this.#counters.docsDuplicate,
      docsDeadLettered: this.#counters.docsDeadLettered,
      docsDropped: spool.droppedEntries,
      docsRefused: this.#refused,
      docsSkipped: this.#skipped,
      itemRetries: this.#counters.itemRetries,
      bulkRequests: this.#counters.bulkRequests,
      bulkFailures: this.#counters.bulkFailures,
      writeErrors: this.#writeErrors,
      spoolBytes: spool.bytes,
      spoolBacklogBytes: spool.unsentBytes,
      spoolDocs: spool.entries,
      spoolSegments: spool.segments,
      spoolCorrupt: spool.corruptEntries,
      retentionDeleted: this.#retention.deletedTotal,
    };
  }

  /** Resolves once the templates are installed (or at once when they are not managed and ES answered). */
  whenReady(): Promise<void> {
    if (this.#templatesReady) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Waits until everything written so far has left the spool. False on timeout. */
  async flush(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await this.#spool.flush();
    while (Date.now() < deadline) {
      if (this.#spool.isEmpty() && !this.#sending) return true;
      await sleep(20);
    }
    return this.#spool.isEmpty() && !this.#sending;
  }

  /** Runs retention now (it also runs on its schedule). */
  runRetention(): Promise<RetentionRun> {
    return this.#retention.run();
  }

  /** The client the sink uses (for the HTTP API's health check, tests). */
  get client(): Client {
    return this.#client;
  }

  /**
   * Stops taking cycles, sends what it can within `closeTimeout` (at once gives up when Elasticsearch does not
   * answer), and leaves the rest in the spool for the next start.
   */
  close(): Promise<void> {
    if (!this.#closed) this.#closed = this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    await this.#retention.stop();
    await this.#spool.flush();
    this.#closing.abort();
    if (!this.#templatesReady || this.#state === 'unreachable' || this.#state === 'auth-failed') this.#abort.abort();
    const deadline = setTimeout(() => this.#abort.abort(), this.config.closeTimeout);
    await this.#drainer;
    clearTimeout(deadline);
    this.#abort.abort();
    const left = this.#spool.stats().entries;
    await this.#spool.close();
    this.#state = 'closed';
    await this.#client.close().catch(() => undefined);
    this.#logger.info({ spooledDocs: left }, left > 0 ? `Elasticsearch sink closed; ${left} documents stay in the spool for the next start` : 'Elasticsearch sink closed; spool empty');
  }
}

/**
 * Builds the client, opens and recovers the spool, and starts sending. `config` is the parsed config (from
 * `elasticsearchConfigSchema` embedded in Warren's config, or parseElasticsearchConfig(raw)). Throws
 * ElasticsearchConfigError (naming the key) for a bad config or an unreadable credential file, and
 * SpoolLockedError when another process uses the spool directory; never for an unreachable Elasticsearch.
 */
export function createElasticsearchSink(config: ElasticsearchConfig, logger: Logger, options: ElasticsearchSinkOptions = {}): ElasticsearchSink {
  const problem = indexPrefixProblem(config.prefix);
  if (problem) throw new ElasticsearchConfigError(`elasticsearch.prefix: ${JSON.stringify(config.prefix)} is not a valid index prefix: it ${problem}`);
  return new ElasticsearchSink(config, logger, options).start();
}
