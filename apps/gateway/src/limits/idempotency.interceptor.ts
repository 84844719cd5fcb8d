import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, defer, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { ErrorEnvelope, IDEMPOTENT_REPLAYED_HEADER, PlatformError } from '@avatar/contracts';
import { IdempotencyStore, StoredAnswer } from './idempotency.store';
import { idempotentRequestOf } from './idempotent-request';

/**
 * `Idempotency-Key` on every POST (global interceptor: it runs after the guards, so the
 * tenant is known and a refused request takes no key). The first request with a key
 * does the work and its answer is kept; the same key and request again get that answer
 * back (`Idempotent-Replayed: true`) without the work; the same key with a different
 * request is 422 IDEMPOTENCY_KEY_REUSED; while the first still runs, the second waits
 * for its answer (IDEMPOTENCY_WAIT_MS, then 409 IDEMPOTENCY_IN_PROGRESS).
 *
 * Kept: successes and the client's own errors (4xx). Not kept: 5xx and 429 (they say
 * "try again", and a retry with the key must be able to succeed), nor failures that are
 * not platform errors. The key is then free again at once.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const idempotent = idempotentRequestOf(http.getRequest<FastifyRequest>());
    if (!idempotent) return next.handle();
    const reply = http.getResponse<FastifyReply>();
    const { recordKey, fingerprint } = idempotent;
    return defer(() => this.store.begin(recordKey, fingerprint)).pipe(
      mergeMap((begun) => {
        switch (begun.outcome) {
          case 'owner':
            return this.runOnce(next, reply, recordKey, begun.owner);
          case 'replay':
            void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
            return replay(begun.answer);
          case 'mismatch':
            return throwError(() => new PlatformError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request: use a new key for a new request'));
          case 'in_progress':
            return throwError(() => new PlatformError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still running: retry later for its answer'));
        }
      }),
    );
  }

  private runOnce(next: CallHandler, reply: FastifyReply, recordKey: string, owner: string): Observable<unknown> {
    return next.handle().pipe(
      // The route's status is on the reply before the handler runs (Nest sets it first).
      mergeMap((body) => from(this.store.complete(recordKey, owner, { status: reply.statusCode, body }).then(() => body))),
      catchError((err: unknown) => {
        const kept = err instanceof PlatformError && err.status < 500 && err.status !== 429;
        const settle = kept ? this.store.complete(recordKey, owner, { status: err.status, body: err.toEnvelope() }) : this.store.release(recordKey, owner);
        return from(settle).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}

/**
 * The stored answer again. A success is the body (its status is the route's, set by
 * Nest); an error is thrown again as the same PlatformError, so the exception filter
 * sends the same envelope with the same status.
 */
function replay(answer: StoredAnswer): Observable<unknown> {
  if (answer.status < 400) return of(answer.body);
  const { code, message, details } = (answer.body as ErrorEnvelope).error;
  return throwError(() => new PlatformError(code, message, details));
}
