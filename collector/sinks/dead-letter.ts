// The dead-letter file: documents Elasticsearch rejected for their content, one JSON object per line with the
// document, its index and id, and Elasticsearch's reason, so they can be inspected, fixed and re-sent.
// Each write is synced before the sink acknowledges the documents in its spool. When the file passes maxBytes
// it is renamed to `<path>.1` (replacing the previous one) and a new file is started.
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface DeadLetter {
  /** When Warren gave up on the document. */
  at: string;
  index: string;
  id: string;
  /** HTTP status of the item (or of the whole request). */
  status: number;
  /** Elasticsearch's error object ({type, reason, caused_by}), or Warren's reason. */
  error: unknown;
  /** The document, parsed back from JSON (or the raw text when it is not JSON). */
  doc: unknown;
}

export class DeadLetterFile {
  readonly path: string;
  readonly #maxBytes: number;
  #size: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(path: string, maxBytes: number) {
    this.path = path;
    this.#maxBytes = maxBytes;
    mkdirSync(dirname(path), { recursive: true });
    try {
      this.#size = statSync(path).size;
    } catch {
      this.#size = 0;
    }
  }

  /** Appends the records and syncs the file. Writes are serialised. */
  write(records: readonly DeadLetter[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    const run = this.#queue.then(() => this.#append(text));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(text: string): Promise<void> {
    if (this.#size > 0 && this.#size + Buffer.byteLength(text) > this.#maxBytes) {
      renameSync(this.path, `${this.path}.1`);
      this.#size = 0;
    }
    const handle = await open(this.path, 'a');
    try {
      await handle.appendFile(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.#size += Buffer.byteLength(text);
  }
}

/** The parsed document for a dead-letter record: JSON when it parses, else the text. */
export function parseDoc(source: string): unknown {
  try {
    return JSON.parse(source);
  } catch {
    return source;
  }
}
