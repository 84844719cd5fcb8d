import { AvatarClient } from './client';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function clientAnswering(answers: Record<string, () => Response>) {
  const paths: string[] = [];
  const fetch = jest.fn(async (url: string) => {
    const path = new URL(url).pathname;
    paths.push(path);
    return answers[path]?.() ?? json({ error: { code: 'NOT_FOUND', message: path, details: {} } }, 404);
  });
  const client = new AvatarClient({ apiUrl: 'http://api/v1', wsUrl: 'ws://ws/ws', apiKey: 'ak', fetch, retries: 0, WebSocket: class {} as never });
  return { client, paths };
}

describe('AvatarClient.createSession', () => {
  const created = () => json({ session_id: 'S', ice_servers: [], access_token: 'tok' });

  it('creates and starts, and the session carries the start answer and the token', async () => {
    const { client, paths } = clientAnswering({ '/v1/streaming.new': created, '/v1/streaming.start': () => json({ status: 'started', provider: 'local' }) });
    const session = await client.createSession({ provider: 'local' });
    expect(paths).toEqual(['/v1/streaming.new', '/v1/streaming.start']);
    expect(session.id).toBe('S');
    expect(session.accessToken).toBe('tok');
    expect(session.started).toEqual({ status: 'started', provider: 'local' });
  });

  it('stops the session it created when the start fails, then throws the start’s error', async () => {
    const { client, paths } = clientAnswering({
      '/v1/streaming.new': created,
      '/v1/streaming.start': () => json({ error: { code: 'PROVIDER_UNAVAILABLE', message: 'vendor down', details: {} } }, 503),
      '/v1/streaming.stop': () => json({ status: 'stopped', duration: 0, billed_seconds: 0 }),
    });
    await expect(client.createSession({ provider: 'heygen' })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503 });
    expect(paths).toEqual(['/v1/streaming.new', '/v1/streaming.start', '/v1/streaming.stop']);
  });

  it('only creates with start: false', async () => {
    const { client, paths } = clientAnswering({ '/v1/streaming.new': created });
    const session = await client.createSession({}, { start: false });
    expect(paths).toEqual(['/v1/streaming.new']);
    expect(session.started).toBeUndefined();
  });
});
