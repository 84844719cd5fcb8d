import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { firstValueFrom, of, throwError } from 'rxjs';
import { PlatformError, TenantScopes } from '@avatar/contracts';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import type { Begun, IdempotencyStore } from './idempotency.store';

function setup(begun: Begun, options: { method?: string; key?: string | null } = {}) {
  const store = {
    begin: jest.fn(async () => begun),
    complete: jest.fn(async () => undefined),
    release: jest.fn(async () => undefined),
  };
  const headers: Record<string, string> = {};
  const reply = { statusCode: 200, header: jest.fn((name: string, value: string) => (headers[name] = value)) };
  const request = {
    method: options.method ?? 'POST',
    url: '/v1/streaming.new',
    headers: options.key === null ? {} : { 'idempotency-key': options.key ?? 'k-1' },
    body: { quality: 'low' },
    query: {},
    principal: { tenant: TenantScopes.authenticated('t1'), keyId: 'key', scopes: new Set() },
  };
  const context = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ExecutionContext;
  const interceptor = new IdempotencyInterceptor(store as unknown as IdempotencyStore);
  const run = (handler: CallHandler['handle']) => {
    const next = { handle: jest.fn(handler) };
    return { next, result: firstValueFrom(interceptor.intercept(context, next)) };
  };
  return { store, reply, headers, run };
}

const owner: Begun = { outcome: 'owner', owner: 'me' };
const RECORD = 'idempotency:tenant:t1:POST:/v1/streaming.new:k-1';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('IdempotencyInterceptor', () => {
  it('runs the first request and keeps its status and body', async () => {
    const t = setup(owner);
    const { next, result } = t.run(() => of({ session_id: 's1' }));

    expect(await result).toEqual({ session_id: 's1' });
    expect(next.handle).toHaveBeenCalledTimes(1);
    expect(t.store.begin).toHaveBeenCalledWith(RECORD, expect.stringMatching(/^[0-9a-f]{64}$/));
    expect(t.store.complete).toHaveBeenCalledWith(RECORD, 'me', { status: 200, body: { session_id: 's1' } });
    expect(t.headers).toEqual({});
  });

  it('answers a replay with the stored body and Idempotent-Replayed, without running the handler', async () => {
    const t = setup({ outcome: 'replay', answer: { status: 200, body: { session_id: 's1' } } });
    const { next, result } = t.run(() => of({ session_id: 'other' }));

    expect(await result).toEqual({ session_id: 's1' });
    expect(next.handle).not.toHaveBeenCalled();
    expect(t.headers).toEqual({ 'idempotent-replayed': 'true' });
  });

  it('replays a stored client error as the same platform error', async () => {
    const envelope = new PlatformError('SESSION_NOT_FOUND', 'The specified session does not exist', { session_id: 'x' }).toEnvelope();
    const t = setup({ outcome: 'replay', answer: { status: 404, body: envelope } });
    const { next, result } = t.run(() => of('never'));

    const err = (await caught(result)) as PlatformError;
    expect(err).toBeInstanceOf(PlatformError);
    expect(err.toEnvelope()).toEqual(envelope);
    expect(next.handle).not.toHaveBeenCalled();
    expect(t.headers).toEqual({ 'idempotent-replayed': 'true' });
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for a different request, 409 IDEMPOTENCY_IN_PROGRESS after the wait', async () => {
    const reused = setup({ outcome: 'mismatch' }).run(() => of('never'));
    expect(await caught(reused.result)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(reused.next.handle).not.toHaveBeenCalled();
    const running = setup({ outcome: 'in_progress' }).run(() => of('never'));
    expect(await caught(running.result)).toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', status: 409 });
    expect(running.next.handle).not.toHaveBeenCalled();
  });

  it("keeps a client error (4xx) as the key's answer", async () => {
    const t = setup(owner);
    const error = new PlatformError('SESSION_NOT_ACTIVE', 'session is stopped', { session_id: 's', status: 'stopped' });
    const { result } = t.run(() => throwError(() => error));

    expect(await caught(result)).toBe(error);
    expect(t.store.complete).toHaveBeenCalledWith(RECORD, 'me', { status: 409, body: error.toEnvelope() });
    expect(t.store.release).not.toHaveBeenCalled();
  });

  it.each([
    ['a 5xx platform error', new PlatformError('SERVICE_UNAVAILABLE', 'queue down')],
    ['a 429', new PlatformError('RATE_LIMITED', 'slow down')],
    ['an unexpected failure', new Error('boom')],
  ])('frees the key after %s, so a retry can succeed', async (_what, error) => {
    const t = setup(owner);
    const { result } = t.run(() => throwError(() => error));

    expect(await caught(result)).toBe(error);
    expect(t.store.release).toHaveBeenCalledWith(RECORD, 'me');
    expect(t.store.complete).not.toHaveBeenCalled();
  });

  it('leaves other methods and requests without a key alone', async () => {
    for (const t of [setup(owner, { method: 'GET' }), setup(owner, { key: null })]) {
      const { result } = t.run(() => of('plain'));
      expect(await result).toBe('plain');
      expect(t.store.begin).not.toHaveBeenCalled();
    }
  });

  it('refuses a malformed key with VALIDATION_ERROR before any work', () => {
    const t = setup(owner, { key: 'k'.repeat(256) });
    expect(() => t.run(() => of('never'))).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
    expect(t.store.begin).not.toHaveBeenCalled();
  });
});
