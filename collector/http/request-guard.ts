// Refuses request targets no client of this API sends: too long (414), characters outside RFC 3986 in the path,
// invalid percent-encoding, or control characters once decoded (400). Runs before authentication and routing
// handlers, in Burrow's error shape.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { rawPath, sendError } from './errors.ts';

/** RFC 3986 path characters: unreserved, sub-delims, ":", "@", "/" and percent-escapes. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
/** C0 controls, DEL and C1 controls: never part of a Kafka group, topic or cluster name anyone can type. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why the target is refused, as [HTTP status, message], or undefined when it is acceptable. */
export function checkTarget(url: string, maxLength: number): [number, string] | undefined {
  if (url.length > maxLength) return [414, 'request path too long'];
  const path = rawPath(url);
  if (!PATH_CHARS.test(path)) return [400, 'invalid characters in request path'];
  if (path.includes('%')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return [400, 'invalid percent-encoding in request path'];
    }
    if (CONTROL.test(decoded)) return [400, 'invalid characters in request path'];
  }
  return undefined;
}

export function requestGuardHook(maxLength: number, host: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const problem = checkTarget(request.url, maxLength);
    return problem ? sendError(reply, problem[0], problem[1], host) : undefined;
  };
}
