import * as infra from '../../scripts/infra';
import { apiClient, ApiClient, ApiResponse, startedSession } from '../support/clients';
import { Platform, startPlatform, TEST_ADMIN_TOKEN } from '../support/platform';

/**
 * Idempotency-Key on real processes: two gateways share one Redis, the work is done
 * once (one session row, one task) whichever gateway a retry reaches, also when
 * identical requests arrive at the same time.
 */
describe('Idempotency-Key on POST', () => {
  let platform: Platform;
  let a: ApiClient;
  let b: ApiClient;
  let other: ApiClient;
  let urls: string[];

  beforeAll(async () => {
    platform = await startPlatform();
    const port = await infra.freePort();
    await platform.startApp('gateway', { GATEWAY_PORT: String(port) });
    a = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    urls = [platform.apiUrl, `http://127.0.0.1:${port}`];
    b = apiClient(urls[1], platform.tenants.a.apiKey);
    other = apiClient(platform.apiUrl, platform.tenants.b.apiKey);
  });
  afterAll(() => platform?.stop());

  const key = (name: string) => ({ 'idempotency-key': `${name}-${Math.random().toString(36).slice(2)}` });
  const sessionsOfA = () => platform.db.session.count({ where: { tenantId: platform.tenants.a.id } });
  const replayed = (response: ApiResponse) => response.headers.get('idempotent-replayed');

  it('answers a retry with the first answer and does the work once (one session), on either gateway', async () => {
    const headers = key('new');
    const before = await sessionsOfA();

    const first = await a.post('/v1/streaming.new', { quality: 'low', avatar_id: 'avatar_2' }, headers);
    // Same JSON value, other key order and spacing: the same request.
    const retryB = await b.post('/v1/streaming.new', '{ "avatar_id": "avatar_2",  "quality": "low" }', headers);
    const retryA = await a.post('/v1/streaming.new', { quality: 'low', avatar_id: 'avatar_2' }, headers);

    expect(first.status).toBe(200);
    expect(replayed(first)).toBeNull();
    for (const retry of [retryB, retryA]) {
      expect(retry.status).toBe(200);
      expect(replayed(retry)).toBe('true');
      expect(retry.body).toEqual(first.body);
    }
    expect(await sessionsOfA()).toBe(before + 1);
    expect(await platform.db.session.count({ where: { id: first.body.session_id } })).toBe(1);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with a different body, and does nothing', async () => {
    const headers = key('reused');
    const first = await a.post('/v1/streaming.new', { quality: 'low' }, headers);
    const before = await sessionsOfA();

    const reused = await b.post('/v1/streaming.new', { quality: 'high' }, headers);

    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String), details: {} } });
    expect(await sessionsOfA()).toBe(before);
    // The first answer is still the key's answer.
    expect((await a.post('/v1/streaming.new', { quality: 'low' }, headers)).body).toEqual(first.body);
  });

  it('creates one session for concurrent identical streaming.new requests on two gateways; every answer is the same', async () => {
    const headers = key('concurrent');
    const before = await sessionsOfA();

    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).post('/v1/streaming.new', { quality: 'medium' }, headers)));

    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    // One of them did the work; the others were given its answer.
    expect(answers.filter((r) => replayed(r) === null)).toHaveLength(1);
    expect(await sessionsOfA()).toBe(before + 1);
  });

  it('queues one speech task for avatar.speak repeated with the same key (sequential and concurrent)', async () => {
    const { sessionId } = await startedSession(a);
    const headers = key('speak');
    const body = { session_id: sessionId, text: 'Said once, however often it is asked.' };

    const first = await a.post('/v1/avatar.speak', body, headers);
    const retries = await Promise.all([b.post('/v1/avatar.speak', body, headers), a.post('/v1/avatar.speak', body, headers), b.post('/v1/avatar.speak', body, headers)]);

    expect(first.status).toBe(200);
    for (const retry of retries) expect(retry.body).toEqual(first.body);
    expect(await platform.db.speechTask.count({ where: { sessionId } })).toBe(1);

    // Concurrent first requests with a fresh key: one more task, not three.
    const fresh = key('speak-concurrent');
    const concurrent = await Promise.all([a, b, a].map((client) => client.post('/v1/avatar.speak', { ...body, text: 'And this once too.' }, fresh)));
    expect(new Set(concurrent.map((r) => r.body.task_id)).size).toBe(1);
    expect(await platform.db.speechTask.count({ where: { sessionId } })).toBe(2);
  });

  it("keeps tenants' keys apart: another tenant's same key and body is its own request", async () => {
    const headers = key('shared');
    const mine = await a.post('/v1/streaming.new', { quality: 'low' }, headers);
    const before = await platform.db.session.count({ where: { tenantId: platform.tenants.b.id } });

    const theirs = await other.post('/v1/streaming.new', { quality: 'low' }, headers);

    expect(theirs.status).toBe(200);
    expect(replayed(theirs)).toBeNull();
    expect(theirs.body.session_id).not.toBe(mine.body.session_id);
    expect(await platform.db.session.count({ where: { tenantId: platform.tenants.b.id } })).toBe(before + 1);
    const row = await platform.db.session.findUniqueOrThrow({ where: { id: theirs.body.session_id } });
    expect(row.tenantId).toBe(platform.tenants.b.id);
  });

  it("replays a client error as it was the first time (the key's answer), and keys apart per route", async () => {
    const headers = key('error');
    const unknown = { session_id: '00000000-0000-4000-8000-000000000000' };

    const first = await a.post('/v1/streaming.stop', unknown, headers);
    const retry = await b.post('/v1/streaming.stop', unknown, headers);

    expect(first.status).toBe(404);
    expect(retry.status).toBe(404);
    expect(retry.body).toEqual(first.body);
    expect(replayed(first)).toBeNull();
    expect(replayed(retry)).toBe('true');
    // The same key on another route is another request.
    const interrupt = await a.post('/v1/streaming.interrupt', unknown, headers);
    expect(interrupt.status).toBe(404);
    expect(replayed(interrupt)).toBeNull();
  });

  it('applies to the admin API too: one tenant for a repeated and concurrent POST /admin/v1/tenants', async () => {
    const admin = urls.map((url) => apiClient(url, TEST_ADMIN_TOKEN));
    const headers = key('admin');
    const name = `idempotent ${headers['idempotency-key']}`;

    const answers = await Promise.all([0, 1, 0, 1].map((i) => admin[i].post('/admin/v1/tenants', { name }, headers)));
    const retry = await admin[1].post('/admin/v1/tenants', { name }, headers);

    expect([...answers, retry].map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    for (const answer of [...answers, retry]) expect(answer.body).toEqual(answers[0].body);
    expect(replayed(retry)).toBe('true');
    expect(await platform.db.tenant.count({ where: { name } })).toBe(1);
    expect((await admin[0].post('/admin/v1/tenants', { name: `${name} renamed` }, headers)).status).toBe(422);
  });

  it('refuses a malformed key with 400 VALIDATION_ERROR and does nothing', async () => {
    const before = await sessionsOfA();
    for (const bad of ['k'.repeat(256), 'clé']) {
      const response = await a.post('/v1/streaming.new', {}, { 'idempotency-key': bad });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: [{ field: 'Idempotency-Key', message: expect.any(String) }] } });
    }
    expect((await a.post('/v1/streaming.new', {}, { 'idempotency-key': 'k'.repeat(255) })).status).toBe(200);
    expect(await sessionsOfA()).toBe(before + 1);
  });

  it('leaves requests without a key alone: each one is new work', async () => {
    const before = await sessionsOfA();
    const [first, second] = [await a.post('/v1/streaming.new', {}), await a.post('/v1/streaming.new', {})];
    expect(first.body.session_id).not.toBe(second.body.session_id);
    expect(await sessionsOfA()).toBe(before + 2);
  });
});
