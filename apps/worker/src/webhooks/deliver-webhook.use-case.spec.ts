import { TenantScopes } from '@avatar/contracts';
import type { AttemptOutcome, DispatchableDelivery, WebhookDeliveriesRepository, WebhookEndpointsRepository } from '@avatar/persistence';
import { CredentialCipher, verifyWebhookSignature, webhookSecretContext } from '@avatar/tenancy';
import { DeliverWebhookUseCase } from './deliver-webhook.use-case';
import type { SendResult, WebhookSender } from './webhook-sender';

const TENANT = '11111111-1111-4111-8111-111111111111';
const ENDPOINT = '22222222-2222-4222-8222-222222222222';
const DELIVERY = '33333333-3333-4333-8333-333333333333';
const SECRET = 'whsec_test-secret';
const NOW = Date.UTC(2026, 10, 21, 10, 0, 0);

function setup(answer: SendResult | Error, overrides: Partial<DispatchableDelivery> = {}) {
  const cipher = CredentialCipher.fromConfig({ CREDENTIALS_KEY: Buffer.alloc(32, 3).toString('base64') });
  const sealed = cipher.seal(SECRET, webhookSecretContext(TENANT, ENDPOINT));
  const delivery: DispatchableDelivery | null = {
    id: DELIVERY,
    tenantId: TENANT,
    endpointId: ENDPOINT,
    eventType: 'session.stopped',
    eventKey: 'session.stopped:s1',
    payload: { session_id: 's1', duration: 3.2, billed_seconds: 4 },
    status: 'pending',
    attempts: 0,
    lastStatus: null,
    lastError: null,
    createdAt: new Date(NOW - 1000),
    lastAttemptAt: null,
    deliveredAt: null,
    url: 'http://receiver.test/hook',
    keyId: sealed.keyId,
    sealedSecret: Buffer.from(sealed.sealed),
    endpointDisabledAt: null,
    ...overrides,
  };
  const deliveries = {
    forDispatch: jest.fn().mockResolvedValue(delivery),
    recordAttempt: jest.fn().mockResolvedValue(1),
    abandon: jest.fn().mockResolvedValue(true),
  };
  const endpoints = { disable: jest.fn().mockResolvedValue({}) };
  const sender = { post: answer instanceof Error ? jest.fn().mockRejectedValue(answer) : jest.fn().mockResolvedValue(answer) };
  const useCase = new DeliverWebhookUseCase(
    deliveries as unknown as WebhookDeliveriesRepository,
    endpoints as unknown as WebhookEndpointsRepository,
    sender as unknown as WebhookSender,
    cipher,
  );
  const run = (final = false) => useCase.execute({ tenantId: TenantScopes.ofRecord(TENANT), deliveryId: DELIVERY }, { final, now: () => NOW });
  const recorded = (): AttemptOutcome => deliveries.recordAttempt.mock.calls[0][2];
  return { useCase, deliveries, endpoints, sender, run, recorded };
}

describe('DeliverWebhookUseCase', () => {
  it('POSTs the signed body with the Webhook-* headers; a 2xx is delivered', async () => {
    const t = setup({ status: 200, snippet: 'ok' });

    expect(await t.run()).toBe('delivered');

    const [url, body, headers] = t.sender.post.mock.calls[0];
    expect(url).toBe('http://receiver.test/hook');
    expect(JSON.parse(body)).toEqual({
      id: DELIVERY,
      type: 'session.stopped',
      created_at: new Date(NOW - 1000).toISOString(),
      tenant_id: TENANT,
      data: { session_id: 's1', duration: 3.2, billed_seconds: 4 },
    });
    expect(headers['Webhook-Id']).toBe(DELIVERY);
    expect(headers['Webhook-Timestamp']).toBe(String(NOW / 1000));
    expect(verifyWebhookSignature(SECRET, headers['Webhook-Signature'], headers['Webhook-Timestamp'], body, { now: NOW / 1000 })).toBe(true);
    expect(t.deliveries.recordAttempt).toHaveBeenCalledWith(TENANT, DELIVERY, { delivered: true, httpStatus: 200, error: null, final: false });
  });

  it('a 500 is a failed attempt, recorded with its status and the start of the answer, to retry', async () => {
    const t = setup({ status: 500, snippet: 'database down' });

    expect(await t.run()).toBe('retry');

    expect(t.recorded()).toEqual({ delivered: false, httpStatus: 500, error: 'HTTP 500: database down', final: false });
  });

  it('the last failed attempt gives the delivery up', async () => {
    const t = setup({ status: 503, snippet: '' });

    expect(await t.run(true)).toBe('failed');

    expect(t.recorded()).toEqual({ delivered: false, httpStatus: 503, error: 'HTTP 503', final: true });
  });

  it('no answer (timeout, refused) is a failed attempt without a status', async () => {
    const t = setup({ status: null, error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9' });

    expect(await t.run()).toBe('retry');

    expect(t.recorded()).toEqual({ delivered: false, httpStatus: null, error: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9', final: false });
  });

  it('410 Gone disables the endpoint and gives the delivery up at once', async () => {
    const t = setup({ status: 410, snippet: '' });

    expect(await t.run()).toBe('failed');

    expect(t.endpoints.disable).toHaveBeenCalledWith(TENANT, ENDPOINT);
    expect(t.recorded()).toMatchObject({ httpStatus: 410, final: true });
  });

  it('sends nothing for a delivery that is no longer pending', async () => {
    const t = setup({ status: 200, snippet: '' });
    t.deliveries.forDispatch.mockResolvedValue(null);

    expect(await t.run()).toBe('skipped');

    expect(t.sender.post).not.toHaveBeenCalled();
  });

  it('gives up, without sending, a delivery whose endpoint was deleted', async () => {
    const t = setup({ status: 200, snippet: '' }, { endpointDisabledAt: new Date() });

    expect(await t.run()).toBe('failed');

    expect(t.sender.post).not.toHaveBeenCalled();
    expect(t.deliveries.abandon).toHaveBeenCalledWith(TENANT, DELIVERY, 'endpoint disabled');
  });

  it('a secret that does not open (sealed for another endpoint) is a failed attempt, nothing sent', async () => {
    const other = CredentialCipher.fromConfig({ CREDENTIALS_KEY: Buffer.alloc(32, 3).toString('base64') }).seal(SECRET, webhookSecretContext(TENANT, 'another'));
    const t = setup({ status: 200, snippet: '' }, { sealedSecret: Buffer.from(other.sealed) });

    expect(await t.run()).toBe('retry');

    expect(t.sender.post).not.toHaveBeenCalled();
    expect(t.recorded()).toMatchObject({ delivered: false, httpStatus: null, error: expect.stringContaining('signing secret unavailable') });
  });

  it('another sender got there first: the attempt is not counted twice', async () => {
    const t = setup({ status: 500, snippet: '' });
    t.deliveries.recordAttempt.mockResolvedValue(null);

    expect(await t.run()).toBe('skipped');
  });
});
