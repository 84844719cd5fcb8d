import type { MediaEvent, SessionEvent } from '@avatar/contracts';
import type { SessionScope } from '@avatar/messaging';

// Use cases announce through EventPublisher (NATS); specs check what was announced, in order.
export interface PublishedEvent {
  scope: SessionScope;
  event: SessionEvent;
  /** True for frames and audio sent with publishMedia (core NATS, never stored). */
  media?: boolean;
}

/**
 * An EventPublisher stand-in (cast it `as unknown as EventPublisher`): `publish`,
 * `publishAll` and `publishMedia` are jest mocks, and `published` records every event
 * (lifecycle and media alike) in publish order.
 */
export function fakeEventPublisher() {
  const published: PublishedEvent[] = [];
  const publish = jest.fn(async (scope: SessionScope, event: SessionEvent): Promise<number> => {
    published.push({ scope, event });
    return published.length;
  });
  const publishAll = jest.fn(async (scope: SessionScope, events: SessionEvent[]): Promise<number[]> => {
    return events.map((event) => published.push({ scope, event }));
  });
  const publishMedia = jest.fn((scope: SessionScope, event: MediaEvent): void => {
    published.push({ scope, event, media: true });
  });
  return { publish, publishAll, publishMedia, published };
}
