import { deliveryCursor, TenantScopes } from '@avatar/contracts';
import type { WebhookDeliveriesRepository, WebhookDeliveryRow, WebhookEndpointsRepository } from '@avatar/persistence';
import { ListWebhookDeliveriesUseCase } from './list-webhook-deliveries.use-case';

const TENANT = TenantScopes.administered('11111111-1111-4111-8111-111111111111');
const WEBHOOK = '22222222-2222-4222-8222-222222222222';

const row = (n: number): WebhookDeliveryRow => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  tenantId: TENANT,
  endpointId: WEBHOOK,
  eventType: 'session.started',
  eventKey: `session.started:${n}`,
  payload: { session_id: `s${n}` },
  status: 'delivered',
  attempts: 1,
  lastStatus: 200,
  lastError: null,
  createdAt: new Date(Date.UTC(2026, 10, 21, 10, 0, 10 - n)),
  lastAttemptAt: new Date(Date.UTC(2026, 10, 21, 10, 0, 11 - n)),
  deliveredAt: new Date(Date.UTC(2026, 10, 21, 10, 0, 11 - n)),
});

function setup(rows: WebhookDeliveryRow[], endpoint: object | null = { id: WEBHOOK }) {
  const endpoints = { find: jest.fn().mockResolvedValue(endpoint) };
  const deliveries = { list: jest.fn().mockResolvedValue(rows) };
  return { useCase: new ListWebhookDeliveriesUseCase(endpoints as unknown as WebhookEndpointsRepository, deliveries as unknown as WebhookDeliveriesRepository), deliveries };
}

describe('ListWebhookDeliveriesUseCase', () => {
  it('answers a page and a cursor after its last row when there is more', async () => {
    const t = setup([row(1), row(2), row(3)]);

    const page = await t.useCase.execute(TENANT, WEBHOOK, { limit: 2, status: 'delivered' });

    expect(t.deliveries.list).toHaveBeenCalledWith(TENANT, WEBHOOK, { status: 'delivered', limit: 3, after: undefined });
    expect(page.deliveries.map((d) => d.id)).toEqual([row(1).id, row(2).id]);
    expect(page.deliveries[0]).toEqual({
      id: row(1).id,
      webhook_id: WEBHOOK,
      event_type: 'session.started',
      status: 'delivered',
      attempts: 1,
      last_status: 200,
      last_error: null,
      created_at: row(1).createdAt.toISOString(),
      last_attempt_at: row(1).lastAttemptAt!.toISOString(),
      delivered_at: row(1).deliveredAt!.toISOString(),
      data: { session_id: 's1' },
    });
    expect(deliveryCursor.decode(page.next_cursor!)).toEqual({ createdAt: row(2).createdAt, id: row(2).id });
  });

  it('no cursor on the last page', async () => {
    expect((await setup([row(1)]).useCase.execute(TENANT, WEBHOOK, { limit: 2 })).next_cursor).toBeNull();
  });

  it("another tenant's webhook: 404", async () => {
    const t = setup([row(1)], null);
    await expect(t.useCase.execute(TENANT, WEBHOOK, { limit: 2 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(t.deliveries.list).not.toHaveBeenCalled();
  });
});
