// Route registration with Burrow's router behaviour (julienschmidt/httprouter): a known path asked with a wrong
// method answers 405 with an `Allow` header (Warren: in Burrow's JSON error shape, not text), and OPTIONS
// answers 200 with `Allow`. GET routes answer HEAD too.
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, RouteHandlerMethod } from 'fastify';
import { sendError } from './errors.ts';

export type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

export interface RouteHandlers {
  GET?: Handler;
  POST?: Handler;
  DELETE?: Handler;
}

/** Methods answered 405 on a known path unless the route has them. */
const OTHER_METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE'];

export function addRoute(app: FastifyInstance, url: string, handlers: RouteHandlers, host: string): void {
  const methods = Object.keys(handlers) as (keyof RouteHandlers)[];
  const allow = [...methods, ...(handlers.GET ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  for (const method of methods) app.route({ method, url, handler: handlers[method] as RouteHandlerMethod });
  const others = OTHER_METHODS.filter((method) => !methods.includes(method as keyof RouteHandlers));
  if (others.length > 0) {
    app.route({
      method: [...others],
      url,
      handler: (_request, reply) => sendError(reply.header('Allow', allow), 405, 'method not allowed', host),
    });
  }
  app.route({ method: 'OPTIONS', url, handler: (_request, reply) => reply.header('Allow', allow).code(200).send() });
}
