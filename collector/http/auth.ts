// Optional bearer-token authentication (Burrow has none). The token is compared in constant time: both sides
// are hashed to 32 bytes first, so neither the content nor the length of the token leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { rawPath, sendError } from './errors.ts';

/** Paths anyone may read: liveness and readiness probes, and Burrow's own health checks. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/burrow/admin', '/burrow/admin/ready']);

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether the path (without query; one trailing slash ignored, as the router does) needs no token. */
export function isOpenPath(url: string): boolean {
  const path = rawPath(url);
  return OPEN_PATHS.has(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
}

/**
 * The credential an Authorization header carries: the token of `Bearer <token>`, or the password of
 * `Basic base64(user:password)` (any user name), for clients that only speak basic auth (Telegraf's burrow input).
 */
export function presentedCredential(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme === 'bearer') return match[2]!;
  if (scheme === 'basic') {
    const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/** An onRequest hook that demands the token on every path but the open ones; 401 in Burrow's error shape. */
export function tokenHook(token: string, host: string) {
  const expected = digest(token);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (isOpenPath(request.url)) return undefined;
    const presented = presentedCredential(request.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return undefined;
    reply.header('WWW-Authenticate', 'Bearer realm="warren"');
    return sendError(reply, 401, presented === undefined ? 'authorization required' : 'invalid credentials', host);
  };
}
