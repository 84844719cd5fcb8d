import { ArgumentsHost, BadRequestException, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { PlatformError } from '@avatar/contracts';
import { ErrorEnvelopeFilter } from './error-envelope.filter';

/** A Fastify reply that records what the filter sends (and the request it answers). */
function fakeReply(requestHeaders: Record<string, string> = {}, replyHeaders: Record<string, string> = {}) {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: { ...replyHeaders } };
  interface Reply {
    status: jest.Mock<Reply, [number]>;
    header: jest.Mock<Reply, [string, string]>;
    getHeader: jest.Mock<string | undefined, [string]>;
    send: jest.Mock<Reply, [unknown]>;
  }
  const reply: Reply = {
    status: jest.fn((code: number) => {
      sent.status = code;
      return reply;
    }),
    header: jest.fn((name: string, value: string) => {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    }),
    getHeader: jest.fn((name: string) => sent.headers[name.toLowerCase()]),
    send: jest.fn((body: unknown) => {
      sent.body = body;
      return reply;
    }),
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ headers: requestHeaders }) }) } as unknown as ArgumentsHost;
  return { host, sent, reply };
}

function run(exception: unknown) {
  const { host, sent } = fakeReply();
  new ErrorEnvelopeFilter().catch(exception, host);
  return sent;
}

let logError: jest.SpyInstance;
beforeEach(() => {
  logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('ErrorEnvelopeFilter', () => {
  it('answers a PlatformError with the status of its code and its envelope, as JSON', () => {
    const sent = run(new PlatformError('SESSION_NOT_FOUND', 'The specified session does not exist', { session_id: 's1' }));

    expect(sent.status).toBe(404);
    expect(sent.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sent.body).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: 'The specified session does not exist', details: { session_id: 's1' } } });
    expect(logError).not.toHaveBeenCalled();
  });

  it.each([
    ['RATE_LIMITED', 429],
    ['SESSION_NOT_ACTIVE', 409],
    ['SERVICE_UNAVAILABLE', 503],
  ] as const)('answers PlatformError %s with %i', (code, status) => {
    const sent = run(new PlatformError(code, 'x'));

    expect(sent.status).toBe(status);
    expect(sent.body).toMatchObject({ error: { code } });
  });

  it('answers a Nest 404 HttpException (unknown route) as NOT_FOUND', () => {
    const sent = run(new NotFoundException('Cannot GET /v1/nope'));

    expect(sent.status).toBe(404);
    expect(sent.body).toEqual({ error: { code: 'NOT_FOUND', message: 'Cannot GET /v1/nope', details: {} } });
  });

  it('answers a Nest 400 HttpException as VALIDATION_ERROR', () => {
    const sent = run(new BadRequestException('bad'));

    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', message: 'bad' } });
  });

  it('answers a Nest 5xx HttpException as INTERNAL_ERROR and logs it', () => {
    const sent = run(new HttpException('gateway exploded', 500));

    expect(sent.status).toBe(500);
    expect(sent.body).toMatchObject({ error: { code: 'INTERNAL_ERROR' } });
    expect(logError).toHaveBeenCalled();
  });

  it('answers a Fastify-style error with statusCode 400 (unparsable body) as VALIDATION_ERROR with its message', () => {
    const fastifyError = Object.assign(new Error('Body is not valid JSON but content-type is set to \'application/json\''), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });

    const sent = run(fastifyError);

    expect(sent.status).toBe(400);
    expect(sent.body).toEqual({ error: { code: 'VALIDATION_ERROR', message: fastifyError.message, details: {} } });
  });

  it.each([
    [413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'],
    [415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type: application/x-www-form-urlencoded'],
    [408, 'REQUEST_TIMEOUT', 'Request Timeout'],
  ] as const)('answers a Fastify-style %i as %s with its status and message', (statusCode, code, message) => {
    const sent = run(Object.assign(new Error(message), { statusCode }));

    expect(sent.status).toBe(statusCode);
    expect(sent.body).toEqual({ error: { code, message, details: {} } });
  });

  it('keeps the traceparent the trace hook put on the reply', () => {
    const { host, sent } = fakeReply({}, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });

    new ErrorEnvelopeFilter().catch(new PlatformError('UNAUTHORIZED', 'no key'), host);

    expect(sent.headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });

  it('names a trace, continuing the caller\'s, when the request was refused before the trace hook ran', () => {
    const { host, sent } = fakeReply({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });

    new ErrorEnvelopeFilter().catch(Object.assign(new Error('malformed URL'), { statusCode: 400 }), host);

    expect(sent.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/);
  });

  it('answers an unknown Error as 500 INTERNAL_ERROR with "internal error", leaking no internals, and logs it', () => {
    const boom = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');

    const sent = run(boom);

    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'internal error', details: {} } });
    expect(JSON.stringify(sent.body)).not.toMatch(/ECONNREFUSED|hunter2|\bat\b/);
    expect(logError).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
  });

  it('answers a Fastify-style error with a 5xx statusCode as INTERNAL_ERROR without its message', () => {
    const sent = run(Object.assign(new Error('plugin crashed: secret-token'), { statusCode: 502 }));

    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'internal error', details: {} } });
  });

  it('answers a thrown non-Error value as 500 INTERNAL_ERROR', () => {
    const sent = run('just a string');

    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'internal error', details: {} } });
  });
});
