// Configuration of the HTTP server (Burrow's API, /metrics, health): a zod schema with a default for every key,
// meant to be embedded in the collector's YAML config under `api:` (so every key also gets its WARREN_API_*
// variable, e.g. WARREN_API_TOKEN), plus the token lookup that needs more than a schema.
//
// This module must not import collector/config.ts: that file embeds this schema.
import { z } from 'zod';
import { duration, readSecretFile } from '../config-values.ts';

export const apiTlsSchema = z
  .object({
    /** PEM certificate (chain) the server presents. */
    certFile: z.string().min(1),
    /** PEM private key of the certificate. */
    keyFile: z.string().min(1),
  })
  .strict();

export const apiConfigSchema = z
  .object({
    /** Serve the API at all. */
    enabled: z.boolean().default(true),
    /**
     * Address to listen on. The default, 127.0.0.1, keeps the API on the machine (Burrow listens on every
     * interface); use 0.0.0.0 or :: to serve other hosts, ideally with `token` and `tls`.
     */
    address: z.string().min(1).default('127.0.0.1'),
    /** TCP port (Burrow's default is 8000). 0 picks a free port. */
    port: z.number().int().min(0).max(65_535).default(8000),
    /**
     * Bearer token every request must carry (`Authorization: Bearer <token>`, or HTTP basic auth with the token
     * as password, for clients such as Telegraf that only speak basic auth). Not asked of /healthz, /readyz and
     * /burrow/admin*. Better given by WARREN_API_TOKEN or `tokenFile`. Unset: no authentication, as Burrow.
     */
    token: z.string().min(16, 'the API token must have at least 16 characters').optional(),
    /** A file whose content (trimmed) is the token. */
    tokenFile: z.string().min(1).optional(),
    /** Answer DELETE of a group or group topic (Burrow always does). Off: 403. */
    allowDelete: z.boolean().default(false),
    /** Value of the Access-Control-Allow-Origin header on every answer ("" = no header), as Burrow's. */
    accessControlAllowOrigin: z.string().default(''),
    /** Longest request target (path and query) accepted; longer ones get 414. */
    maxUrlLength: z.number().int().min(256).max(8192).default(2048),
    /**
     * Also export `warren_partition_time_lag_seconds` (one series per group-partition). Off by default: it adds a
     * third to /metrics at scale; the group's largest time lag is always exported, and every partition's is in
     * the API and Elasticsearch.
     */
    partitionTimeLagMetrics: z.boolean().default(false),
    /** Time a client has to send a whole request (Burrow's httpserver timeout is 300 s). */
    requestTimeout: duration.prefault(30),
    /** Serve HTTPS with this certificate instead of plain HTTP. */
    tls: apiTlsSchema.optional(),
  })
  .strict();

export type ApiConfig = z.infer<typeof apiConfigSchema>;

export class ApiConfigError extends Error {
  override readonly name = 'ApiConfigError';
}

/** The token to demand, from `token` or `tokenFile` (trimmed); undefined when the API is open. */
export function resolveToken(config: Pick<ApiConfig, 'token' | 'tokenFile'>): string | undefined {
  if (config.token !== undefined) return config.token;
  if (config.tokenFile === undefined) return undefined;
  const text = readSecretFile(config.tokenFile, 'api.tokenFile', (message) => new ApiConfigError(message));
  if (text.length < 16) throw new ApiConfigError(`api.tokenFile: the token in ${config.tokenFile} must have at least 16 characters`);
  return text;
}
