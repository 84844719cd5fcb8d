import { apiClient } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

describe('health when a dependency is down', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform?.stop());

  it('answers 503 naming the dependency that is down, and recovers', async () => {
    const health = apiClient(platform.apiUrl);
    expect((await health.get('/health')).status).toBe(200);

    await platform.infra.redis.stop();
    const down = await health.get('/health');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unhealthy', services: { api: 'healthy', redis: 'unhealthy', nats: 'healthy', database: 'healthy' } });

    // A speak while Redis is down answers 503 and leaves no task behind.
    const api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    const created = await api.post('/v1/streaming.new', {});
    await platform.db.session.update({ where: { id: created.body.session_id }, data: { status: 'active', startedAt: new Date() } });
    const speak = await api.post('/v1/avatar.speak', { session_id: created.body.session_id, text: 'nobody will hear this' });
    expect(speak.status).toBe(503);
    expect(speak.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(await platform.db.speechTask.count({ where: { sessionId: created.body.session_id } })).toBe(0);
  });
});
