import { CreateWebhookRequest, deliveryCursor, ListWebhookDeliveriesQuery } from './webhooks.dto';

describe('webhook DTOs', () => {
  it('takes an http(s) URL of at most 2048 characters and a non-empty set of known events', () => {
    expect(CreateWebhookRequest.safeParse({ url: 'http://127.0.0.1:9000/hook', events: ['session.started', 'quota.warning'] }).success).toBe(true);
    const refused = [
      { url: 'ftp://example.test/hook', events: ['session.started'] },
      { url: 'not a url', events: ['session.started'] },
      { url: `https://example.test/${'a'.repeat(2048)}`, events: ['session.started'] },
      { url: 'https://example.test/hook', events: [] },
      { url: 'https://example.test/hook', events: ['session.started', 'session.started'] },
      { url: 'https://example.test/hook', events: ['task.completed'] },
      { url: 'https://example.test/hook', events: ['session.started'], secret: 'mine' },
    ];
    for (const body of refused) expect(CreateWebhookRequest.safeParse(body).success).toBe(false);
  });

  it('round-trips its own cursor and refuses any other', () => {
    const last = { createdAt: new Date('2026-11-21T10:00:00.123Z'), id: '33333333-3333-4333-8333-333333333333' };
    const cursor = deliveryCursor.encode(last);
    expect(deliveryCursor.decode(cursor)).toEqual(last);
    expect(ListWebhookDeliveriesQuery.parse({ cursor, limit: '5' })).toEqual({ cursor: last, limit: 5 });
    expect(ListWebhookDeliveriesQuery.safeParse({ cursor: 'bm9wZQ' }).success).toBe(false);
    expect(ListWebhookDeliveriesQuery.safeParse({ limit: '101' }).success).toBe(false);
  });
});
