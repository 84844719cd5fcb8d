import { Logger } from '@nestjs/common';
import type { SpeakJobData } from '@avatar/contracts';
import type { SessionRow, SessionsRepository, SpeechTaskRow, SpeechTasksRepository } from '@avatar/persistence';
import type { EventPublisher } from '@avatar/messaging';
import { ProviderConnection, ProviderError, ProviderMediaEvent, SpeechOutcome, SpeechRequest } from '@avatar/providers';
import { fakeEventPublisher, sessionRow as baseSessionRow, speechTaskRow } from '@avatar/testing';
import type { ProviderConnections } from '../../providers/provider-connections';
import type { InterruptSessionUseCase } from '../../sessions/use-cases/interrupt-session.use-case';
import { ActiveSpeech } from '../active-speech';
import type { SpeechOrder } from '../speech-order';
import { RetryableSpeechError, RunSpeechTaskUseCase } from './run-speech-task.use-case';

const TENANT = '11111111-1111-4111-8111-111111111111';
const SESSION = '22222222-2222-4222-8222-222222222222';
const TASK = '33333333-3333-4333-8333-333333333333';
const JOB: SpeakJobData = { tenantId: TENANT, sessionId: SESSION, taskId: TASK, seq: 4 };
const NOT_LAST = { last: false };

/** The queued task of JOB. */
const taskRow = (overrides: Partial<SpeechTaskRow> = {}): SpeechTaskRow =>
  speechTaskRow({ id: TASK, tenantId: TENANT, sessionId: SESSION, seq: 4, text: 'hello there', durationEstimateMs: 1500, ...overrides });

/** The active session of JOB, with a voice of its own and a vendor session. */
const sessionRow = (overrides: Partial<SessionRow> = {}): SessionRow =>
  baseSessionRow({
    id: SESSION,
    tenantId: TENANT,
    voiceId: 'voice_s',
    quality: 'high',
    status: 'active',
    taskSeq: 4,
    providerSessionId: 'vendor-1',
    startedAt: new Date('2025-01-01T00:00:01Z'),
    ...overrides,
  });

const frame = (frameId: number): ProviderMediaEvent => ({
  type: 'frame',
  task_id: TASK,
  frame_id: frameId,
  timestamp: 1_700_000_000 + frameId,
  viseme: 'A',
  data: 'AAAA',
  mime_type: 'image/png',
});

type Speak = (request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal) => Promise<SpeechOutcome>;

/** Everything the use case talks to, as fakes; `published` records events in publish order. */
function setup(options: { speak?: Speak } = {}) {
  const events = fakeEventPublisher();
  const published = events.published;
  const tasks = {
    find: jest.fn().mockResolvedValueOnce(taskRow()).mockResolvedValue(taskRow({ status: 'speaking' })),
    claim: jest.fn().mockResolvedValue(true),
    finish: jest.fn().mockResolvedValue(true),
    release: jest.fn().mockResolvedValue(true),
    failQueued: jest.fn().mockResolvedValue(true),
    nextQueued: jest.fn().mockResolvedValue(null),
  };
  const sessions = { find: jest.fn().mockResolvedValue(sessionRow()) };
  const speak = jest.fn<ReturnType<Speak>, Parameters<Speak>>(
    options.speak ??
      (async (_request, emit) => {
        await emit(frame(0));
        await emit(frame(1));
        return { spokenSeconds: 1.4, interrupted: false };
      }),
  );
  const connection: ProviderConnection = { speak, keepAlive: jest.fn(), close: jest.fn() };
  const connections = { get: jest.fn().mockResolvedValue(connection) };
  const active = new ActiveSpeech();
  const order = { mustWait: jest.fn().mockResolvedValue(false), wakeSuccessor: jest.fn().mockResolvedValue(undefined) };
  const interruptSession = { execute: jest.fn().mockResolvedValue({ interrupted_task_ids: [TASK] }) };
  const useCase = new RunSpeechTaskUseCase(
    tasks as unknown as SpeechTasksRepository,
    sessions as unknown as SessionsRepository,
    events as unknown as EventPublisher,
    connections as unknown as ProviderConnections,
    active,
    order as unknown as SpeechOrder,
    interruptSession as unknown as InterruptSessionUseCase,
  );
  const types = () => published.map((p) => p.event.type);
  return { useCase, tasks, sessions, events, published, types, speak, connections, active, order, interruptSession };
}

beforeEach(() => {
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('RunSpeechTaskUseCase', () => {
  describe('before the task is claimed', () => {
    it('answers wait, without claiming or speaking, when an earlier task of the session has not finished', async () => {
      const t = setup();
      t.order.mustWait.mockResolvedValue(true);

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('wait');

      expect(t.order.mustWait).toHaveBeenCalledWith(JOB);
      expect(t.tasks.claim).not.toHaveBeenCalled();
      expect(t.speak).not.toHaveBeenCalled();
      expect(t.published).toEqual([]);
    });

    it.each(['completed', 'interrupted', 'failed'] as const)('skips a task that has already ended %s', async (status) => {
      const t = setup();
      t.tasks.find.mockReset().mockResolvedValue(taskRow({ status }));

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.tasks.claim).not.toHaveBeenCalled();
      expect(t.interruptSession.execute).not.toHaveBeenCalled();
      expect(t.published).toEqual([]);
    });

    it('skips a task that does not exist (looked up in the job tenant)', async () => {
      const t = setup();
      t.tasks.find.mockReset().mockResolvedValue(null);

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.tasks.find).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.tasks.claim).not.toHaveBeenCalled();
    });

    it('interrupts the pending tasks and answers interrupted when the session was stopped meanwhile', async () => {
      const t = setup();
      t.sessions.find.mockResolvedValue(sessionRow({ status: 'stopped' }));

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.interruptSession.execute).toHaveBeenCalledWith({ tenantId: TENANT, sessionId: SESSION }, { reason: 'session_stopped' });
      expect(t.tasks.claim).not.toHaveBeenCalled();
      expect(t.speak).not.toHaveBeenCalled();
    });

    it('interrupts the pending tasks when the session no longer exists', async () => {
      const t = setup();
      t.sessions.find.mockResolvedValue(null);

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.sessions.find).toHaveBeenCalledWith(TENANT, SESSION);
      expect(t.interruptSession.execute).toHaveBeenCalledTimes(1);
      expect(t.tasks.claim).not.toHaveBeenCalled();
    });

    it('skips the task without speaking when another worker or an interrupt took it first (claim lost)', async () => {
      const t = setup();
      t.tasks.claim.mockResolvedValue(false);
      const begin = jest.spyOn(t.active, 'begin');

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.tasks.claim).toHaveBeenCalledWith(TENANT, TASK);
      expect(begin).not.toHaveBeenCalled();
      expect(t.speak).not.toHaveBeenCalled();
      expect(t.published).toEqual([]);
    });
  });

  describe('an interrupt that committed between the claim and begin()', () => {
    it('ends the task interrupted without opening a connection or speaking', async () => {
      const t = setup();
      t.tasks.find.mockReset().mockResolvedValueOnce(taskRow()).mockResolvedValue(taskRow({ status: 'interrupted' }));

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.connections.get).not.toHaveBeenCalled();
      expect(t.speak).not.toHaveBeenCalled();
      expect(t.tasks.finish).not.toHaveBeenCalled();
      expect(t.published.map((p) => p.event)).toEqual([
        { type: 'task.interrupted', task_id: TASK },
        { type: 'status', status: 'idle', message: 'Avatar was interrupted' },
      ]);
      expect(t.order.wakeSuccessor).toHaveBeenCalledWith(JOB);
    });
  });

  describe('happy path', () => {
    it('publishes task.started, status speaking, the provider frames, task.completed and status idle, in that order', async () => {
      const t = setup();

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('spoken');

      expect(t.published.map((p) => p.event)).toEqual([
        { type: 'task.started', task_id: TASK, duration_estimate: 1.5 },
        { type: 'status', status: 'speaking', message: 'Avatar is speaking' },
        frame(0),
        frame(1),
        { type: 'task.completed', task_id: TASK, duration: 1.4 },
        { type: 'status', status: 'idle', message: 'Avatar is idle' },
      ]);
      for (const { scope } of t.published) expect(scope).toMatchObject({ tenantId: TENANT, sessionId: SESSION });
      expect(t.tasks.finish).toHaveBeenCalledWith(TENANT, TASK, 'completed');
    });

    it('does not announce status idle when another task of the session is queued after it', async () => {
      const t = setup();
      t.tasks.nextQueued.mockResolvedValue({ id: 'next-task' });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('spoken');

      expect(t.tasks.nextQueued).toHaveBeenCalledWith(TENANT, SESSION, JOB.seq);
      expect(t.types()).toEqual(['task.started', 'status', 'frame', 'frame', 'task.completed']);
      expect(t.published.find((p) => p.event.type === 'status')?.event).toMatchObject({ status: 'speaking' });
    });

    it('connects to the session provider and speaks the task text, preferring the task voice over the session voice', async () => {
      const t = setup();
      t.tasks.find
        .mockReset()
        .mockResolvedValueOnce(taskRow({ voiceId: 'voice_t', voiceSettings: { speed: 1.2 } }))
        .mockResolvedValue(taskRow({ status: 'speaking' }));

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.connections.get).toHaveBeenCalledWith('local', {
        providerSessionId: 'vendor-1',
        spec: { tenantId: TENANT, sessionId: SESSION, avatarId: 'avatar_1', voiceId: 'voice_s', quality: 'high' },
      });
      expect(t.speak).toHaveBeenCalledWith({ taskId: TASK, text: 'hello there', voiceId: 'voice_t', voiceSettings: { speed: 1.2 } }, expect.any(Function), expect.any(AbortSignal));
    });

    it('falls back to the session voice when the task has none', async () => {
      const t = setup();

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.speak.mock.calls[0][0]).toEqual({ taskId: TASK, text: 'hello there', voiceId: 'voice_s', voiceSettings: undefined });
    });

    it('registers the speech as active before speaking and ends it afterwards', async () => {
      const t = setup();
      const begin = jest.spyOn(t.active, 'begin');
      const end = jest.spyOn(t.active, 'end');

      await t.useCase.execute(JOB, NOT_LAST);

      expect(begin).toHaveBeenCalledWith(SESSION, TASK);
      expect(t.speak.mock.calls[0][2]).toBe(begin.mock.results[0].value);
      expect(begin.mock.invocationCallOrder[0]).toBeLessThan(t.speak.mock.invocationCallOrder[0]);
      expect(end).toHaveBeenCalledWith(SESSION, TASK);
      expect(end.mock.invocationCallOrder[0]).toBeGreaterThan(t.speak.mock.invocationCallOrder[0]);
      // Nothing is left registered: a later halt finds nothing to abort.
      expect(t.active.abort(SESSION)).toBe(false);
    });

    it('wakes the successor after speaking', async () => {
      const t = setup();

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.order.wakeSuccessor).toHaveBeenCalledWith(JOB);
    });
  });

  describe('interrupted while speaking', () => {
    it('a halt aborts the signal given to the provider, and the task ends interrupted with status idle', async () => {
      const t = setup({
        speak: async (_request, emit, signal) => {
          await emit(frame(0));
          t.active.abort(SESSION, [TASK]); // the halt command reaches this worker
          return { spokenSeconds: 0.2, interrupted: signal.aborted };
        },
      });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.tasks.finish).not.toHaveBeenCalled();
      expect(t.types()).toEqual(['task.started', 'status', 'frame', 'task.interrupted', 'status']);
      expect(t.published.at(-1)?.event).toEqual({ type: 'status', status: 'idle', message: 'Avatar was interrupted' });
      expect(t.published.some((p) => p.event.type === 'task.completed')).toBe(false);
    });

    it('finish() losing to an interrupt publishes task.interrupted and status idle instead of task.completed', async () => {
      const t = setup();
      t.tasks.finish.mockResolvedValue(false);

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.tasks.finish).toHaveBeenCalledWith(TENANT, TASK, 'completed');
      expect(t.published.slice(-2).map((p) => p.event)).toEqual([
        { type: 'task.interrupted', task_id: TASK },
        { type: 'status', status: 'idle', message: 'Avatar was interrupted' },
      ]);
      expect(t.types()).not.toContain('task.completed');
      expect(t.order.wakeSuccessor).toHaveBeenCalledWith(JOB);
    });
  });

  describe('provider failures', () => {
    const failing = (err: unknown) => () => Promise.reject(err);

    it('releases a retryable failure back to the queue and throws RetryableSpeechError when attempts remain', async () => {
      const t = setup({ speak: failing(new ProviderError('vendor busy', true, 'local')) });
      const end = jest.spyOn(t.active, 'end');

      const run = t.useCase.execute(JOB, { last: false });

      await expect(run).rejects.toBeInstanceOf(RetryableSpeechError);
      await expect(run).rejects.toThrow('vendor busy');
      expect(t.tasks.release).toHaveBeenCalledWith(TENANT, TASK, 'vendor busy');
      expect(t.tasks.failQueued).not.toHaveBeenCalled();
      expect(t.published.at(-1)?.event).toEqual({ type: 'status', status: 'idle', message: 'Speech failed, retrying: vendor busy' });
      expect(t.types()).not.toContain('task.failed');
      expect(end).toHaveBeenCalledWith(SESSION, TASK);
      expect(t.order.wakeSuccessor).toHaveBeenCalledWith(JOB);
    });

    it('publishes nothing on a retry when the release lost to an interrupt, but still asks for the retry', async () => {
      const t = setup({ speak: failing(new ProviderError('vendor busy', true, 'local')) });
      t.tasks.release.mockResolvedValue(false);

      await expect(t.useCase.execute(JOB, { last: false })).rejects.toBeInstanceOf(RetryableSpeechError);

      expect(t.types()).toEqual(['task.started', 'status']);
    });

    it('fails the task on a retryable failure in the last attempt', async () => {
      const t = setup({ speak: failing(new ProviderError('vendor busy', true, 'local')) });

      await expect(t.useCase.execute(JOB, { last: true })).resolves.toBe('failed');

      expect(t.tasks.release).not.toHaveBeenCalled();
      expect(t.tasks.failQueued).toHaveBeenCalledWith(TENANT, TASK, 'vendor busy');
      expect(t.published.slice(-2).map((p) => p.event)).toEqual([
        { type: 'task.failed', task_id: TASK, error: 'vendor busy' },
        { type: 'status', status: 'idle', message: 'Avatar is idle' },
      ]);
    });

    it('fails the task at once on a non-retryable provider failure, even with attempts left', async () => {
      const t = setup({ speak: failing(new ProviderError('bad voice', false, 'local')) });

      await expect(t.useCase.execute(JOB, { last: false })).resolves.toBe('failed');

      expect(t.tasks.release).not.toHaveBeenCalled();
      expect(t.tasks.failQueued).toHaveBeenCalledWith(TENANT, TASK, 'bad voice');
      expect(t.published.at(-2)?.event).toEqual({ type: 'task.failed', task_id: TASK, error: 'bad voice' });
    });

    it('retries an error that is not a ProviderError (infrastructure) while attempts remain', async () => {
      const t = setup();
      t.connections.get.mockRejectedValue(new Error('connection reset'));

      await expect(t.useCase.execute(JOB, { last: false })).rejects.toThrow(RetryableSpeechError);

      expect(t.tasks.release).toHaveBeenCalledWith(TENANT, TASK, 'connection reset');
      expect(t.tasks.failQueued).not.toHaveBeenCalled();
    });

    it('fails the task on an infrastructure error at the last attempt', async () => {
      const t = setup();
      t.connections.get.mockRejectedValue(new Error('connection reset'));

      await expect(t.useCase.execute(JOB, { last: true })).resolves.toBe('failed');

      expect(t.tasks.release).not.toHaveBeenCalled();
      expect(t.tasks.failQueued).toHaveBeenCalledWith(TENANT, TASK, 'connection reset');
    });

    it('leaves status idle out of a failure when another task is queued after it', async () => {
      const t = setup({ speak: failing(new ProviderError('bad voice', false, 'local')) });
      t.tasks.nextQueued.mockResolvedValue({ id: 'next-task' });

      await t.useCase.execute(JOB, { last: true });

      expect(t.published.at(-1)?.event).toEqual({ type: 'task.failed', task_id: TASK, error: 'bad voice' });
    });

    it('publishes no task.failed when an interrupt ended the task first (failQueued lost)', async () => {
      const t = setup({ speak: failing(new ProviderError('bad voice', false, 'local')) });
      t.tasks.failQueued.mockResolvedValue(false);

      await expect(t.useCase.execute(JOB, { last: true })).resolves.toBe('failed');

      expect(t.types()).toEqual(['task.started', 'status']);
    });

    it('always ends the active speech and wakes the successor after a failure', async () => {
      const t = setup({ speak: failing(new ProviderError('bad voice', false, 'local')) });
      const end = jest.spyOn(t.active, 'end');

      await t.useCase.execute(JOB, { last: true });

      expect(end).toHaveBeenCalledWith(SESSION, TASK);
      expect(t.order.wakeSuccessor).toHaveBeenCalledWith(JOB);
      expect(t.active.abort(SESSION)).toBe(false);
    });
  });
});
