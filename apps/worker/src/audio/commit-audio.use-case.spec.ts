import { TenantScopes } from '@avatar/contracts';
import type { AudioBufferStore } from '@avatar/messaging';
import type { SessionsRepository, TenantsRepository } from '@avatar/persistence';
import type { ProviderRegistry } from '@avatar/providers';
import { SpeechQueueUnavailableError, SpeechTaskQueue } from '@avatar/speech';
import { sessionRow } from '@avatar/testing';
import { CommitAudioUseCase } from './commit-audio.use-case';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };
/** Half a second at the buffer rate (24 kHz, 2 bytes a sample). */
const HALF_SECOND = Buffer.alloc(24_000);

function setup(options: { status?: 'created' | 'active' | 'stopped'; provider?: string; buffered?: Buffer | null; add?: jest.Mock } = {}) {
  const taken = { pcm: options.buffered === undefined ? HALF_SECOND : options.buffered, done: jest.fn(async () => undefined), restore: jest.fn(async () => undefined) };
  const buffers = { take: jest.fn(async () => (taken.pcm ? taken : null)) };
  const sessions = { find: jest.fn(async () => sessionRow({ status: options.status ?? 'active', provider: options.provider ?? 'local' })) };
  const tenants = { find: jest.fn(async () => ({ limits: {}, quotas: { max_queued_tasks_per_session: 7 }, billing: {}, providers: {} })) };
  const registry = {
    has: (name: string) => ['local', 'avaturn'].includes(name),
    get: (name: string) => ({ name, acceptsAudio: name === 'local' }),
  };
  const add = options.add ?? jest.fn(async (_t, sessionId: string, task: { id: string }) => ({ outcome: 'queued', task: { id: task.id, sessionId, seq: 3 } }));
  const speech = { add };
  const useCase = new CommitAudioUseCase(
    sessions as unknown as SessionsRepository,
    tenants as unknown as TenantsRepository,
    registry as unknown as ProviderRegistry,
    buffers as unknown as AudioBufferStore,
    speech as unknown as SpeechTaskQueue,
  );
  return { useCase, taken, buffers, add };
}

describe('CommitAudioUseCase', () => {
  it("queues the buffered audio as an audio task of the session (24 kHz, the tenant's queue quota) and lets the buffer go", async () => {
    const t = setup();

    const reply = await t.useCase.execute(SCOPE);

    const [tenantId, sessionId, task, conditions] = t.add.mock.calls[0];
    expect([tenantId, sessionId, conditions]).toEqual([SCOPE.tenantId, SCOPE.sessionId, { maxPending: 7 }]);
    expect(task).toMatchObject({ text: '', durationEstimateMs: 500, audio: { pcm: HALF_SECOND, sampleRate: 24_000 } });
    expect(reply).toEqual({ task_id: task.id, duration: 0.5 });
    expect(t.taken.done).toHaveBeenCalled();
    expect(t.taken.restore).not.toHaveBeenCalled();
  });

  it('refuses a session that is not active without touching the buffer', async () => {
    const t = setup({ status: 'created' });

    await expect(t.useCase.execute(SCOPE)).rejects.toMatchObject({ code: 'SESSION_NOT_ACTIVE' });
    expect(t.buffers.take).not.toHaveBeenCalled();
  });

  it('refuses a text-only provider (AUDIO_NOT_SUPPORTED) without touching the buffer', async () => {
    const t = setup({ provider: 'avaturn' });

    await expect(t.useCase.execute(SCOPE)).rejects.toMatchObject({ code: 'AUDIO_NOT_SUPPORTED', message: expect.stringContaining('avaturn speaks text only') });
    expect(t.buffers.take).not.toHaveBeenCalled();
  });

  it('answers AUDIO_BUFFER_EMPTY when nothing is buffered', async () => {
    const t = setup({ buffered: null });

    await expect(t.useCase.execute(SCOPE)).rejects.toMatchObject({ code: 'AUDIO_BUFFER_EMPTY' });
    expect(t.add).not.toHaveBeenCalled();
  });

  it('gives the audio back when the line refuses the task (queue quota), and says so', async () => {
    const t = setup({ add: jest.fn(async () => ({ outcome: 'quota_exceeded', limit: 7, current: 7 })) });

    await expect(t.useCase.execute(SCOPE)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringContaining('stays buffered') });
    expect(t.taken.restore).toHaveBeenCalled();
    expect(t.taken.done).not.toHaveBeenCalled();
  });

  it('gives the audio back when the session stopped meanwhile, or the speech queue is down', async () => {
    const stopped = setup({ add: jest.fn(async () => ({ outcome: 'session_not_active', status: 'stopped' })) });
    await expect(stopped.useCase.execute(SCOPE)).rejects.toMatchObject({ code: 'SESSION_NOT_ACTIVE' });
    expect(stopped.taken.restore).toHaveBeenCalled();

    const down = setup({ add: jest.fn(async () => Promise.reject(new SpeechQueueUnavailableError('redis down'))) });
    await expect(down.useCase.execute(SCOPE)).rejects.toMatchObject({ code: 'COMMAND_FAILED' });
    expect(down.taken.restore).toHaveBeenCalled();
  });
});
