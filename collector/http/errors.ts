// Burrow's envelope and error answers, and the handlers that turn every failure into one of them: unknown
// routes (404), wrong methods (405), malformed URLs (400/414), client errors of the HTTP parser, and errors
// thrown anywhere (never a stack trace in a body).
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Params } from './context.ts';

/** Burrow's `request` object: the request path (no query string, percent-decoded) and the server's hostname. */
export interface RequestInfo {
  url: string;
  host: string;
}

export interface ErrorBody {
  error: true;
  message: string;
  request: RequestInfo;
}

/** The path part of a request target, without the query string. */
export function rawPath(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The request path as Go's URL.Path gives it: percent-decoded (the raw path when it cannot be decoded). */
export function requestPath(url: string): string {
  const path = rawPath(url);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function requestInfo(request: FastifyRequest, host: string): RequestInfo {
  return { url: requestPath(request.url), host };
}

export function errorBody(message: string, request: RequestInfo): ErrorBody {
  return { error: true, message, request };
}

/** Sends Burrow's error shape with an HTTP status. */
export function sendError(reply: FastifyReply, status: number, message: string, host: string): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody(message, requestInfo(reply.request, host)));
}

/**
 * The helpers of a route module: its path parameters, Burrow's success envelope (`error: false`, the message, the
 * payload, `request`) and its error shape with a status.
 */
export function replies(host: string) {
  return {
    params: (request: FastifyRequest) => request.params as Params,
    ok: (reply: FastifyReply, message: string, payload: Record<string, unknown>) =>
      reply.send({ error: false, message, ...payload, request: requestInfo(reply.request, host) }),
    fail: (reply: FastifyReply, status: number, message: string) => sendError(reply, status, message, host),
  };
}

/** Messages for the fastify errors a client can cause; anything else is Warren's fault. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'request body too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported media type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid content length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'could not decode message body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'could not decode message body'],
  FST_ERR_BAD_URL: [400, 'invalid percent-encoding in request path'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'request path too long'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'bad request'],
};

function describe(error: FastifyError): [number, string] | undefined {
  const known = error.code ? CLIENT_ERRORS[error.code] : undefined;
  if (known) return known;
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return [status, status === 413 ? 'request body too large' : 'bad request'];
  return undefined;
}

/**
 * Installs the handlers that map every failure to Burrow's error shape. `host` is the server's hostname.
 * Errors a client causes keep their 4xx code. An error that is Warren's own fault (a bug) is logged with its
 * stack and answered 500 "internal error", without details.
 */
export function installErrorHandlers(app: FastifyInstance, host: string, logger: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = describe(error);
    if (known) return sendError(reply, known[0], known[1], host);
    logger.error({ err: error, url: rawPath(request.url), method: request.method }, 'HTTP handler failed');
    return sendError(reply, 500, 'internal error', host);
  });

  // Burrow answers unknown routes with its error message "invalid request type" (as text/plain and with
  // `result: {}` instead of `request`, a quirk); Warren sends the same message in the usual JSON envelope.
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'invalid request type', host));
}

/** Fastify's `frameworkErrors` option: errors raised before routing (bad percent-encoding in a path parameter). */
export function frameworkErrors(host: string) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = describe(error) ?? [400, 'bad request'];
    void reply.code(known[0]).type('application/json').send(errorBody(known[1], { url: rawPath(request.url), host }));
  };
}

/**
 * Fastify's `clientErrorHandler`: the HTTP parser refused the request (request line or headers too long,
 * malformed request). Answers with Burrow's error shape on the raw socket and closes it.
 */
export function clientErrorHandler(host: string) {
  return (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'request line or headers too long']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'request timeout']
          : [400, 'Bad Request', 'malformed request'];
    const body = JSON.stringify(errorBody(message, { url: '', host }));
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
