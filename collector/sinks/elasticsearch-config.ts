// Configuration of the Elasticsearch sink: a zod schema with a default for every key, meant to be embedded
// in the collector's YAML config under `elasticsearch:` (so every key also gets its WARREN_ELASTICSEARCH_*
// variable there), plus the checks and helpers that need more than a schema: the index prefix, secrets read
// from files, and a copy of the config that is safe to log.
//
// This module must not import collector/config.ts: that file imports this schema.
import cron from 'node-cron';
import { z } from 'zod';
import { byteSize, duration, readSecretFile as readSecretFileWith } from '../config-values.ts';
import type { DocKind } from '../types.ts';

// ---------------------------------------------------------------------------------------------------
// Value types (same syntax as the rest of Warren's config)

const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a URL such as http://127.0.0.1:9200' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
  // Credentials in a URL end up in error messages and logs: they belong in `auth`.
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'credentials do not belong in the URL (they would be logged); use auth.username/auth.password or auth.apiKey' });
});

// ---------------------------------------------------------------------------------------------------
// Index prefix

/** Characters Elasticsearch forbids in index names (and so in Warren's prefix). */
const FORBIDDEN_INDEX_CHARS = ['\\', '/', '*', '?', '"', '<', '>', '|', ',', '#', ':'];

/** Why `prefix` cannot start Warren's index names, or null when it can. */
export function indexPrefixProblem(prefix: string): string | null {
  if (prefix.length === 0) return 'must not be empty';
  if (prefix !== prefix.toLowerCase()) return 'must be lowercase (Elasticsearch index names are)';
  const forbidden = FORBIDDEN_INDEX_CHARS.filter((c) => prefix.includes(c));
  if (forbidden.length > 0) return `must not contain ${forbidden.map((c) => JSON.stringify(c)).join(' ')} (forbidden in index names: \\ / * ? " < > | , # :)`;
  if (/[\s\p{Cc}]/u.test(prefix)) return 'must not contain spaces or control characters';
  if (/^[-_+]/.test(prefix)) return 'must not start with "-", "_" or "+"';
  if (prefix === '.' || prefix === '..') return 'must not be "." or ".."';
  if (prefix.startsWith('.')) return 'must not start with "." (hidden and system indices)';
  // The longest index name is `<prefix>-heartbeat-YYYY.MM.DD`; Elasticsearch allows 255 bytes.
  if (Buffer.byteLength(prefix) > 200) return 'must be at most 200 bytes long';
  return null;
}

const indexPrefix = z.string().superRefine((value, ctx) => {
  const problem = indexPrefixProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a valid index prefix: it ${problem}` });
});

// ---------------------------------------------------------------------------------------------------
// Schema

export const elasticsearchAuthSchema = z
  .object({
    /** Basic auth user name (needs `password` or `passwordFile`). */
    username: z.string().min(1).optional(),
    /** Basic auth password; better given by WARREN_ELASTICSEARCH_AUTH_PASSWORD or `passwordFile`. Never logged. */
    password: z.string().min(1).optional(),
    /** A file whose content (trimmed) is the password. */
    passwordFile: z.string().min(1).optional(),
    /** API key, the base64 `encoded` value Elasticsearch returns on creation; or WARREN_ELASTICSEARCH_AUTH_API_KEY. Never logged. */
    apiKey: z.string().min(1).optional(),
    /** A file whose content (trimmed) is the API key. */
    apiKeyFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const basic = auth.username !== undefined || auth.password !== undefined || auth.passwordFile !== undefined;
    const key = auth.apiKey !== undefined || auth.apiKeyFile !== undefined;
    if (basic && key) ctx.addIssue({ code: 'custom', message: 'use either basic auth (username + password) or an API key, not both' });
    if (basic && auth.username === undefined) ctx.addIssue({ code: 'custom', path: ['username'], message: 'basic auth needs a username' });
    if (auth.username !== undefined && auth.password === undefined && auth.passwordFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'basic auth needs password or passwordFile' });
    }
    if (auth.password !== undefined && auth.passwordFile !== undefined) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give password or passwordFile, not both' });
    if (auth.apiKey !== undefined && auth.apiKeyFile !== undefined) ctx.addIssue({ code: 'custom', path: ['apiKeyFile'], message: 'give apiKey or apiKeyFile, not both' });
  });

export const elasticsearchTlsSchema = z
  .object({
    /** PEM file of the CA that signed Elasticsearch's certificate (default: the system's CAs). */
    caFile: z.string().min(1).optional(),
    /** Client certificate and key (PEM) for mutual TLS. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Skip verification of Elasticsearch's certificate. Only for testing. */
    insecureSkipVerify: z.boolean().default(false),
  })
  .strict()
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), { message: 'certFile and keyFile go together' });

export const elasticsearchBatchSchema = z
  .object({
    /** Most documents in one `_bulk` request. */
    maxDocs: z.number().int().min(1).max(100_000).default(5000),
    /** Most bytes in one `_bulk` request (Elasticsearch refuses bodies above http.max_content_length, 100mb by default). */
    maxBytes: byteSize.prefault('5mb').refine((n) => n >= 1024 && n <= 90 * 1024 ** 2, 'expected between 1kb and 90mb'),
  })
  .strict();

export const elasticsearchRetrySchema = z
  .object({
    /** First wait before retrying a failed request or item; doubles on each retry, with jitter. */
    initialDelay: duration.prefault('200ms'),
    /** Longest wait between retries. */
    maxDelay: duration.prefault('30s'),
    /** Attempts for one document that Elasticsearch keeps refusing with 429 or 5xx before it goes to the dead-letter file. */
    itemAttempts: z.number().int().min(1).max(1000).default(12),
  })
  .strict();

export const elasticsearchSpoolSchema = z
  .object({
    /** Directory of the disk spool: every document waits here until Elasticsearch has it. */
    dir: z.string().min(1).default('data/elasticsearch-spool'),
    /** Bound on the spool's size; when full, the oldest segments are dropped (counted and logged). */
    maxBytes: byteSize.prefault('256mb').refine((n) => n >= 64 * 1024, 'expected at least 64kb'),
    /** Size at which a segment file is closed and a new one started (at most a quarter of maxBytes is used). */
    segmentBytes: byteSize.prefault('16mb'),
    /**
     * When written documents are forced to disk: `batch` after each append (survives an OS crash; one fsync per
     * cycle), `segment` when a segment is closed (survives a process crash only), `never`.
     */
    fsync: z.enum(['batch', 'segment', 'never']).default('batch'),
  })
  .strict();

export const elasticsearchDeadLetterSchema = z
  .object({
    /** JSON-lines file of documents Elasticsearch rejected (default: dead-letter.ndjson in the spool directory). */
    path: z.string().min(1).optional(),
    /** When the file grows past this it is renamed to `<path>.1` (replacing the previous one). */
    maxBytes: byteSize.prefault('64mb'),
  })
  .strict();

const retentionDays = z.number().int().min(0).max(36_500);

export const elasticsearchRetentionSchema = z
  .object({
    /** Cron expression (UTC) of the retention run that deletes expired daily indices. */
    schedule: z.string().refine((value) => cron.validate(value), 'expected a cron expression such as "15 * * * *"').default('15 * * * *'),
    /** Days of indices kept per document kind (today counts as day 0); 0 keeps them forever. */
    days: z
      .object({
        partition: retentionDays.default(7),
        group: retentionDays.default(30),
        event: retentionDays.default(90),
        heartbeat: retentionDays.default(14),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const elasticsearchConfigSchema = z
  .object({
    /** Elasticsearch HTTP endpoints (8.x or 9.x); a failing one is skipped while another answers. */
    urls: z.array(httpUrl).min(1).default(['http://127.0.0.1:9200']),
    auth: elasticsearchAuthSchema.prefault({}),
    tls: elasticsearchTlsSchema.prefault({}),
    /** Indices are `<prefix>-<kind>-YYYY.MM.DD` (UTC); templates and retention use the same prefix. */
    prefix: indexPrefix.default('warren'),
    /** Replicas of each index: a number, or "auto" = 0 on a one-node cluster and 1 as soon as there are two. */
    replicas: z.union([z.number().int().min(0).max(10), z.literal('auto')]).default('auto'),
    /** How often new documents become searchable (index.refresh_interval). */
    refreshInterval: z.string().regex(/^(-1|\d+(ms|s|m))$/, 'expected an interval such as 10s or 1m').default('10s'),
    /** Install and upgrade Warren's index templates at start (turn off when an administrator manages them). */
    manageTemplates: z.boolean().default(true),
    batch: elasticsearchBatchSchema.prefault({}),
    /** Longest time a document waits for a fuller batch before it is sent. */
    flushInterval: duration.prefault('1s'),
    /** Timeout of one request to Elasticsearch. */
    requestTimeout: duration.prefault('30s'),
    /** Gzip request bodies (saves bandwidth to a remote cluster, costs CPU). */
    compression: z.boolean().default(false),
    retry: elasticsearchRetrySchema.prefault({}),
    spool: elasticsearchSpoolSchema.prefault({}),
    deadLetter: elasticsearchDeadLetterSchema.prefault({}),
    retention: elasticsearchRetentionSchema.prefault({}),
    /**
     * `all`: one document per group-partition per cycle. `changed`: only partitions with lag > 0 or a status
     * other than OK (and each one once more when it comes back to zero/OK), with a full snapshot every
     * `fullSnapshotEvery` cycles.
     */
    partitionDocs: z.enum(['all', 'changed']).default('all'),
    /** In `changed` mode, every Nth cycle of a cluster writes every partition. */
    fullSnapshotEvery: z.number().int().min(1).max(100_000).default(10),
    /** How long close() keeps sending before it leaves the rest in the spool for the next start. */
    closeTimeout: duration.prefault('5s'),
  })
  .strict();

export type ElasticsearchConfigInput = z.input<typeof elasticsearchConfigSchema>;
export type ElasticsearchConfig = z.output<typeof elasticsearchConfigSchema>;
export type RetentionDays = Record<DocKind, number>;

// ---------------------------------------------------------------------------------------------------
// Errors, secrets, redaction

export class ElasticsearchConfigError extends Error {
  override readonly name = 'ElasticsearchConfigError';
}

function formatPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : `${text}.${String(segment)}`), root);
}

/**
 * Validates a config (input or already parsed) and fills in defaults. Throws ElasticsearchConfigError whose
 * message names each key at fault, e.g. `elasticsearch.prefix: "Warren" is not a valid index prefix: …`.
 */
export function parseElasticsearchConfig(input: unknown, root = 'elasticsearch'): ElasticsearchConfig {
  const result = elasticsearchConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const extra = issue.code === 'unrecognized_keys' ? ` (unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')})` : '';
    return `${formatPath(root, issue.path)}: ${issue.message}${extra}`;
  });
  throw new ElasticsearchConfigError(`invalid Elasticsearch configuration:\n  ${lines.join('\n  ')}`);
}

function readSecretFile(file: string, key: string): string {
  return readSecretFileWith(file, key, (message) => new ElasticsearchConfigError(message));
}

export type ResolvedAuth = { username: string; password: string } | { apiKey: string } | undefined;

/** The credentials, with files read. Throws ElasticsearchConfigError naming the key when a file cannot be read. */
export function resolveAuth(auth: ElasticsearchConfig['auth'], root = 'elasticsearch'): ResolvedAuth {
  if (auth.username !== undefined) {
    const password = auth.password ?? readSecretFile(auth.passwordFile!, `${root}.auth.passwordFile`);
    return { username: auth.username, password };
  }
  if (auth.apiKey !== undefined || auth.apiKeyFile !== undefined) {
    return { apiKey: auth.apiKey ?? readSecretFile(auth.apiKeyFile!, `${root}.auth.apiKeyFile`) };
  }
  return undefined;
}

/** A copy of the config that can be logged: secrets replaced, file names kept. */
export function redactConfig(config: ElasticsearchConfig): Record<string, unknown> {
  const auth: Record<string, unknown> = {};
  if (config.auth.username !== undefined) auth.username = config.auth.username;
  if (config.auth.password !== undefined) auth.password = '[redacted]';
  if (config.auth.passwordFile !== undefined) auth.passwordFile = config.auth.passwordFile;
  if (config.auth.apiKey !== undefined) auth.apiKey = '[redacted]';
  if (config.auth.apiKeyFile !== undefined) auth.apiKeyFile = config.auth.apiKeyFile;
  return { ...config, auth, tls: { ...config.tls } };
}

/** A short description of how the sink authenticates, for logs. */
export function describeAuth(config: ElasticsearchConfig): string {
  if (config.auth.username !== undefined) return `basic auth as ${config.auth.username}`;
  if (config.auth.apiKey !== undefined || config.auth.apiKeyFile !== undefined) return 'API key';
  return 'no authentication';
}
