import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeVendorServer } from '../../../testing/src/fakes/fake-vendor-server';
import { ProviderError } from '../provider-error';
import { retryAfterSeconds, RetryRule, statusKind, VendorHttp } from './vendor-http';

const ONCE: RetryRule = { attempts: 1, delayMs: 1, timeoutMs: 2000 };

describe('statusKind', () => {
  it.each([
    [200, undefined],
    [204, undefined],
    [401, 'auth'],
    [403, 'auth'],
    [402, 'quota'],
    [404, 'rejected'],
    [400, 'rejected'],
    [422, 'rejected'],
    [408, 'timeout'],
    [504, 'timeout'],
    [429, 'rate_limited'],
    [500, 'unavailable'],
    [503, 'unavailable'],
  ])('%i → %s', (status, kind) => {
    expect(statusKind(status)).toBe(kind);
  });
});

describe('retryAfterSeconds', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reads seconds, whole or fractional', () => {
    expect(retryAfterSeconds('120')).toBe(120);
    expect(retryAfterSeconds(' 1.5 ')).toBe(1.5);
    expect(retryAfterSeconds('0')).toBe(0);
  });

  it('reads an HTTP date as the seconds until then, never negative', () => {
    const now = Date.parse('2026-11-05T10:00:00Z');
    jest.spyOn(Date, 'now').mockReturnValue(now);
    expect(retryAfterSeconds('Thu, 05 Nov 2026 10:00:30 GMT')).toBe(30);
    expect(retryAfterSeconds('Thu, 05 Nov 2026 09:00:00 GMT')).toBe(0);
  });

  it('is undefined when absent or unreadable', () => {
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('')).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });
});

describe('VendorHttp against a fake vendor', () => {
  let fake: FakeVendorServer;
  const http = new VendorHttp('acme');

  beforeEach(async () => {
    fake = await new FakeVendorServer()
      .route('POST', '/things', (r) => ({ status: 201, body: { got: r.body } }))
      .route('GET', '/text', () => ({ status: 200, body: 'plain words' }))
      .start();
  });
  afterEach(() => fake.stop());

  it('sends JSON with its headers and returns the answer, status and request id', async () => {
    const answer = await http.request({ method: 'POST', url: `${fake.url}/things`, headers: { 'x-api-key': 'k1' }, json: { a: 1 }, rule: ONCE });

    expect(answer).toEqual({ status: 201, body: { got: { a: 1 } }, requestId: 'req-1' });
    const [call] = fake.requests;
    expect(call.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json', 'x-api-key': 'k1' });
  });

  it('sends no body or content-type without json, and keeps a non-JSON answer as text', async () => {
    const answer = await http.request({ method: 'GET', url: `${fake.url}/text`, rule: ONCE });
    expect(answer.body).toBe('plain words');
    expect(fake.requests[0].headers['content-type']).toBeUndefined();
    expect(fake.requests[0].body).toBeUndefined();
  });

  it('keeps the vendor request id (from any known header) and status on a failure', async () => {
    fake.fault({ answer: { status: 400, headers: { 'x-request-id': '', 'request-id': 'vendor-77' }, body: { error: { message: 'bad field' } } } });
    const err = await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: ONCE }));
    expect(err).toBeInstanceOf(ProviderError);
    expect([err.kind, err.provider, err.vendorRequestId, err.vendorStatus]).toEqual(['rejected', 'acme', 'vendor-77', 400]);
    expect(err.message).toBe('acme: POST /things answered 400: bad field');
  });

  it('does not retry what retrying cannot fix (401)', async () => {
    fake.fault({ answer: { status: 401, body: { message: 'no' } }, times: Infinity });
    const err = await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: { attempts: 3, delayMs: 1, timeoutMs: 2000 } }));
    expect([err.kind, err.retryable]).toEqual(['auth', false]);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a 5xx up to the attempts, delayMs apart, and succeeds when the vendor recovers', async () => {
    fake.fault({ answer: { status: 503 }, times: 2 });
    const answer = await http.request({ method: 'POST', url: `${fake.url}/things`, json: { n: 1 }, rule: { attempts: 3, delayMs: 40, timeoutMs: 2000 } });

    expect(answer.status).toBe(201);
    const at = fake.requests.map((r) => r.at);
    expect(at).toHaveLength(3);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(35);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(35);
  });

  it('gives up after the attempts with the last failure', async () => {
    fake.fault({ answer: { status: 500 }, times: Infinity });
    const err = await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: { attempts: 2, delayMs: 1, timeoutMs: 2000 } }));
    expect([err.kind, err.retryable, err.vendorStatus]).toEqual(['unavailable', true, 500]);
    expect(fake.requests).toHaveLength(2);
  });

  it('waits a short Retry-After before trying again', async () => {
    fake.fault({ answer: { status: 429, headers: { 'retry-after': '0.08' } } });
    await http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: { attempts: 2, delayMs: 1, timeoutMs: 2000 } });
    const at = fake.requests.map((r) => r.at);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(70);
  });

  it('fails at once on a long Retry-After, carrying it for the caller', async () => {
    fake.fault({ answer: { status: 429, headers: { 'retry-after': '30' } }, times: Infinity });
    const err = await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: { attempts: 3, delayMs: 1, timeoutMs: 2000 } }));
    expect([err.kind, err.retryable, err.retryAfterS]).toEqual(['rate_limited', true, 30]);
    expect(fake.requests).toHaveLength(1);
  }, 3000);

  it('cuts off a slow answer as timeout, and retries it', async () => {
    fake.delayMs = 300;
    const err = await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: { attempts: 2, delayMs: 1, timeoutMs: 50 } }));
    expect([err.kind, err.retryable]).toEqual(['timeout', true]);
    expect(err.message).toContain('timed out after 50 ms');
    await waitFor(() => fake.requests.length === 2);
  });

  it('reports a dropped connection as connection', async () => {
    fake.fault({ drop: true });
    const err = await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: ONCE }));
    expect([err.kind, err.retryable]).toEqual(['connection', true]);
  });

  it('reports an unreachable vendor as connection', async () => {
    const url = fake.url;
    await fake.stop();
    const err = await failure(http.request({ method: 'GET', url: `${url}/text`, rule: ONCE }));
    expect(err.kind).toBe('connection');
  });

  it('lets the classify hook read vendor codes, in any status, before the status mapping', async () => {
    fake.fault({ answer: { status: 200, body: { code: 7, message: 'out of credits' } } });
    const classify = jest.fn((status: number, body: unknown) => ((body as { code?: number })?.code === 7 ? ('quota' as const) : undefined));
    const err = await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: ONCE, classify }));
    expect([err.kind, err.vendorStatus, err.message]).toEqual(['quota', 200, 'acme: POST /things answered 200: out of credits']);
    expect(classify).toHaveBeenCalledWith(200, { code: 7, message: 'out of credits' });

    // Undefined from the hook leaves the status to decide.
    fake.fault({ answer: { status: 402, body: { code: 1 } } });
    expect((await failure(http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: ONCE, classify }))).kind).toBe('quota');
    const ok = await http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: ONCE, classify });
    expect(ok.status).toBe(201);
  });

  it('passes a caller abort through as it is, without retrying', async () => {
    fake.delayMs = 200;
    const abort = new AbortController();
    const pending = http.request({ method: 'POST', url: `${fake.url}/things`, json: {}, rule: { attempts: 3, delayMs: 1, timeoutMs: 2000 }, signal: abort.signal });
    await waitFor(() => fake.requests.length === 1);
    abort.abort();
    const err = await failure(pending);
    expect(err).not.toBeInstanceOf(ProviderError);
    expect((err as Error).name).toBe('AbortError');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('VendorHttp with an answer cut off mid-body', () => {
  let server: Server;
  /** Stalls mid-body when the path says so, else drops the connection mid-body. */
  beforeEach(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100', 'x-request-id': 'cut-1' });
      res.write('{"partial":');
      if (req.url !== '/stall') setTimeout(() => res.socket?.destroy(), 10);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));

  it('is connection, with the request id it got', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    const err = await failure(new VendorHttp('acme').request({ method: 'GET', url, rule: ONCE }));
    expect([err.kind, err.vendorRequestId]).toEqual(['connection', 'cut-1']);
    expect(err.message).toContain('cut off');
  });

  it('passes a caller abort during the body through as it is', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stall`;
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 30);
    const err = await failure(new VendorHttp('acme').request({ method: 'GET', url, rule: { attempts: 2, delayMs: 1, timeoutMs: 2000 }, signal: abort.signal }));
    expect(err).not.toBeInstanceOf(ProviderError);
    expect(err.name).toBe('AbortError');
  });
});

function failure(promise: Promise<unknown>): Promise<ProviderError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err) => err as ProviderError,
  );
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}
