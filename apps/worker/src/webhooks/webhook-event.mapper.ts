import type { EventEnvelope, WebhookEventType } from '@avatar/contracts';
import type { WebhookEvent } from '@avatar/persistence';

/** Longest task error forwarded in a task.failed webhook. */
export const MAX_WEBHOOK_ERROR_LENGTH = 1000;

/**
 * The webhook event a lifecycle event becomes (null for the others). The key names the
 * event once (one delivery per endpoint however often it is recorded): a session
 * starts and stops once, a task fails once. `occurred_at` is when the platform emitted
 * the event, so a receiver can order events and see how late a retry arrived.
 */
export function webhookEventOf(envelope: EventEnvelope): (WebhookEvent & { type: WebhookEventType }) | null {
  const { event, session_id: sessionId, emitted_at: occurredAt } = envelope;
  switch (event.type) {
    case 'session.started':
      return { type: 'session.started', key: `session.started:${sessionId}`, payload: { session_id: sessionId, occurred_at: occurredAt } };
    case 'session.stopped':
      return {
        type: 'session.stopped',
        key: `session.stopped:${sessionId}`,
        payload: {
          session_id: sessionId,
          reason: event.reason,
          duration: event.duration,
          billed_seconds: event.billed_seconds ?? null,
          occurred_at: occurredAt,
        },
      };
    case 'task.failed':
      return {
        type: 'task.failed',
        key: `task.failed:${event.task_id}`,
        payload: { session_id: sessionId, task_id: event.task_id, error: String(event.error).slice(0, MAX_WEBHOOK_ERROR_LENGTH), occurred_at: occurredAt },
      };
    default:
      return null;
  }
}
