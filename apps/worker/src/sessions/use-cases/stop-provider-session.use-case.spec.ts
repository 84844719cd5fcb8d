import { TenantScopes } from '@avatar/contracts';
import { Logger } from '@nestjs/common';
import type { SessionRow, SessionsRepository, SpeechTasksRepository } from '@avatar/persistence';
import type { ProviderRegistry, ProviderSessionRef } from '@avatar/providers';
import type { CommandBus } from '@avatar/messaging';
import type { ProviderSessions } from '../../providers/provider-sessions';
import { sessionRow } from '@avatar/testing';
import type { InterruptSessionUseCase } from './interrupt-session.use-case';
import { StopProviderSessionUseCase } from './stop-provider-session.use-case';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };

/** A session its client stopped after a minute, still holding its vendor session. */
const stoppedRow = (overrides: Partial<SessionRow> = {}): SessionRow =>
  sessionRow({
    status: 'stopped',
    taskSeq: 2,
    providerSessionId: 'vendor-1',
    startedAt: new Date('2025-01-01T00:00:01Z'),
    endedAt: new Date('2025-01-01T00:01:01Z'),
    endReason: 'client_stop',
    durationMs: 60_000,
    ...overrides,
  });

/** `speaking`: what isSpeaking answers, call after call (the last answer repeats); silent by default. */
function setup(session: SessionRow | null, speaking: boolean[] = [false]) {
  const log: string[] = [];
  const sessions = { find: jest.fn().mockResolvedValue(session) };
  const provider = {
    name: 'local',
    start: jest.fn(),
    connect: jest.fn(),
    stop: jest.fn(async () => void log.push('provider.stop')),
  };
  const registry = { get: jest.fn().mockReturnValue(provider) };
  const interruptSession = {
    execute: jest.fn(async () => (log.push('interrupt'), { interrupted_task_ids: ['t1', 't2'] })),
  };
  const answers = [...speaking];
  const tasks = {
    isSpeaking: jest.fn(async () => {
      const answer = answers.length > 1 ? answers.shift()! : answers[0];
      log.push(`isSpeaking:${answer}`);
      return answer;
    }),
  };
  // What an adapter gets for the session: its spec (with the credentials) and the vendor's session id and state.
  const providerSessions = {
    ref: jest.fn(
      async (scope: typeof SCOPE, _provider: string, row: SessionRow): Promise<ProviderSessionRef> => ({
        spec: { tenantId: scope.tenantId, sessionId: scope.sessionId, avatarId: row.avatarId, voiceId: row.voiceId ?? undefined, quality: row.quality, credentials: { api_key: 'k' } },
        providerSessionId: row.providerSessionId ?? '',
        state: (row.providerState as Record<string, string> | null) ?? undefined,
      }),
    ),
  };
  const commands = { broadcast: jest.fn((_scope: unknown, command: string) => void log.push(`broadcast:${command}`)) };
  const useCase = new StopProviderSessionUseCase(
    sessions as unknown as SessionsRepository,
    registry as unknown as ProviderRegistry,
    interruptSession as unknown as InterruptSessionUseCase,
    tasks as unknown as SpeechTasksRepository,
    providerSessions as unknown as ProviderSessions,
    commands as unknown as CommandBus,
  );
  return { useCase, sessions, provider, registry, interruptSession, tasks, providerSessions, commands, log };
}

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('StopProviderSessionUseCase', () => {
  it('interrupts the session tasks as session_stopped and answers their ids', async () => {
    const t = setup(stoppedRow());

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });

    expect(t.interruptSession.execute).toHaveBeenCalledWith(SCOPE, { reason: 'session_stopped' });
  });

  it('stops the vendor session of the session provider with the stop reason', async () => {
    const t = setup(stoppedRow({ voiceId: 'v1', providerState: { ws_url: 'wss://x' } }));

    await t.useCase.execute(SCOPE, { reason: 'client_stop' });

    expect(t.sessions.find).toHaveBeenCalledWith('tenant-1', 'session-1');
    expect(t.providerSessions.ref).toHaveBeenCalledWith(SCOPE, 'local', expect.objectContaining({ providerSessionId: 'vendor-1' }));
    expect(t.registry.get).toHaveBeenCalledWith('local');
    expect(t.provider.stop).toHaveBeenCalledWith(
      {
        providerSessionId: 'vendor-1',
        state: { ws_url: 'wss://x' },
        spec: { tenantId: 'tenant-1', sessionId: 'session-1', avatarId: 'avatar_1', voiceId: 'v1', quality: 'medium', credentials: { api_key: 'k' } },
      },
      'client_stop',
    );
  });

  it('tells every worker to close the session connection (its owner holds it) after the vendor stopped', async () => {
    const t = setup(stoppedRow());

    await t.useCase.execute(SCOPE, { reason: 'idle_timeout' });

    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, 'close', { reason: 'idle_timeout' });
    expect(t.log.slice(-2)).toEqual(['provider.stop', 'broadcast:close']);
  });

  it('tells the owner to close even when the vendor failed to stop, or there was no vendor session', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const failed = setup(stoppedRow());
    failed.provider.stop.mockRejectedValue(new Error('vendor down'));
    const never = setup(stoppedRow({ providerSessionId: null }));

    await failed.useCase.execute(SCOPE, { reason: 'client_stop' });
    await never.useCase.execute(SCOPE, { reason: 'client_stop' });

    expect(failed.commands.broadcast).toHaveBeenCalledWith(SCOPE, 'close', { reason: 'client_stop' });
    expect(never.commands.broadcast).toHaveBeenCalledWith(SCOPE, 'close', { reason: 'client_stop' });
  });

  it('treats credentials that are gone (no vendor call possible) like a vendor that failed to stop', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = setup(stoppedRow());
    t.providerSessions.ref.mockRejectedValue(new Error('local is not configured'));

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });

    expect(t.provider.stop).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('not configured'));
    expect(t.commands.broadcast).toHaveBeenCalledTimes(1);
  });

  it('does not call the provider for a session that never got a vendor session', async () => {
    const t = setup(stoppedRow({ providerSessionId: null, startedAt: null }));

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });

    expect(t.provider.stop).not.toHaveBeenCalled();
  });

  it('does not call the provider for a session it cannot find', async () => {
    const t = setup(null);

    await t.useCase.execute(SCOPE, { reason: 'client_stop' });

    expect(t.registry.get).not.toHaveBeenCalled();
    expect(t.provider.stop).not.toHaveBeenCalled();
  });

  it('logs a vendor that fails to stop and still answers the interrupted tasks', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = setup(stoppedRow());
    t.provider.stop.mockRejectedValue(new Error('vendor down'));

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });

    expect(warn).toHaveBeenCalledWith(expect.stringContaining('vendor down'));
  });

  it('treats an unknown provider like a vendor that failed to stop', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = setup(stoppedRow({ provider: 'gone' }));
    t.registry.get.mockImplementation(() => {
      throw new Error('unknown provider "gone"');
    });

    await expect(t.useCase.execute(SCOPE, { reason: 'client_stop' })).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });
  });

  describe('waiting for the interrupted speaker to fall silent', () => {
    it('asks in the scoped session and stops the vendor at once when nothing is speaking', async () => {
      const t = setup(stoppedRow());

      await t.useCase.execute(SCOPE, { reason: 'client_stop' });

      expect(t.tasks.isSpeaking).toHaveBeenCalledWith('tenant-1', 'session-1');
      expect(t.log).toEqual(['interrupt', 'isSpeaking:false', 'provider.stop', 'broadcast:close']);
    });

    it('interrupts first, then waits while a task is still speaking, and only then stops the vendor', async () => {
      jest.useFakeTimers();
      const t = setup(stoppedRow(), [true, true, true, false]);

      const done = t.useCase.execute(SCOPE, { reason: 'client_stop' });
      await jest.advanceTimersByTimeAsync(1000);

      await expect(done).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });
      expect(t.log).toEqual(['interrupt', 'isSpeaking:true', 'isSpeaking:true', 'isSpeaking:true', 'isSpeaking:false', 'provider.stop', 'broadcast:close']);
    });

    it('does not answer while the speaker is still speaking', async () => {
      jest.useFakeTimers();
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const t = setup(stoppedRow(), [true]);
      let answered = false;

      const done = t.useCase.execute(SCOPE, { reason: 'client_stop' }).then((reply) => ((answered = true), reply));
      await jest.advanceTimersByTimeAsync(500);

      expect(answered).toBe(false);
      expect(t.provider.stop).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(10_000);
      await done;
    });

    it('gives up after its bound when the speaker never confirms (its worker died), logs it, and still stops the vendor', async () => {
      jest.useFakeTimers();
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const t = setup(stoppedRow(), [true]);

      const done = t.useCase.execute(SCOPE, { reason: 'client_stop' });
      await jest.advanceTimersByTimeAsync(10_000);

      await expect(done).resolves.toEqual({ interrupted_task_ids: ['t1', 't2'] });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('did not confirm'));
      expect(t.provider.stop).toHaveBeenCalledTimes(1);
      // It polled, and it stopped polling: nothing more after the give-up.
      const polls = t.tasks.isSpeaking.mock.calls.length;
      expect(polls).toBeGreaterThan(1);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(t.tasks.isSpeaking).toHaveBeenCalledTimes(polls);
    });
  });
});
