import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { context } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { requestContext } from './trace.hook';

/**
 * Makes the request's server span current while the handler runs, so the spans it
 * starts (speech.enqueue, NATS publishes, database and Redis calls) are its children.
 * The http instrumentation binds the request's own events to that context, but what
 * Fastify and Nest run in between is not guaranteed to keep it: this says it once more.
 */
@Injectable()
export class TraceInterceptor implements NestInterceptor {
  intercept(executionContext: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = executionContext.switchToHttp().getRequest<FastifyRequest>();
    return new Observable((subscriber) => context.with(requestContext(request.raw), () => next.handle().subscribe(subscriber)));
  }
}
