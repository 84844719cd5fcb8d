import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The header that carries a request's id, in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming id may look like to be kept: a UUID, a ULID, a proxy's hex or
 * base64 id. Anything else (too long, spaces, control characters that could forge
 * log lines) is replaced by a fresh UUID.
 */
const ACCEPTED = /^[A-Za-z0-9._:/+=@-]{1,128}$/;

/** The caller's id when it is acceptable, else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTED.test(value) ? value : randomUUID();
}

/**
 * Every HTTP request of the app gets an id: the caller's X-Request-Id when it is
 * acceptable, else a new UUID. It is Fastify's request id (so nestjs-pino binds it to
 * every line the request logs, as `request_id`) and it is echoed on every answer, errors
 * and 404s included, so a client can quote it. Call before the server is ready.
 */
export function registerRequestIds(fastify: FastifyInstance): void {
  fastify.setGenReqId((req) => requestIdOf(req.headers[REQUEST_ID_HEADER]));
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}

/**
 * pino-http's `genReqId`, for a request that reaches it without an id (a server that
 * is not Fastify): the same rule, echoed on the answer.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const id = requestIdOf(req.headers[REQUEST_ID_HEADER]);
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
