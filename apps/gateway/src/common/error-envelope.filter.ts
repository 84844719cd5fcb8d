import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, PlatformError, TRACEPARENT_HEADER } from '@avatar/contracts';
import { traceparentFor } from './trace.hook';

/** Codes for errors raised by the framework itself (unknown route, unparsable body…). */
const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Every error leaves the gateway as `{"error":{"code","message","details"}}` with the
 * status of its code. Unexpected failures are logged and answered without internals.
 */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const error = this.toPlatformError(exception);
    if (error.status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (!reply.getHeader(TRACEPARENT_HEADER)) {
      // Refused before the trace hook ran (a malformed URL): the answer still names a trace.
      const request = http.getRequest<FastifyRequest | undefined>();
      void reply.header(TRACEPARENT_HEADER, traceparentFor(request?.raw, request?.headers));
    }
    // A vendor that said when to come back: the client hears it the same way as our own 429.
    const retryAfter = error.details.retry_after;
    if (typeof retryAfter === 'number' && !reply.getHeader('retry-after')) void reply.header('retry-after', String(Math.ceil(retryAfter)));
    void reply.status(error.status).header('content-type', 'application/json; charset=utf-8').send(error.toEnvelope());
  }

  private toPlatformError(exception: unknown): PlatformError {
    if (exception instanceof PlatformError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = HTTP_STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR');
      return new PlatformError(code, exception.message);
    }
    const status = (exception as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own errors: a body that is not JSON (400), too large (413), not JSON at all (415).
      return new PlatformError(HTTP_STATUS_CODES[status] ?? 'VALIDATION_ERROR', (exception as Error).message);
    }
    return new PlatformError('INTERNAL_ERROR', 'internal error');
  }
}
