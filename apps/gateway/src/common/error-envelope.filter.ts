import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ErrorCode, PlatformError } from '@avatar/contracts';

/** Codes for errors raised by the framework itself (unknown route, unparsable body…). */
const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'VALIDATION_ERROR',
  415: 'VALIDATION_ERROR',
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
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toPlatformError(exception);
    if (error.status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
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
      // Fastify's own errors: a body that is not JSON, a wrong content type, too large.
      return new PlatformError(HTTP_STATUS_CODES[status] ?? 'VALIDATION_ERROR', (exception as Error).message);
    }
    return new PlatformError('INTERNAL_ERROR', 'internal error');
  }
}
