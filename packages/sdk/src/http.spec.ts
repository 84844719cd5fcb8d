import { AvatarApiError, AvatarSdkError } from './errors';
import { HttpClient } from './http';

const envelope = (code: string, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code, message: `${code} happened`, details: { session_id: 'x' } } }), { status, headers: { 'content-type': 'application/json', ...headers } });
const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

function client(answers: Array<Response | Error>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = jest.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  });
  return { http: new HttpClient({ apiUrl: 'http://api/v1/', apiKey: 'ak_1', fetch, retries: 2 }), calls };
}

describe('HttpClient', () => {
  it('sends the key, JSON and an Idempotency-Key on POST; answers the JSON', async () => {
    const { http, calls } = client([json({ task_id: 't' })]);
    await expect(http.request('POST', 'avatar.speak', { body: { session_id: 's', text: 'hi' } })).resolves.toEqual({ task_id: 't' });
    const headers = calls[0].init.headers as Record<string, string>;
    expect(calls[0].url).toBe('http://api/v1/avatar.speak');
    expect(headers.authorization).toBe('Bearer ak_1');
    expect(headers['idempotency-key']).toMatch(/.{16,}/);
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ session_id: 's', text: 'hi' });
  });

  it('turns the error envelope into an AvatarApiError with status, code and details, without retrying a client error', async () => {
    const { http, calls } = client([envelope('SESSION_NOT_FOUND', 404)]);
    const error = await http.request('POST', 'avatar.speak', { body: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(AvatarApiError);
    expect(error).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND', details: { session_id: 'x' } });
    expect(calls).toHaveLength(1);
  });

  it('retries 503 and lost requests with the same Idempotency-Key, so the server does the work once', async () => {
    const { http, calls } = client([envelope('SERVICE_UNAVAILABLE', 503), new TypeError('fetch failed'), json({ ok: true })]);
    await expect(http.request('POST', 'streaming.new', { body: {} })).resolves.toEqual({ ok: true });
    const keys = calls.map((c) => (c.init.headers as Record<string, string>)['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
  });

  it('waits Retry-After on RATE_LIMITED, but not on QUOTA_EXCEEDED (a limit retrying cannot lift)', async () => {
    const limited = client([envelope('RATE_LIMITED', 429, { 'retry-after': '0' }), json({ ok: 1 })]);
    await expect(limited.http.request('GET', 'providers')).resolves.toEqual({ ok: 1 });
    const quota = client([envelope('QUOTA_EXCEEDED', 429, { 'retry-after': '0' })]);
    await expect(quota.http.request('GET', 'providers')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', retryAfterSeconds: 0 });
    expect(quota.calls).toHaveLength(1);
  });

  it('gives up after its retries with NETWORK_ERROR; an answer that is not the API is BAD_RESPONSE', async () => {
    const lost = client([new TypeError('a'), new TypeError('b'), new TypeError('c')]);
    await expect(lost.http.request('GET', 'providers')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(lost.calls).toHaveLength(3);
    const proxy = client([new Response('<html>bad gateway</html>', { status: 502 })]);
    await expect(proxy.http.request('GET', 'providers')).rejects.toMatchObject({ status: 502, code: 'BAD_RESPONSE' });
    expect(new AvatarSdkError('TIMEOUT', 'x')).toBeInstanceOf(Error);
  });

  it('puts the query in the URL, leaving out empty values', async () => {
    const { http, calls } = client([json({})]);
    await http.request('GET', 'avatars', { query: { provider: 'local', cursor: undefined, q: 'a b' } });
    expect(calls[0].url).toBe('http://api/v1/avatars?provider=local&q=a%20b');
  });
});
