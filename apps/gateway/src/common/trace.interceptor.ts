import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { TRACEPARENT_HEADER } from '@avatar/contracts';
import { continueTrace, runInTrace } from '@avatar/observability';
import { requestTrace } from './trace.hook';

/**
 * Makes the request's trace (established by the `onRequest` trace hook, which also
 * puts it on the response) the current context while the handler runs, so job data
 * and NATS headers continue it. Fastify's hook chain does not keep an async context
 * across body parsing, hence this second step.
 */
@Injectable()
export class TraceInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const trace = requestTrace(request.raw) ?? continueTrace(request.headers[TRACEPARENT_HEADER] as string | undefined);
    return new Observable((subscriber) => runInTrace(trace, () => next.handle().subscribe(subscriber)));
  }
}
