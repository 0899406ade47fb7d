// Configuration: one YAML file, every key overridable by an environment variable, validated at start.
//
// Environment variables: WARREN_ + the key's path, each segment in UPPER_SNAKE_CASE, joined by "_".
//   collector.interval            → WARREN_COLLECTOR_INTERVAL
//   clusters.prod.sasl.password   → WARREN_CLUSTERS_PROD_SASL_PASSWORD
// Lists are comma-separated (WARREN_CLUSTERS_PROD_BROKERS=k1:9092,k2:9092). config/warren.reference.yaml
// documents every key with its variable.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { duration, readSecretFile } from './config-values.ts';
import { apiConfigSchema } from './http/config.ts';
import { elasticsearchConfigSchema } from './sinks/elasticsearch-config.ts';

// ---------------------------------------------------------------------------------------------------
// Value types

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'expected host:port, e.g. kafka1:9092');

const regex = z.string().refine(
  (value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a valid regular expression' },
);

// ---------------------------------------------------------------------------------------------------
// Schema

export const tlsSchema = z
  .object({
    /** Connect with TLS. */
    enabled: z.boolean().default(false),
    /** PEM file of the CA that signed the brokers' certificates (default: the system's CAs). */
    caFile: z.string().optional(),
    /** Client certificate and key (PEM) for mutual TLS. */
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    /** Skip verification of the brokers' certificates. Only for testing. */
    insecureSkipVerify: z.boolean().default(false),
  })
  .strict();

export const saslSchema = z
  .object({
    mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
    username: z.string().min(1),
    /** The password; better given by WARREN_CLUSTERS_<NAME>_SASL_PASSWORD or passwordFile. Never logged. */
    password: z.string().optional(),
    /** A file whose content (trimmed) is the password. */
    passwordFile: z.string().optional(),
  })
  .strict()
  .refine((s) => s.password !== undefined || s.passwordFile !== undefined, {
    message: 'sasl needs password or passwordFile',
  });

export const clusterSchema = z
  .object({
    /** Bootstrap brokers, host:port. */
    brokers: z.array(hostPort).min(1),
    /** Client id Warren uses towards the brokers. */
    clientId: z.string().min(1).default('warren'),
    /** Only groups whose name matches this regex are tracked (unanchored, like Burrow). */
    groupAllowlist: regex.optional(),
    /** Groups whose name matches this regex are not tracked. */
    groupDenylist: regex.optional(),
    /** Timeout of one request to a broker. */
    requestTimeout: duration.prefault(10),
    /** Timeout of a TCP/TLS connection attempt. */
    connectTimeout: duration.prefault(5),
    tls: tlsSchema.prefault({}),
    sasl: saslSchema.optional(),
    /**
     * Exact lag in time for the groups whose name matches this regex: each cycle reads the timestamp of the
     * record at every committed offset (one small fetch per partition). Others get the estimate.
     */
    exactTimeLagGroups: regex.optional(),
  })
  .strict();

export const collectorSchema = z
  .object({
    /** How often every cluster is read and judged. */
    interval: duration.prefault(30),
    /** Window size: samples kept per group-partition (Burrow's `intervals`). */
    intervals: z.number().int().min(2).max(100).default(10),
    /** A group whose committed offsets have not moved for this long is forgotten (Burrow's `expire-group`). */
    expireGroup: duration.prefault(604_800),
    /** A lag at or below this counts as zero (Burrow's `allowed-lag`). */
    allowedLag: z.number().int().nonnegative().default(0),
    /** Rules run only when a partition's window is at least this full, 0..1 (Burrow's `minimum-complete`). */
    minimumComplete: z.number().min(0).max(1).default(0),
    /** STOP/STALL need at least this long without progress (default: two intervals). 0 is Burrow's rule. */
    stopAfter: duration.optional(),
    /**
     * While a group rebalances (members joining or leaving, a rolling restart), a status worse than the one
     * shown before is held back for this long. 0 turns the hold off.
     */
    rebalanceGrace: duration.prefault(60),
    /** Log-end points kept per topic-partition to estimate lag in time (idle spells take two points). */
    logEndHistory: z.number().int().min(4).max(10_000).default(120),
    /** Rebalance, deploy and status events kept per group for the API (`/events`). */
    eventsPerGroup: z.number().int().min(0).max(10_000).default(50),
  })
  .strict();

export const loggingSchema = z
  .object({
    /** trace, debug, info, warn, error or fatal. */
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  })
  .strict();

export const configSchema = z
  .object({
    collector: collectorSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    /** The HTTP server: Burrow's v3 API, /metrics, /healthz, /readyz. */
    api: apiConfigSchema.prefault({}),
    /** The Elasticsearch sink; absent = no documents are written. */
    elasticsearch: elasticsearchConfigSchema.optional(),
    /** Kafka clusters by name; the name appears in the API, metrics and documents. */
    clusters: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, 'cluster names use letters, digits, ".", "_" and "-"'), clusterSchema),
  })
  .strict();

export type WarrenConfig = z.infer<typeof configSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type CollectorConfig = z.infer<typeof collectorSchema>;

// ---------------------------------------------------------------------------------------------------
// Errors

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const SECRET_KEY = /password|token|secret|apikey|api_key|credentials/i;

function describeValue(path: readonly (string | number)[], value: unknown): string {
  if (path.some((segment) => SECRET_KEY.test(String(segment)))) return '(hidden)';
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment)), '');
}

/** Turns zod issues into one message per problem: key, value, and what is expected. */
export function formatIssues(source: string, raw: unknown, error: z.ZodError, envNames: Map<string, string>): string {
  const lines = error.issues.map((issue) => {
    const key = formatPath(issue.path);
    const env = envNames.get(key);
    const value = issue.code === 'unrecognized_keys' ? '' : ` = ${describeValue(issue.path.map(String), valueAt(raw, issue.path))}`;
    const keys = issue.code === 'unrecognized_keys' ? ` (unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')})` : '';
    return `  ${key || '(root)'}${value}${keys}: ${issue.message}${env ? ` [from ${env}]` : ''}`;
  });
  return `invalid configuration in ${source}:\n${lines.join('\n')}`;
}

// ---------------------------------------------------------------------------------------------------
// Environment overrides

/** Environment variable name of a key path. */
export function envName(path: readonly string[], prefix = 'WARREN'): string {
  return [prefix, ...path.map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase())].join('_');
}

type ZodAny = z.ZodType;

function inner(schema: ZodAny): ZodAny {
  let current = schema;
  for (;;) {
    const def = (current as unknown as { _zod: { def: { type: string; innerType?: ZodAny; in?: ZodAny } } })._zod.def;
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

function kindOf(schema: ZodAny): string {
  return (inner(schema) as unknown as { _zod: { def: { type: string } } })._zod.def.type;
}

/** The leaf kind of a union (e.g. number | string for durations): prefer number when the text is numeric. */
function coerce(schema: ZodAny, text: string): unknown {
  const kind = kindOf(schema);
  if (kind === 'number') return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
  if (kind === 'boolean') return /^(true|1|yes|on)$/i.test(text) ? true : /^(false|0|no|off)$/i.test(text) ? false : text;
  if (kind === 'array') return text.split(',').map((item) => item.trim()).filter(Boolean);
  if (kind === 'union') return /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  return text;
}

/**
 * Applies WARREN_* variables onto the raw config, for every key of the schema (records: for every entry the
 * file names). Returns the variables used, by key path, so errors can say where a value came from.
 */
export function applyEnv(schema: ZodAny, raw: Record<string, unknown>, env: NodeJS.ProcessEnv, path: string[] = [], used = new Map<string, string>()): Map<string, string> {
  const node = inner(schema) as unknown as { _zod: { def: { type: string; shape?: Record<string, ZodAny>; valueType?: ZodAny } } };
  const def = node._zod.def;
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) {
      const childPath = [...path, key];
      const childKind = kindOf(child);
      if (childKind === 'object' || childKind === 'record') {
        const name = envName(childPath);
        const existing = raw[key];
        const target = existing && typeof existing === 'object' ? (existing as Record<string, unknown>) : {};
        const before = used.size;
        applyEnv(child, target, env, childPath, used);
        if (used.size > before || (existing && typeof existing === 'object')) raw[key] = target;
        void name;
      } else {
        const name = envName(childPath);
        const value = env[name];
        if (value !== undefined) {
          raw[key] = coerce(child, value);
          used.set(formatPath(childPath), name);
        }
      }
    }
  } else if (def.type === 'record' && def.valueType) {
    for (const [key, value] of Object.entries(raw)) {
      if (value && typeof value === 'object') applyEnv(def.valueType, value as Record<string, unknown>, env, [...path, key], used);
    }
  }
  return used;
}

// ---------------------------------------------------------------------------------------------------
// Loading

/** Parses YAML text (`source` names it in errors), applies the environment, validates. Throws ConfigError. */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): WarrenConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    throw new ConfigError(`malformed YAML in ${source}: ${first.message.split('\n')[0]}`);
  }
  const parsed: unknown = document.toJS() ?? {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`invalid configuration in ${source}: the top level must be a mapping of keys, got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  }
  // A key left empty (`auth:` with every line below it commented out) means "use the defaults".
  const raw = dropNulls(parsed) as Record<string, unknown>;
  const used = applyEnv(configSchema, raw, env);
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(source, raw, result.error, used));
  if (Object.keys(result.data.clusters).length === 0) {
    throw new ConfigError(`invalid configuration in ${source}:\n  clusters: at least one cluster is needed`);
  }
  return result.data;
}

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) out[key] = dropNulls(child);
  return out;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): WarrenConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfig(text, file, env);
}

/** Reads a secret given inline or by file (trimmed). */
export function readSecret(value: string | undefined, file: string | undefined, key: string): string | undefined {
  if (value !== undefined) return value;
  if (file === undefined) return undefined;
  return readSecretFile(file, `${key}File`, (message) => new ConfigError(message));
}

/** Every leaf key path of a schema; a record's entries appear under `recordKey` (for docs and their test). */
export function listKeys(schema: ZodAny = configSchema, recordKey = 'prod', path: string[] = []): string[][] {
  const node = inner(schema) as unknown as { _zod: { def: { type: string; shape?: Record<string, ZodAny>; valueType?: ZodAny } } };
  const def = node._zod.def;
  if (def.type === 'object' && def.shape) return Object.entries(def.shape).flatMap(([key, child]) => listKeys(child, recordKey, [...path, key]));
  if (def.type === 'record' && def.valueType) return listKeys(def.valueType, recordKey, [...path, recordKey]);
  return [path];
}
