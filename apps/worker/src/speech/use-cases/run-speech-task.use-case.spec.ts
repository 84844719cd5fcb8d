import { TenantScopes } from '@avatar/contracts';
import { Logger } from '@nestjs/common';
import type { SpeakJobData } from '@avatar/contracts';
import type { ClaimedTask, ClaimRefusal, SpeechTasksRepository } from '@avatar/persistence';
import type { EventPublisher } from '@avatar/messaging';
import { ProviderConnection, ProviderError, ProviderMediaEvent, SpeechOutcome, SpeechRequest } from '@avatar/providers';
import { fakeEventPublisher } from '@avatar/testing';
import { Metrics } from '@avatar/observability';
import type { ProviderConnections } from '../../providers/provider-connections';
import type { ProviderSessions } from '../../providers/provider-sessions';
import type { InterruptSessionUseCase } from '../../sessions/use-cases/interrupt-session.use-case';
import type { WorkerConfig } from '../../worker-config';
import { ActiveSpeech } from '../active-speech';
import type { SpeechOrder } from '../speech-order';
import { TaskEndings } from '@avatar/speech';
import { RecordedAudio, recordedSpeech } from '../../audio/recorded-audio';
import { RetryableSpeechError, RunSpeechTaskUseCase } from './run-speech-task.use-case';

const TENANT = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');
const SESSION = '22222222-2222-4222-8222-222222222222';
const TASK = '33333333-3333-4333-8333-333333333333';
const NEXT = '44444444-4444-4444-8444-444444444444';
const SCOPE = { tenantId: TENANT, sessionId: SESSION };
const JOB: SpeakJobData = { tenantId: TENANT, sessionId: SESSION, taskId: TASK, seq: 4, durationEstimateMs: 1500 };
const NOT_LAST = { last: false };
const LAST = { last: true };
const FRAMES_PER_SECOND = 25;

/** What the claim hands back: the third attempt, frame ids 100 and below used by earlier speech. */
const claimed = (overrides: Partial<ClaimedTask> = {}): ClaimedTask => ({
  id: TASK,
  sessionId: SESSION,
  seq: 4,
  kind: 'text',
  text: 'hello there',
  voiceId: null,
  voiceSettings: null,
  durationEstimateMs: 1500,
  attempt: 3,
  frameBase: 100,
  provider: 'local',
  providerSessionId: 'vendor-1',
  providerState: { ws_url: 'wss://vendor.example/s' },
  avatarId: 'avatar_1',
  sessionVoiceId: 'voice_s',
  quality: 'high',
  ...overrides,
});

/** A frame as the provider makes it, with its own (to be replaced) frame id. */
const frame = (frameId: number): ProviderMediaEvent => ({
  type: 'frame',
  task_id: TASK,
  frame_id: frameId,
  timestamp: 1_700_000_000 + frameId,
  viseme: 'A',
  data: 'AAAA',
  mime_type: 'image/png',
});
const audio: ProviderMediaEvent = { type: 'audio', task_id: TASK, data: 'UklG', duration: 0.04, sample_rate: 16000 };

type Speak = (request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal) => Promise<SpeechOutcome>;

/**
 * The use case with fakes for the repository, the publisher, the provider, the order
 * and the interrupt use case; ActiveSpeech and TaskEndings are the real ones (so the
 * terminal events go through the real announcement path). `log` records, in one
 * sequence, every published event (and the successor's wake).
 */
function setup(options: { speak?: Speak; claim?: ClaimedTask | null; whyNot?: ClaimRefusal; next?: { id: string } | null } = {}) {
  const events = fakeEventPublisher();
  const published = events.published;
  const log: string[] = [];
  events.publishAll.mockImplementation(async (scope, list) => list.map((event) => (log.push(event.type), published.push({ scope, event }))));
  events.publish.mockImplementation(async (scope, event) => (log.push(event.type), published.push({ scope, event })));
  events.publishMedia.mockImplementation((scope, event) => void (log.push(event.type), published.push({ scope, event, media: true })));
  const tasks = {
    claim: jest.fn().mockResolvedValue(options.claim === undefined ? claimed() : options.claim),
    whyNot: jest.fn().mockResolvedValue(options.whyNot ?? { reason: 'wait' }),
    // The ending statements name the successor themselves (nextQueued is for late announcements).
    finish: jest.fn().mockResolvedValue({ nextTaskId: options.next?.id ?? null }),
    endInterrupted: jest.fn().mockResolvedValue({ nextTaskId: options.next?.id ?? null }),
    fail: jest.fn().mockResolvedValue({ nextTaskId: options.next?.id ?? null }),
    release: jest.fn().mockResolvedValue(true),
    nextQueued: jest.fn().mockResolvedValue(options.next ?? null),
  };
  const speak = jest.fn<ReturnType<Speak>, Parameters<Speak>>(
    options.speak ??
      (async (_request, emit) => {
        await emit(frame(0));
        await emit(audio);
        await emit(frame(1));
        return { spokenSeconds: 1.4, interrupted: false };
      }),
  );
  const connection: ProviderConnection = { speak, keepAlive: jest.fn(), close: jest.fn() };
  // Nothing held here: every task builds its ref and gets its connection (connectionFor's own spec covers a held one).
  const get = jest.fn().mockResolvedValue(connection);
  const connections = {
    get,
    connectionFor: jest.fn(async (provider: string, _at: unknown, buildRef: () => Promise<unknown>): Promise<ProviderConnection> => get(provider, await buildRef())),
  };
  // The ref the adapter gets: the spec built from the task's session fields (credentials included) and the vendor's id and state.
  const providerSessions = {
    ref: jest.fn(async (scope: { tenantId: string; sessionId: string }, _provider: string, task: ClaimedTask) => ({
      spec: { tenantId: scope.tenantId, sessionId: scope.sessionId, avatarId: task.avatarId, voiceId: task.voiceId ?? undefined, quality: task.quality, credentials: { api_key: 'k' } },
      providerSessionId: task.providerSessionId ?? '',
      state: task.providerState ?? undefined,
    })),
  };
  const active = new ActiveSpeech();
  const order = { wake: jest.fn().mockResolvedValue(true), park: jest.fn() };
  const interruptSession = { execute: jest.fn().mockResolvedValue({ interrupted_task_ids: [TASK] }) };
  const recorded = { of: jest.fn(async () => recordedSpeech({ pcm: CLIENT_PCM, sampleRate: 24_000 })) };
  const endings = new TaskEndings(events as unknown as EventPublisher);
  const metrics = new Metrics('worker', { processMetrics: false });
  const useCase = new RunSpeechTaskUseCase(
    tasks as unknown as SpeechTasksRepository,
    events as unknown as EventPublisher,
    endings,
    connections as unknown as ProviderConnections,
    providerSessions as unknown as ProviderSessions,
    active,
    order as unknown as SpeechOrder,
    interruptSession as unknown as InterruptSessionUseCase,
    recorded as unknown as RecordedAudio,
    { LOCAL_FRAMES_PER_SECOND: FRAMES_PER_SECOND } as WorkerConfig,
    metrics,
  );
  const lifecycle = () => published.filter((p) => !p.media).map((p) => p.event);
  const media = () => published.filter((p) => p.media).map((p) => p.event);
  return { useCase, tasks, events, published, lifecycle, media, log, speak, connections, providerSessions, active, order, interruptSession, recorded, metrics };
}

const INTERRUPTED = { type: 'task.interrupted', task_id: TASK };
const CLIENT_PCM = Buffer.from(Int16Array.from({ length: 4800 }, (_, i) => (i % 40) * 500).buffer);
const IDLE_INTERRUPTED = { type: 'status', status: 'idle', message: 'Avatar was interrupted' };

beforeEach(() => {
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('RunSpeechTaskUseCase', () => {
  describe('the claim', () => {
    it('claims the task in its tenant, reserving at least twice the estimate in frame ids', async () => {
      const t = setup();

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.tasks.claim).toHaveBeenCalledWith(TENANT, TASK, expect.any(Number));
      const reserve = t.tasks.claim.mock.calls[0][2] as number;
      expect(reserve).toBeGreaterThanOrEqual(2 * 1.5 * FRAMES_PER_SECOND);
    });
  });

  describe('audio tasks', () => {
    it("speaks an audio task's stored audio (read in the job's tenant), not a synthesized text", async () => {
      const t = setup({ claim: claimed({ kind: 'audio', text: '' }) });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('spoken');

      expect(t.recorded.of).toHaveBeenCalledWith(TENANT, TASK);
      const request = t.speak.mock.calls[0][0];
      expect(Buffer.compare(request.audio!.pcm, CLIENT_PCM)).toBe(0);
      expect(request.audio!.durationS).toBeCloseTo(0.2, 5);
      expect(request.audio!.at(16_000).durationS).toBeCloseTo(0.2, 2);
    });

    it('reads no audio for a text task', async () => {
      const t = setup();

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.recorded.of).not.toHaveBeenCalled();
      expect(t.speak.mock.calls[0][0].audio).toBeUndefined();
    });
  });

  describe('claim refused', () => {
    it('skips a task that is gone, asking why in the job tenant, without speaking or publishing', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'gone' } });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.tasks.whyNot).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.speak).not.toHaveBeenCalled();
      expect(t.published).toEqual([]);
    });

    it('answers wait when it is not its turn yet, without speaking, publishing or ending anything', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'wait' } });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('wait');

      expect(t.speak).not.toHaveBeenCalled();
      expect(t.published).toEqual([]);
      expect(t.tasks.endInterrupted).not.toHaveBeenCalled();
      expect(t.tasks.fail).not.toHaveBeenCalled();
      expect(t.active.size).toBe(0);
    });

    it('announces a completed task that ended unannounced (with its spoken seconds), then skips it', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'ended', status: 'completed', announced: false, error: null, spokenSeconds: 2.5 } });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.lifecycle()).toEqual([
        { type: 'task.completed', task_id: TASK, duration: 2.5 },
        { type: 'status', status: 'idle', message: 'Avatar is idle' },
      ]);
      expect(t.speak).not.toHaveBeenCalled();
    });

    it('announces a failed task that ended unannounced with its error', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'ended', status: 'failed', announced: false, error: 'vendor down', spokenSeconds: 0 } });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.lifecycle()[0]).toEqual({ type: 'task.failed', task_id: TASK, error: 'vendor down' });
    });

    it('announces an interrupted task that ended unannounced', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'ended', status: 'interrupted', announced: false, error: null, spokenSeconds: 0.3 } });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.lifecycle()).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
    });

    it('looks up the successor of a task that ended elsewhere, and wakes it instead of sending idle', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'ended', status: 'completed', announced: false, error: null, spokenSeconds: 1 }, next: { id: NEXT } });

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.tasks.nextQueued).toHaveBeenCalledWith(TENANT, SESSION, 4);
      expect(t.lifecycle()).toEqual([{ type: 'task.completed', task_id: TASK, duration: 1 }]);
      expect(t.order.wake).toHaveBeenCalledWith(NEXT);
    });

    it.each(['completed', 'interrupted', 'failed'] as const)('publishes nothing for a %s task already announced', async (status) => {
      const t = setup({ claim: null, whyNot: { reason: 'ended', status, announced: true, error: null, spokenSeconds: 1 } });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('skipped');

      expect(t.published).toEqual([]);
      expect(t.order.wake).not.toHaveBeenCalled();
    });

    it('ends a task whose interrupt was requested while a now dead worker spoke it: task.interrupted and idle', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'interrupt_requested' } });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.tasks.endInterrupted).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.lifecycle()).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
      expect(t.log).toEqual(['task.interrupted', 'status']);
      expect(t.speak).not.toHaveBeenCalled();
    });

    it('sends no idle after an interrupt_requested ending when a task is queued next, and wakes that task', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'interrupt_requested' }, next: { id: NEXT } });

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.tasks.nextQueued).not.toHaveBeenCalled(); // the ending statement named it
      expect(t.lifecycle()).toEqual([INTERRUPTED]);
      expect(t.order.wake).toHaveBeenCalledWith(NEXT);
    });

    it('interrupts the session when it was stopped while the task waited (the interrupt ends and announces the queued task)', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'session_stopped' } });
      t.tasks.endInterrupted.mockResolvedValue(null); // already ended by interruptPending

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.interruptSession.execute).toHaveBeenCalledWith(SCOPE, { reason: 'session_stopped' });
      expect(t.speak).not.toHaveBeenCalled();
      expect(t.published).toEqual([]); // announced by the interrupt use case, not twice
    });

    it('ends and announces a task left speaking by a dead worker when its session was stopped with no worker to interrupt it', async () => {
      const t = setup({ claim: null, whyNot: { reason: 'session_stopped' } });
      const order: string[] = [];
      t.interruptSession.execute.mockImplementation(async () => (order.push('interrupt'), { interrupted_task_ids: [TASK] }));
      t.tasks.endInterrupted.mockImplementation(async () => (order.push('endInterrupted'), { nextTaskId: null }));

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(order).toEqual(['interrupt', 'endInterrupted']);
      expect(t.tasks.endInterrupted).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.lifecycle()).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
    });
  });

  describe('claimed and spoken', () => {
    it('publishes task.started (attempt, estimate), status speaking, the frames, task.completed and status idle, in order', async () => {
      const t = setup();

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('spoken');

      expect(t.published.map((p) => p.event)).toEqual([
        { type: 'task.started', task_id: TASK, duration_estimate: 1.5, attempt: 3 },
        { type: 'status', status: 'speaking', message: 'Avatar is speaking' },
        { ...frame(0), frame_id: 101 },
        audio,
        { ...frame(1), frame_id: 102 },
        { type: 'task.completed', task_id: TASK, duration: 1.4 },
        { type: 'status', status: 'idle', message: 'Avatar is idle' },
      ]);
      for (const { scope } of t.published) expect(scope).toEqual(SCOPE);
      expect(t.tasks.finish).toHaveBeenCalledWith(TENANT, TASK);
    });

    it('sends frames and audio as media (core NATS), lifecycle events as stored events', async () => {
      const t = setup();

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.events.publishMedia).toHaveBeenCalledTimes(3);
      expect(t.media().map((e) => e.type)).toEqual(['frame', 'audio', 'frame']);
      expect(t.lifecycle().some((e) => e.type === 'frame' || e.type === 'audio')).toBe(false);
    });

    it('numbers frames after the block the claim reserved, whatever ids the provider gave them', async () => {
      const t = setup({
        claim: claimed({ frameBase: 7000 }),
        speak: async (_request, emit) => {
          for (const own of [1, 1, 0, 99]) await emit(frame(own));
          return { spokenSeconds: 0.16, interrupted: false };
        },
      });

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.media().map((e) => (e as { frame_id: number }).frame_id)).toEqual([7001, 7002, 7003, 7004]);
    });

    it('speaks the claimed text on the session connection with the task voice, else the session voice', async () => {
      const t = setup({ claim: claimed({ voiceId: null, voiceSettings: { speed: 1.2 } }) });

      await t.useCase.execute(JOB, NOT_LAST);

      // The spec carries the session's voice (the task's own voice goes with the speech request).
      expect(t.providerSessions.ref).toHaveBeenCalledWith(SCOPE, 'local', expect.objectContaining({ avatarId: 'avatar_1', voiceId: 'voice_s', quality: 'high', providerSessionId: 'vendor-1' }));
      expect(t.connections.get).toHaveBeenCalledWith('local', {
        providerSessionId: 'vendor-1',
        state: { ws_url: 'wss://vendor.example/s' },
        spec: { tenantId: TENANT, sessionId: SESSION, avatarId: 'avatar_1', voiceId: 'voice_s', quality: 'high', credentials: { api_key: 'k' } },
      });
      expect(t.speak.mock.calls[0][0]).toEqual({ taskId: TASK, text: 'hello there', voiceId: 'voice_s', voiceSettings: { speed: 1.2 } });
    });

    it("speaks with the task's own voice when it has one; the vendor session keeps the session's", async () => {
      const t = setup({ claim: claimed({ voiceId: 'voice_t' }) });

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.providerSessions.ref.mock.calls[0][2]).toMatchObject({ voiceId: 'voice_s' });
      expect(t.speak.mock.calls[0][0].voiceId).toBe('voice_t');
    });

    it('fails the task at once when its provider can no longer be reached with credentials (not retryable)', async () => {
      const t = setup();
      t.providerSessions.ref.mockRejectedValue(new ProviderError('heygen is not configured', { kind: 'not_configured', provider: 'heygen' }));

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('failed');

      expect(t.tasks.fail).toHaveBeenCalledWith(TENANT, TASK, 'heygen is not configured');
      expect(t.speak).not.toHaveBeenCalled();
    });

    it('marks the task announced only after its terminal event and idle were published', async () => {
      const t = setup();

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.log.slice(-2)).toEqual(['task.completed', 'status']);
    });

    it('sends no idle when a task is queued next, and wakes that task after the terminal event', async () => {
      const t = setup({ next: { id: NEXT } });
      t.order.wake.mockImplementation(async () => void t.log.push('wake'));

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('spoken');

      expect(t.lifecycle().at(-1)).toEqual({ type: 'task.completed', task_id: TASK, duration: 1.4 });
      expect(t.lifecycle().filter((e) => e.type === 'status' && e.status === 'idle')).toEqual([]);
      expect(t.order.wake).toHaveBeenCalledWith(NEXT);
      expect(t.log.slice(-2)).toEqual(['task.completed', 'wake']); // woken after its predecessor's ending is out
    });

    it('wakes nobody when nothing is queued next', async () => {
      const t = setup();

      await t.useCase.execute(JOB, NOT_LAST);

      expect(t.order.wake).not.toHaveBeenCalled();
    });

    it('forgets the active speech once done', async () => {
      const t = setup();
      let during = 0;
      t.speak.mockImplementation(async () => {
        during = t.active.size;
        return { spokenSeconds: 1, interrupted: false };
      });

      await t.useCase.execute(JOB, NOT_LAST);

      expect(during).toBe(1);
      expect(t.active.size).toBe(0);
    });
  });

  describe('interrupted while speaking', () => {
    /** Emits a frame, is interrupted (as a halt does), then tries to emit more. */
    const interruptedSpeaker =
      (active: () => ActiveSpeech): Speak =>
      async (_request, emit, signal) => {
        await emit(frame(0));
        active().abort(SESSION, [TASK], 'interrupt');
        expect(signal.aborted).toBe(true);
        await emit(frame(1));
        await emit(audio);
        return { spokenSeconds: 0.04, interrupted: true };
      };

    it('publishes no frame or audio after the abort, then task.interrupted and idle', async () => {
      let t!: ReturnType<typeof setup>;
      t = setup({ speak: interruptedSpeaker(() => t.active) });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.media()).toEqual([{ ...frame(0), frame_id: 101 }]);
      expect(t.lifecycle().slice(2)).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
      expect(t.tasks.endInterrupted).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.tasks.finish).not.toHaveBeenCalled();
      expect(t.active.size).toBe(0);
    });

    it('ends the task interrupted when finish() loses to an interrupt requested meanwhile', async () => {
      const t = setup();
      t.tasks.finish.mockResolvedValue(null);

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.tasks.endInterrupted).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.lifecycle().slice(2)).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
      expect(t.lifecycle().some((e) => e.type === 'task.completed')).toBe(false);
    });

    it('an interrupt wins over a handover that came first', async () => {
      let t!: ReturnType<typeof setup>;
      t = setup({
        speak: async (_request, _emit, _signal) => {
          t.active.abort(SESSION, undefined, 'handover');
          t.active.abort(SESSION, [TASK], 'interrupt');
          return { spokenSeconds: 0.1, interrupted: true };
        },
      });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.tasks.release).not.toHaveBeenCalled();
      expect(t.lifecycle().slice(2)).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
    });
  });

  describe('handed back (shutdown)', () => {
    const handedOver =
      (active: () => ActiveSpeech): Speak =>
      async (_request, emit) => {
        await emit(frame(0));
        active().abortAll('handover');
        await emit(frame(1));
        return { spokenSeconds: 0.04, interrupted: true };
      };

    it('releases the task back to the queue and answers handover, with no terminal event and no frame after', async () => {
      let t!: ReturnType<typeof setup>;
      t = setup({ speak: handedOver(() => t.active) });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('handover');

      expect(t.tasks.release).toHaveBeenCalledWith(TENANT, TASK, null);
      expect(t.media()).toHaveLength(1);
      expect(t.lifecycle().map((e) => e.type)).toEqual(['task.started', 'status']);
      expect(t.tasks.finish).not.toHaveBeenCalled();
      expect(t.tasks.endInterrupted).not.toHaveBeenCalled();
      expect(t.order.wake).not.toHaveBeenCalled();
      expect(t.active.size).toBe(0);
    });

    it('ends the task interrupted when the release loses to an interrupt', async () => {
      let t!: ReturnType<typeof setup>;
      t = setup({ speak: handedOver(() => t.active) });
      t.tasks.release.mockResolvedValue(false);
      t.tasks.finish.mockResolvedValue(null);

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.tasks.endInterrupted).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.lifecycle().slice(2)).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
    });
  });

  describe('speak → first event latency', () => {
    const observed = async (metrics: Metrics) =>
      (await metrics.values('speakFirstEvent')).filter((v) => v.metricName === 'avatar_speak_first_event_seconds_count').map((v) => [v.labels.event, v.labels.provider, v.value]);

    it('observes task.started and the first frame or audio once each, from the moment the speak was queued', async () => {
      jest.spyOn(Date, 'now').mockReturnValue(1_700_000_010_000);
      const t = setup({ claim: claimed({ attempt: 1, provider: 'local' }) });

      await t.useCase.execute(JOB, { last: false, queuedAt: 1_700_000_009_750 });

      expect(await observed(t.metrics)).toEqual([
        ['task_started', 'local', 1],
        ['first_media', 'local', 1],
      ]);
      const sums = (await t.metrics.values('speakFirstEvent')).filter((v) => v.metricName === 'avatar_speak_first_event_seconds_sum');
      expect(sums.map((v) => v.value)).toEqual([0.25, 0.25]);
    });

    it('observes no first media when the provider sends none (a vendor that streams media itself)', async () => {
      const t = setup({ claim: claimed({ attempt: 1 }), speak: async () => ({ spokenSeconds: 1, interrupted: false }) });

      await t.useCase.execute(JOB, { last: false, queuedAt: Date.now() });

      expect((await observed(t.metrics)).map(([event]) => event)).toEqual(['task_started']);
    });

    it('observes nothing for a retry or takeover (attempt > 1), nor without a queue time', async () => {
      const retried = setup({ claim: claimed({ attempt: 2 }) });
      await retried.useCase.execute(JOB, { last: false, queuedAt: Date.now() });
      const unknown = setup({ claim: claimed({ attempt: 1 }) });
      await unknown.useCase.execute(JOB, NOT_LAST);

      expect(await observed(retried.metrics)).toEqual([]);
      expect(await observed(unknown.metrics)).toEqual([]);
    });
  });

  describe('failures', () => {
    const failing = (err: unknown): Speak => async () => {
      throw err;
    };

    it.each([
      ['a retryable provider error', new ProviderError('vendor busy', { kind: 'unavailable', provider: 'local' })],
      ['an infrastructure error', new Error('vendor busy')],
    ])('releases the task and throws RetryableSpeechError for %s with attempts left', async (_name, err) => {
      const t = setup({ speak: failing(err) });

      await expect(t.useCase.execute(JOB, NOT_LAST)).rejects.toBeInstanceOf(RetryableSpeechError);

      expect(t.tasks.release).toHaveBeenCalledWith(TENANT, TASK, 'vendor busy');
      expect(t.tasks.fail).not.toHaveBeenCalled();
      expect(t.lifecycle().some((e) => e.type.startsWith('task.') && e.type !== 'task.started')).toBe(false);
      expect(t.active.size).toBe(0);
    });

    it('fails the task with task.failed and idle on the last attempt', async () => {
      const t = setup({ speak: failing(new ProviderError('vendor busy', { kind: 'unavailable', provider: 'local' })) });

      await expect(t.useCase.execute(JOB, LAST)).resolves.toBe('failed');

      expect(t.tasks.release).not.toHaveBeenCalled();
      expect(t.tasks.fail).toHaveBeenCalledWith(TENANT, TASK, 'vendor busy');
      expect(t.lifecycle().slice(2)).toEqual([
        { type: 'task.failed', task_id: TASK, error: 'vendor busy' },
        { type: 'status', status: 'idle', message: 'Avatar is idle' },
      ]);
      expect(t.active.size).toBe(0);
    });

    it('fails a non-retryable provider error at once, attempts left or not', async () => {
      const t = setup({ speak: failing(new ProviderError('bad voice', { kind: 'rejected', provider: 'local' })) });

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('failed');

      expect(t.tasks.release).not.toHaveBeenCalled();
      expect(t.tasks.fail).toHaveBeenCalledWith(TENANT, TASK, 'bad voice');
      expect(t.lifecycle().at(-2)).toEqual({ type: 'task.failed', task_id: TASK, error: 'bad voice' });
    });

    it('ends the task interrupted when fail() loses to an interrupt', async () => {
      const t = setup({ speak: failing(new ProviderError('bad voice', { kind: 'rejected', provider: 'local' })) });
      t.tasks.fail.mockResolvedValue(null);

      await expect(t.useCase.execute(JOB, NOT_LAST)).resolves.toBe('interrupted');

      expect(t.tasks.endInterrupted).toHaveBeenCalledWith(TENANT, TASK);
      expect(t.lifecycle().slice(2)).toEqual([INTERRUPTED, IDLE_INTERRUPTED]);
      expect(t.lifecycle().some((e) => e.type === 'task.failed')).toBe(false);
    });

    it('counts each failed provider call by provider, operation and error code (not an infrastructure error)', async () => {
      const t = setup({ speak: failing(new ProviderError('vendor busy', { kind: 'unavailable', provider: 'heygen' })) });
      await expect(t.useCase.execute(JOB, NOT_LAST)).rejects.toBeInstanceOf(RetryableSpeechError);
      await expect(t.useCase.execute(JOB, LAST)).resolves.toBe('failed');
      const other = setup({ speak: failing(new Error('nats down')) });
      await expect(other.useCase.execute(JOB, NOT_LAST)).rejects.toBeInstanceOf(RetryableSpeechError);

      expect(await t.metrics.values('providerErrors')).toEqual([{ labels: { provider: 'heygen', operation: 'speak', code: 'PROVIDER_UNAVAILABLE' }, value: 2 }]);
      expect(await other.metrics.values('providerErrors')).toEqual([]);
    });

    it('treats a failed task.started publish as a failure of the attempt and still ends the active speech', async () => {
      const t = setup();
      t.events.publishAll.mockRejectedValueOnce(new Error('nats down'));

      await expect(t.useCase.execute(JOB, NOT_LAST)).rejects.toBeInstanceOf(RetryableSpeechError);

      expect(t.speak).not.toHaveBeenCalled();
      expect(t.tasks.release).toHaveBeenCalledWith(TENANT, TASK, 'nats down');
      expect(t.active.size).toBe(0);
    });
  });
});
