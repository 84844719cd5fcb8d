import * as infra from '../../scripts/infra';
import { apiClient, ApiClient, ApiResponse, EventSocket, openSocket, sessionSocketUrl } from '../support/clients';
import { AppProcess, createApiKey, createTenant, Platform, startPlatform, TestTenant } from '../support/platform';

/**
 * Per-tenant rate limits on real processes: two gateways share one Redis, so a
 * tenant's limit holds whichever gateway a request reaches, also under a concurrent
 * burst. The WebSocket limit travels in the session token to the notifier.
 */
describe('rate limits: per tenant and route, shared by every gateway', () => {
  let platform: Platform;
  let urls: string[];
  let unlimited: { url: string; app: AppProcess };

  beforeAll(async () => {
    platform = await startPlatform({ env: { RATE_LIMITS: 'on' } });
    const [secondPort, offPort] = [await infra.freePort(), await infra.freePort()];
    await platform.startApp('gateway', { GATEWAY_PORT: String(secondPort) });
    const off = await platform.startApp('gateway', { GATEWAY_PORT: String(offPort), RATE_LIMITS: 'off' });
    urls = [platform.apiUrl, `http://127.0.0.1:${secondPort}`];
    unlimited = { url: `http://127.0.0.1:${offPort}`, app: off };
  });
  afterAll(() => platform?.stop());

  /** A new tenant whose stored limits are `limits` (read by the gateways on first use). */
  async function tenantWith(limits: Record<string, number>): Promise<TestTenant> {
    const tenant = await createTenant(platform.db, 'limited');
    await platform.db.tenant.update({ where: { id: tenant.id }, data: { limits } });
    return tenant;
  }

  /** The tenant's client on each gateway. */
  const clients = (tenant: TestTenant): ApiClient[] => urls.map((url) => apiClient(url, tenant.apiKey));
  const sessionsOf = (tenant: TestTenant) => platform.db.session.count({ where: { tenantId: tenant.id } });

  function expectRateLimited(response: ApiResponse, limit: number): void {
    expect(response.status).toBe(429);
    expect(response.body).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.any(String), details: { limit, window_seconds: 60, retry_after_seconds: expect.any(Number) } },
    });
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBe(response.body.error.details.retry_after_seconds);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(response.headers.get('ratelimit-limit')).toBe(String(limit));
    expect(response.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(response.headers.get('ratelimit-reset'))).toBe(retryAfter);
  }

  it("holds a tenant's limit across two gateways: exactly 5 of 8 alternating requests pass, then 429 with Retry-After and RateLimit-*", async () => {
    const tenant = await tenantWith({ sessions_per_minute: 5 });
    const [a, b] = clients(tenant);

    const responses: ApiResponse[] = [];
    for (let i = 0; i < 8; i++) responses.push(await (i % 2 === 0 ? a : b).post('/v1/streaming.new', {}));

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    // Successful answers carry the window too, counting down across both gateways.
    expect(responses.slice(0, 5).map((r) => [r.headers.get('ratelimit-limit'), r.headers.get('ratelimit-remaining')])).toEqual([
      ['5', '4'], ['5', '3'], ['5', '2'], ['5', '1'], ['5', '0'],
    ]);
    for (const r of responses.slice(0, 5)) expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    for (const refused of responses.slice(5)) expectRateLimited(refused, 5);
    expect(await sessionsOf(tenant)).toBe(5);

    // Another tenant with the same limit has a count of its own, on either gateway.
    const [otherA, otherB] = clients(await tenantWith({ sessions_per_minute: 5 }));
    const others = [];
    for (let i = 0; i < 5; i++) others.push((await (i % 2 === 0 ? otherA : otherB).post('/v1/streaming.new', {})).status);
    expect(others).toEqual([200, 200, 200, 200, 200]);
  });

  it('lets exactly the limit through a concurrent burst split across both gateways (40 requests, limit 10, three rounds)', async () => {
    const passedPerRound: number[] = [];
    for (let round = 0; round < 3; round++) {
      const tenant = await tenantWith({ sessions_per_minute: 10 });
      const [a, b] = clients(tenant);

      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).post('/v1/streaming.new', {})));

      passedPerRound.push(burst.filter((r) => r.status === 200).length);
      expect(burst.filter((r) => r.status === 429 && r.body.error.code === 'RATE_LIMITED')).toHaveLength(30);
      expect(await sessionsOf(tenant)).toBe(10);
    }
    expect(passedPerRound).toEqual([10, 10, 10]);
  });

  it('counts each route against its own limit: speak has its own count, other routes none', async () => {
    const tenant = await tenantWith({ sessions_per_minute: 2, speak_per_minute: 3 });
    const [a, b] = clients(tenant);
    const created = await a.post('/v1/streaming.new', {});
    expect((await b.post('/v1/streaming.start', { session_id: created.body.session_id })).status).toBe(200);

    const spoken = [];
    for (let i = 0; i < 4; i++) spoken.push(await (i % 2 === 0 ? a : b).post('/v1/avatar.speak', { session_id: created.body.session_id, text: `hello ${i}` }));

    expect(spoken.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expectRateLimited(spoken[3], 3);
    expect(await platform.db.speechTask.count({ where: { sessionId: created.body.session_id } })).toBe(3);
    // streaming.new had one of its two; unlimited routes are never refused nor labelled.
    expect((await b.post('/v1/streaming.new', {})).status).toBe(200);
    expect((await a.post('/v1/streaming.new', {})).status).toBe(429);
    for (let i = 0; i < 5; i++) {
      const listed = await (i % 2 === 0 ? a : b).get('/v1/streaming.sessions');
      expect(listed.status).toBe(200);
      expect(listed.headers.get('ratelimit-limit')).toBeNull();
    }
  });

  it('counts only authenticated requests the key may make: refused keys and scopes do not use up the limit', async () => {
    const tenant = await tenantWith({ sessions_per_minute: 2 });
    const readOnly = apiClient(urls[0], await createApiKey(platform.db, tenant.id, ['sessions:read']));
    for (let i = 0; i < 5; i++) expect((await readOnly.post('/v1/streaming.new', {})).status).toBe(403);
    for (let i = 0; i < 5; i++) expect((await apiClient(urls[1], 'ak_not_a_key').post('/v1/streaming.new', {})).status).toBe(401);

    const [a, b] = clients(tenant);
    expect((await a.post('/v1/streaming.new', {})).status).toBe(200);
    expect((await b.post('/v1/streaming.new', {})).status).toBe(200);
    expect((await a.post('/v1/streaming.new', {})).status).toBe(429);
  });

  it('does not count a replay of an Idempotency-Key (the work is not done again)', async () => {
    const tenant = await tenantWith({ sessions_per_minute: 2 });
    const [a, b] = clients(tenant);
    const first = await a.post('/v1/streaming.new', {}, { 'idempotency-key': 'replayed' });
    expect(first.status).toBe(200);
    for (let i = 0; i < 4; i++) {
      const replay = await (i % 2 === 0 ? b : a).post('/v1/streaming.new', {}, { 'idempotency-key': 'replayed' });
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.session_id).toBe(first.body.session_id);
    }

    expect((await b.post('/v1/streaming.new', {})).status).toBe(200);
    expectRateLimited(await a.post('/v1/streaming.new', {}), 2);
  });

  it('RATE_LIMITS=off lets every request through (and the gateway says so at start-up)', async () => {
    const tenant = await tenantWith({ sessions_per_minute: 1 });
    const api = apiClient(unlimited.url, tenant.apiKey);

    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await api.post('/v1/streaming.new', {}));

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(responses[0].headers.get('ratelimit-limit')).toBeNull();
    expect(unlimited.app.output()).toMatch(/RATE_LIMITS=off: per-tenant rate limits are NOT enforced/);
    // The same tenant on a gateway with limits on: its one request of the window.
    const [a] = clients(tenant);
    expect((await a.post('/v1/streaming.new', {})).status).toBe(200);
    expect((await a.post('/v1/streaming.new', {})).status).toBe(429);
  });

  describe('WebSocket messages per second: the tenant\'s limit travels in the session token', () => {
    /** A message the notifier answers itself, at once, with an error: one byte is no 16-bit sample. */
    const HALF_A_SAMPLE = { type: 'audio_buffer_append', data: { audio: 'AA==' } };
    const errorsOf = (socket: EventSocket, code: string) => socket.events.filter((e) => e.type === 'error' && e.code === code);

    /**
     * Sends `count` messages at once (half a sample of audio). Each accepted one is answered AUDIO_INVALID,
     * the first refused one RATE_LIMITED, in the order they came: `until` says when
     * every answer there will be is in.
     */
    async function burstOn(socket: EventSocket, count: number, until: 'rate_limited' | 'all_answered') {
      for (let i = 0; i < count; i++) socket.send(HALF_A_SAMPLE);
      if (until === 'rate_limited') await socket.waitFor((e) => e.type === 'error' && e.code === 'RATE_LIMITED');
      else await socket.waitFor(() => errorsOf(socket, 'AUDIO_INVALID').length >= count);
      return { answered: errorsOf(socket, 'AUDIO_INVALID').length, rateLimited: errorsOf(socket, 'RATE_LIMITED') };
    }

    async function socketOf(tenant: TestTenant, gateway: ApiClient, viaTokenRoute: boolean): Promise<EventSocket> {
      const created = await gateway.post('/v1/streaming.new', {});
      const token = viaTokenRoute ? (await gateway.post('/v1/streaming.token', { session_id: created.body.session_id })).body.access_token : created.body.access_token;
      return openSocket(sessionSocketUrl(platform.wsUrl, created.body.session_id, token));
    }

    it('a tenant with ws_messages_per_second 5 gets RATE_LIMITED after 5 messages in a second (token from streaming.new and from streaming.token)', async () => {
      const tenant = await tenantWith({ ws_messages_per_second: 5 });
      const [a, b] = clients(tenant);
      for (const socket of [await socketOf(tenant, a, false), await socketOf(tenant, b, true)]) {
        const { answered, rateLimited } = await burstOn(socket, 8, 'rate_limited');
        expect(answered).toBe(5);
        expect(rateLimited).toHaveLength(1);
        expect(rateLimited[0].message).toMatch(/more than 5 messages per second/);
        await socket.close();
      }
    });

    it('a tenant on the default (100/s) is answered for all 8', async () => {
      const socket = await socketOf(platform.tenants.b, apiClient(urls[0], platform.tenants.b.apiKey), false);
      const { answered, rateLimited } = await burstOn(socket, 8, 'all_answered');
      expect(answered).toBe(8);
      expect(rateLimited).toHaveLength(0);
      await socket.close();
    });

    it("closes a socket that keeps going far over the tenant's rate with 1008", async () => {
      const tenant = await tenantWith({ ws_messages_per_second: 5 });
      const socket = await socketOf(tenant, clients(tenant)[0], false);
      const closed = new Promise<number>((resolve) => socket.ws.once('close', (code) => resolve(code)));
      let open = true;
      void closed.then(() => (open = false));
      // 3 messages per 100 ms (30/s): past twice the tenant's 5/s, far below the default 100/s.
      // Bounded (10 s) so a socket that is never closed fails the test instead of hanging it.
      for (let tick = 0; open && tick < 100; tick++) {
        for (let i = 0; i < 3 && socket.ws.readyState === socket.ws.OPEN; i++) socket.send(HALF_A_SAMPLE);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(open).toBe(false);
      expect(await closed).toBe(1008);
      expect(socket.events.some((e) => e.type === 'error' && e.code === 'RATE_LIMITED')).toBe(true);
    });
  });
});
