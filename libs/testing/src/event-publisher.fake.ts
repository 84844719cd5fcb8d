import type { SessionEvent } from '@avatar/contracts';
import type { SessionScope } from '@avatar/messaging';

// Use cases announce through EventPublisher (NATS); specs check what was announced, in order.
export interface PublishedEvent {
  scope: SessionScope;
  event: SessionEvent;
}

/**
 * An EventPublisher stand-in (cast it `as unknown as EventPublisher`): `publish` and
 * `publishAll` are jest mocks, and `published` records every event in publish order.
 */
export function fakeEventPublisher() {
  const published: PublishedEvent[] = [];
  const publish = jest.fn(async (scope: SessionScope, event: SessionEvent): Promise<number> => {
    published.push({ scope, event });
    return published.length;
  });
  const publishAll = jest.fn(async (scope: SessionScope, events: SessionEvent[]): Promise<void> => {
    for (const event of events) published.push({ scope, event });
  });
  return { publish, publishAll, published };
}
