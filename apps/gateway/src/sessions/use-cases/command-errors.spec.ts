import { PlatformError, PROVIDER_FAILURES } from '@avatar/contracts';
import { CommandError } from '@avatar/messaging';
import { commandFailure } from './command-errors';

describe('commandFailure', () => {
  it.each(['NO_WORKER', 'TIMEOUT'])('answers 503 SERVICE_UNAVAILABLE for %s (no worker there, or none answered)', (code) => {
    const err = commandFailure(new CommandError(code, 'nobody home'), 'start the provider session');

    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.message).toBe('could not start the provider session: nobody home');
    expect(err.details).toEqual({ reason: code });
  });

  it('keeps the code, status and every detail of a vendor failure, retry_after included', () => {
    const details = { provider: 'heygen', kind: 'rate_limited', retryable: true, retry_after: 12, vendor_request_id: 'req-9', vendor_status: 429 };

    const err = commandFailure(new CommandError('PROVIDER_RATE_LIMITED', 'slow down', details), 'start the provider session');

    expect(err.code).toBe('PROVIDER_RATE_LIMITED');
    expect(err.status).toBe(429);
    expect(err.message).toBe('could not start the provider session: slow down');
    expect(err.details).toEqual(details);
  });

  it.each([...new Set(Object.values(PROVIDER_FAILURES).map((f) => f.code))])('passes %s through as itself', (code) => {
    const err = commandFailure(new CommandError(code, 'vendor said no', { provider: 'avaturn' }), 'start');

    expect(err.code).toBe(code);
    expect(err.details).toEqual({ provider: 'avaturn' });
  });

  it('answers a vendor code that came without details with empty details', () => {
    const err = commandFailure(new CommandError('PROVIDER_TIMEOUT', 'slow vendor'), 'start');

    expect(err.code).toBe('PROVIDER_TIMEOUT');
    expect(err.status).toBe(504);
    expect(err.details).toEqual({});
  });

  it.each(['COMMAND_FAILED', 'PROVIDER_SOMETHING_NEW', 'SESSION_NOT_FOUND'])('answers 502 PROVIDER_ERROR with the reason for any other code (%s)', (code) => {
    const err = commandFailure(new CommandError(code, 'refused', { provider: 'x' }), 'start');

    expect(err.code).toBe('PROVIDER_ERROR');
    expect(err.status).toBe(502);
    expect(err.details).toEqual({ reason: code });
  });

  it('passes a PlatformError through as it is', () => {
    const original = new PlatformError('SESSION_NOT_ACTIVE', 'stopped', { status: 'stopped' });

    expect(commandFailure(original, 'start')).toBe(original);
  });

  it('answers INTERNAL_ERROR for anything else, without its message (it may hold internals)', () => {
    const err = commandFailure(new Error('ECONNRESET 10.0.0.7:4222'), 'start the provider session');

    expect(err.code).toBe('INTERNAL_ERROR');
    expect(err.message).toBe('could not start the provider session');
  });
});
