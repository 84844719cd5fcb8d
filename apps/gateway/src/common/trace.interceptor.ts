import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { TRACEPARENT_HEADER } from '@avatar/contracts';
import { continueTrace, formatTraceparent, runInTrace } from '@avatar/observability';

/**
 * Every request starts or continues a W3C trace: the incoming `traceparent` (if any)
 * is the parent, the request's own span is current while it runs (job data and NATS
 * headers take it from there), and the response names it.
 */
@Injectable()
export class TraceInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const trace = continueTrace(request.headers[TRACEPARENT_HEADER] as string | undefined);
    void http.getResponse<FastifyReply>().header(TRACEPARENT_HEADER, formatTraceparent(trace));
    return new Observable((subscriber) => runInTrace(trace, () => next.handle().subscribe(subscriber)));
  }
}
