import { Logger } from '@nestjs/common';
import { SPEAK_JOB, SPEAK_JOB_OPTIONS, TenantScopes } from '@avatar/contracts';
import type { EnqueueResult, NewSpeechTask, SpeechTasksRepository } from '@avatar/persistence';
import { estimateSpeechSeconds } from '@avatar/providers';
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { installTestTracing, TestTracing } from '../../../../../libs/observability/src/tracing/test-tracing';
import { caughtPlatformError } from '@avatar/testing';
import type { GatewayConfig } from '../../gateway-config';
import type { SpeechQueue } from '../speech-queue.provider';
import { SpeechTaskQueue } from '@avatar/speech';
import type { TenantSettingsCache } from '../../tenancy/tenant-settings.cache';
import { SpeakUseCase } from './speak.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = '22222222-2222-4222-8222-222222222222';
const CONFIG = { SPEECH_WORDS_PER_MINUTE: 150 } as unknown as GatewayConfig;
const TEXT = 'Hello there, how are you today?';

function queuedResult(task: NewSpeechTask, seq = 7): EnqueueResult {
  return { outcome: 'queued', task: { id: task.id, sessionId: SESSION, seq } };
}

function setup(maxQueuedTasks = 100) {
  const tasks = {
    enqueue: jest.fn(async (_tenantId: string, _sessionId: string, task: NewSpeechTask, _quota: { maxPending: number }): Promise<EnqueueResult> => queuedResult(task)),
    discard: jest.fn().mockResolvedValue(undefined),
  };
  const queue = { add: jest.fn().mockResolvedValue({ id: 'job' }) };
  const settings = { settingsOf: jest.fn(async () => ({ quotas: { max_queued_tasks_per_session: maxQueuedTasks } })) };
  const speech = new SpeechTaskQueue(tasks as unknown as SpeechTasksRepository, queue as unknown as SpeechQueue);
  const useCase = new SpeakUseCase(speech, CONFIG, settings as unknown as TenantSettingsCache);
  return { useCase, tasks, queue, settings };
}

afterEach(() => jest.restoreAllMocks());

describe('SpeakUseCase', () => {
  it('queues the task in its session order and answers its id, processing, and the duration estimate', async () => {
    const t = setup();
    const estimate = estimateSpeechSeconds(TEXT, { wordsPerMinute: 150 });

    const response = await t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT });

    const task = t.tasks.enqueue.mock.calls[0][2];
    expect(t.tasks.enqueue).toHaveBeenCalledWith(TENANT, SESSION, expect.objectContaining({ text: TEXT, durationEstimateMs: Math.round(estimate * 1000) }), expect.anything());
    expect(response).toEqual({ task_id: task.id, status: 'processing', duration_estimate: estimate });
    expect(estimate).toBeGreaterThan(0);
  });

  it('passes the voice and its settings on to the task, and the speed into the estimate', async () => {
    const t = setup();
    const settings = { speed: 2, stability: 0.5 };

    const response = await t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT, voice_id: 'voice_9', voice_settings: settings });

    expect(t.tasks.enqueue.mock.calls[0][2]).toMatchObject({ voiceId: 'voice_9', voiceSettings: settings });
    expect(response.duration_estimate).toBe(estimateSpeechSeconds(TEXT, { wordsPerMinute: 150, speed: 2 }));
    expect(response.duration_estimate).toBeLessThan(estimateSpeechSeconds(TEXT, { wordsPerMinute: 150 }));
  });

  it('adds a speak job keyed by the task id with the task position and the standard retry options', async () => {
    const t = setup();

    const response = await t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT });

    expect(t.queue.add).toHaveBeenCalledWith(
      SPEAK_JOB,
      { tenantId: TENANT, sessionId: SESSION, taskId: response.task_id, seq: 7, durationEstimateMs: Math.round(response.duration_estimate * 1000), traceparent: undefined },
      { ...SPEAK_JOB_OPTIONS, jobId: response.task_id },
    );
  });

  describe('traced', () => {
    let tracing: TestTracing;
    beforeAll(() => (tracing = installTestTracing()));
    afterAll(() => tracing.uninstall());

    it('queues in a speech.enqueue span under the request span, whose traceparent the task row and the job carry', async () => {
      const t = setup();
      const request = trace.getTracer('spec').startSpan('POST /v1/avatar.speak', { kind: SpanKind.SERVER });

      await context.with(trace.setSpan(ROOT_CONTEXT, request), () => t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT }));
      request.end();

      const enqueue = tracing.spans().find((s) => s.name === 'speech.enqueue')!;
      expect(enqueue.kind).toBe(SpanKind.PRODUCER);
      expect(enqueue.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(enqueue.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(enqueue.attributes).toMatchObject({ 'avatar.tenant_id': 'tenant-1', 'avatar.session_id': SESSION, 'messaging.system': 'bullmq', 'avatar.outcome': 'queued', 'avatar.task.seq': 7 });
      expect(Object.values(enqueue.attributes)).not.toContain(TEXT);
      const traceparent = `00-${enqueue.spanContext().traceId}-${enqueue.spanContext().spanId}-01`;
      expect(t.tasks.enqueue.mock.calls[0][2].traceparent).toBe(traceparent);
      expect(t.queue.add.mock.calls[0][1].traceparent).toBe(traceparent);
    });
  });

  it('refuses text with no words as VALIDATION_ERROR before writing anything', async () => {
    const t = setup();
    expect(estimateSpeechSeconds('... !!', { wordsPerMinute: 150 })).toBe(0);

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION, text: '... !!' }));

    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.details).toEqual({ fields: [{ field: 'text', message: 'has no words to speak' }] });
    expect(t.tasks.enqueue).not.toHaveBeenCalled();
    expect(t.queue.add).not.toHaveBeenCalled();
  });

  it('answers SESSION_NOT_FOUND for a session the tenant does not have, queueing no job', async () => {
    const t = setup();
    t.tasks.enqueue.mockResolvedValue({ outcome: 'session_not_found' });

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT }));

    expect(err.code).toBe('SESSION_NOT_FOUND');
    expect(err.details).toEqual({ session_id: SESSION });
    expect(t.queue.add).not.toHaveBeenCalled();
  });

  it('answers SESSION_NOT_ACTIVE with the session status for a session that is not active', async () => {
    const t = setup();
    t.tasks.enqueue.mockResolvedValue({ outcome: 'session_not_active', status: 'created' });

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT }));

    expect(err.code).toBe('SESSION_NOT_ACTIVE');
    expect(err.details).toEqual({ session_id: SESSION, status: 'created' });
    expect(t.queue.add).not.toHaveBeenCalled();
  });

  it('removes the task again and answers SERVICE_UNAVAILABLE when the job cannot be queued', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const t = setup();
    t.queue.add.mockRejectedValue(new Error('redis connection refused'));

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT }));

    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.message).not.toContain('redis');
    const taskId = t.tasks.enqueue.mock.calls[0][2].id;
    expect(t.tasks.discard).toHaveBeenCalledWith(TENANT, taskId);
  });

  it("queues within the tenant's max_queued_tasks_per_session (checked in the enqueue statement)", async () => {
    const t = setup(4);

    await t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT });

    expect(t.settings.settingsOf).toHaveBeenCalledWith(TENANT);
    expect(t.tasks.enqueue.mock.calls[0][3]).toEqual({ maxPending: 4 });
  });

  it('answers 429 QUOTA_EXCEEDED {quota: max_queued_tasks_per_session, limit, current} and queues no job when the session is full', async () => {
    const t = setup(4);
    t.tasks.enqueue.mockResolvedValue({ outcome: 'quota_exceeded', limit: 4, current: 4 });

    const err = await caughtPlatformError(t.useCase.execute(TENANT, { session_id: SESSION, text: TEXT }));

    expect(err.code).toBe('QUOTA_EXCEEDED');
    expect(err.status).toBe(429);
    expect(err.details).toEqual({ quota: 'max_queued_tasks_per_session', limit: 4, current: 4, session_id: SESSION });
    expect(t.queue.add).not.toHaveBeenCalled();
  });
});
