// Configuration of the HTTP server (Burrow's API, /metrics, health): a zod schema with a default for every key,
// meant to be embedded in the collector's YAML config under `api:` (so every key also gets its WARREN_API_*
// variable, e.g. WARREN_API_TOKEN), plus the token lookup that needs more than a schema.
//
// This module must not import collector/config.ts: that file embeds this schema.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration: a number of seconds, or "500ms", "30s", "5m", "1h". Parsed to milliseconds. */
const duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration such as 500ms, 30s, 5m')])
  .transform((value) => {
    if (typeof value === 'number') return Math.round(value * 1000);
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value)!;
    return Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!);
  });

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
  let text: string;
  try {
    text = readFileSync(config.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new ApiConfigError(`api.tokenFile: cannot read ${config.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (text.length < 16) throw new ApiConfigError(`api.tokenFile: the token in ${config.tokenFile} must have at least 16 characters`);
  return text;
}
