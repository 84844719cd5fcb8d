import type { EventEnvelope, SessionEvent } from '@avatar/contracts';
import { MAX_WEBHOOK_ERROR_LENGTH, webhookEventOf } from './webhook-event.mapper';

const envelope = (event: SessionEvent): EventEnvelope => ({ tenant_id: 't1', session_id: 's1', emitted_at: '2026-11-21T10:00:00.000Z', event });

describe('webhookEventOf', () => {
  it('session.started: keyed by the session', () => {
    expect(webhookEventOf(envelope({ type: 'session.started' }))).toEqual({
      type: 'session.started',
      key: 'session.started:s1',
      payload: { session_id: 's1', occurred_at: '2026-11-21T10:00:00.000Z' },
    });
  });

  it('session.stopped: with reason, duration and billed seconds', () => {
    expect(webhookEventOf(envelope({ type: 'session.stopped', duration: 12.345, billed_seconds: 13, reason: 'client_stop' }))).toEqual({
      type: 'session.stopped',
      key: 'session.stopped:s1',
      payload: { session_id: 's1', reason: 'client_stop', duration: 12.345, billed_seconds: 13, occurred_at: '2026-11-21T10:00:00.000Z' },
    });
    expect(webhookEventOf(envelope({ type: 'session.stopped', duration: 1, reason: 'reaped' }))?.payload.billed_seconds).toBeNull();
  });

  it('task.failed: keyed by the task, its error bounded', () => {
    const event = webhookEventOf(envelope({ type: 'task.failed', task_id: 'k1', error: 'x'.repeat(5000) }));
    expect(event).toMatchObject({ type: 'task.failed', key: 'task.failed:k1', payload: { session_id: 's1', task_id: 'k1' } });
    expect(event?.payload.error).toHaveLength(MAX_WEBHOOK_ERROR_LENGTH);
  });

  it.each<SessionEvent>([
    { type: 'task.completed', task_id: 'k', duration: 1 },
    { type: 'task.started', task_id: 'k', duration_estimate: 1, attempt: 1 },
    { type: 'status', status: 'idle', message: '' },
    { type: 'chat', role: 'user', content: 'hi' },
  ])('no webhook for $type', (event) => {
    expect(webhookEventOf(envelope(event))).toBeNull();
  });
});
