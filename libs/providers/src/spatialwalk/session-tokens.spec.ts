import { ProviderError } from '../provider-error';
import { VendorHttp } from '../http/vendor-http';
import { SessionTokens } from './session-tokens';
import { SpatialWalkFake } from '../../../testing/src/fakes/spatialwalk-fake';

describe('SessionTokens', () => {
  let fake: SpatialWalkFake;
  const rule = { attempts: 2, delayMs: 1, timeoutMs: 2000 };

  beforeEach(async () => {
    fake = await new SpatialWalkFake().start();
  });
  afterEach(() => fake.stop());

  const tokens = () => new SessionTokens('spatialwalk', new VendorHttp('spatialwalk'), `${fake.consoleUrl}/`, rule);

  it('posts the expiry in unix seconds with the API key header and returns the session token', async () => {
    const expireAt = Math.floor(Date.now() / 1000) + 600;
    const issued = await tokens().issue(fake.apiKey, expireAt);

    expect(issued).toEqual({ token: expect.any(String), expireAt });
    expect(fake.issuedTokens.get(issued.token)).toBe(expireAt);
    const [call] = fake.calls('POST', '/v1/console/session-tokens');
    expect(call.headers['x-api-key']).toBe(fake.apiKey);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.body).toEqual({ expireAt });
  });

  it('fails with auth when the console refuses the key', async () => {
    const err = await tokens()
      .issue('wrong-key', Math.floor(Date.now() / 1000) + 600)
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'auth', vendorStatus: 401, retryable: false });
  });

  it('treats a 200 answer carrying errors as a failure', async () => {
    fake.fault({ path: '/v1/console/session-tokens', answer: { status: 200, body: { sessionToken: 'x', errors: [{ status: 402, code: 'billing', title: 'No credits' }] } } });
    const err = await tokens()
      .issue(fake.apiKey, Math.floor(Date.now() / 1000) + 600)
      .catch((e) => e);
    expect(err).toMatchObject({ kind: 'quota', vendorStatus: 200 });
    expect(err.message).toContain('No credits');
  });

  it('fails when the answer has no token', async () => {
    fake.fault({ path: '/v1/console/session-tokens', answer: { status: 200, body: {} } });
    await expect(tokens().issue(fake.apiKey, 1)).rejects.toMatchObject({ kind: 'rejected' });
  });

  it('tries again after a server failure, by its rule', async () => {
    fake.fault({ path: '/v1/console/session-tokens', answer: { status: 503, body: { errors: [{ status: 503 }] } } });
    const issued = await tokens().issue(fake.apiKey, Math.floor(Date.now() / 1000) + 600);
    expect(issued.token).toBeTruthy();
    expect(fake.calls('POST', '/v1/console/session-tokens')).toHaveLength(2);
  });
});
