// Prometheus text exposition (format 0.0.4) for the large per-partition families, written in slices so that
// building them never holds the event loop for long. prom-client renders everything else; these families hold
// one series per group-partition (20,000 at 1,000 groups × 20 partitions, in three families), where
// prom-client's per-series cost (label hashing on set, formatting on render: ~5 µs a series) would stop the API
// for ~200 ms after each cycle. The escaping is the format's (and prom-client's): backslash, newline, quote.

const NEEDS_ESCAPE = /[\\\n"]/;

export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `name="value"`, escaped. Series sharing labels (a group's partitions) reuse the joined pairs. */
export function labelPair(name: string, value: string): string {
  return `${name}="${escapeLabelValue(value)}"`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * One gauge family: HELP, TYPE, then one line per series. Lines are kept as text until `flush()` encodes them
 * into a buffer, so the encoding of a large family is spread over the slices of a build.
 */
export class GaugeFamily {
  readonly name: string;
  readonly #chunks: Buffer[] = [];
  #pending: string;

  constructor(name: string, help: string) {
    this.name = name;
    this.#pending = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} gauge\n`;
  }

  /** Adds a series; `labels` is the comma-joined label pairs (see labelPair). */
  add(labels: string, value: number): void {
    this.#pending += `${this.name}{${labels}} ${formatValue(value)}\n`;
  }

  /** Encodes the lines added since the last flush. */
  flush(): void {
    if (this.#pending === '') return;
    this.#chunks.push(Buffer.from(this.#pending, 'utf8'));
    this.#pending = '';
  }

  /** The whole family, encoded. */
  buffers(): Buffer[] {
    this.flush();
    return this.#chunks;
  }
}

/** Yields to the event loop (lets queued requests run) between slices of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
