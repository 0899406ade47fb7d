// Shared set-up of the Elasticsearch sink tests: sinks opened on test prefixes and temp spool directories,
// all closed after each test and removed after the suite, and a logger whose lines are kept for inspection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { pino, type Logger } from 'pino';
import { createElasticsearchSink, parseElasticsearchConfig, type ElasticsearchConfigInput, type ElasticsearchSink } from '../../collector/sinks/elasticsearch.ts';
import { removePrefix } from '../../elasticsearch/admin.ts';

/** A plain pino logger (no redaction of its own, so the sink's care is what is tested) that keeps its lines. */
export function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }) };
}

export class SinkRig {
  readonly #tag: string;
  readonly #prefixes: string[] = [];
  readonly #dirs: string[] = [];
  readonly #sinks: ElasticsearchSink[] = [];

  constructor(tag: string) {
    this.#tag = tag;
  }

  /** A unique index prefix, removed (indices and templates) by `cleanup`. */
  newPrefix(name: string): string {
    const prefix = `${this.#tag}-${name}-${Math.random().toString(36).slice(2, 7)}`;
    this.#prefixes.push(prefix);
    return prefix;
  }

  /** A temp directory (for a spool), removed by `cleanup`. */
  newDir(): string {
    const dir = mkdtempSync(join(tmpdir(), `warren-${this.#tag}-`));
    this.#dirs.push(dir);
    return dir;
  }

  /** A sink from a config input (validated as the collector would), closed after the test. */
  open(config: ElasticsearchConfigInput, logger: Logger): ElasticsearchSink {
    const sink = createElasticsearchSink(parseElasticsearchConfig(config), logger);
    this.#sinks.push(sink);
    return sink;
  }

  /** Closes one sink now (a test that restarts a sink on the same spool). */
  async close(sink: ElasticsearchSink): Promise<void> {
    this.#sinks.splice(this.#sinks.indexOf(sink), 1);
    await sink.close();
  }

  async closeAll(): Promise<void> {
    for (const sink of this.#sinks.splice(0)) await sink.close();
  }

  async cleanup(admin?: Client): Promise<void> {
    if (admin) for (const prefix of this.#prefixes) await removePrefix(admin, prefix);
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}
