import { Logger } from '@nestjs/common';
import { PlatformError, TenantScopes } from '@avatar/contracts';
import type { CreateSessionUseCase } from '../../sessions/use-cases/create-session.use-case';
import type { StartSessionUseCase } from '../../sessions/use-cases/start-session.use-case';
import type { StopSessionUseCase } from '../../sessions/use-cases/stop-session.use-case';
import { CreateAndStartSessionUseCase } from './create-and-start-session.use-case';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = '11111111-1111-4111-8111-111111111111';
const CREATED = { session_id: SESSION, ice_servers: [], access_token: 'platform-session-token' };
const ENGINE = { type: 'cartesia' as const, access_token: 'ct', agent_id: 'agent-7' };

function setup() {
  const calls: string[] = [];
  const createSession = { execute: jest.fn(async () => (calls.push('create'), CREATED)) };
  const startSession = { execute: jest.fn(async () => (calls.push('start'), { status: 'started' as const, provider: 'local' })) };
  const stopSession = { execute: jest.fn(async () => (calls.push('stop'), { status: 'stopped' as const, duration: 0, billed_seconds: 0 })) };
  const useCase = new CreateAndStartSessionUseCase(
    createSession as unknown as CreateSessionUseCase,
    startSession as unknown as StartSessionUseCase,
    stopSession as unknown as StopSessionUseCase,
  );
  return { useCase, createSession, startSession, stopSession, calls };
}

describe('CreateAndStartSessionUseCase', () => {
  afterEach(() => jest.restoreAllMocks());

  it('creates the session with /v1 defaults plus what the body names, starts it, and answers its id and platform token', async () => {
    const t = setup();

    await expect(t.useCase.execute(TENANT, { avatar_id: 'avaturn-anna', conversation_engine: ENGINE })).resolves.toEqual({
      session_id: SESSION,
      token: 'platform-session-token',
    });

    expect(t.createSession.execute).toHaveBeenCalledWith(TENANT, { quality: 'medium', avatar_id: 'avaturn-anna', conversation_engine: ENGINE });
    expect(t.startSession.execute).toHaveBeenCalledWith(TENANT, { session_id: SESSION });
    expect(t.calls).toEqual(['create', 'start']);
  });

  it('takes an empty body as the /v1 defaults (the tenant default provider and avatar are the create use case\'s)', async () => {
    const t = setup();

    await t.useCase.execute(TENANT, {});

    expect(t.createSession.execute).toHaveBeenCalledWith(TENANT, { quality: 'medium' });
  });

  it('stops the session it created when the start fails, then answers the start\'s own error', async () => {
    const t = setup();
    const failure = new PlatformError('PROVIDER_UNAVAILABLE', 'could not start the provider session: vendor down', { provider: 'avaturn' });
    t.startSession.execute.mockImplementationOnce(async () => {
      t.calls.push('start');
      throw failure;
    });

    await expect(t.useCase.execute(TENANT, {})).rejects.toBe(failure);

    expect(t.stopSession.execute).toHaveBeenCalledWith(TENANT, SESSION, 'start_failed');
    expect(t.calls).toEqual(['create', 'start', 'stop']);
  });

  it("still answers the start's error when stopping fails too (and says so in the log)", async () => {
    const t = setup();
    const failure = new PlatformError('SERVICE_UNAVAILABLE', 'no worker');
    t.startSession.execute.mockRejectedValueOnce(failure);
    t.stopSession.execute.mockRejectedValueOnce(new Error('database gone'));
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

    await expect(t.useCase.execute(TENANT, {})).rejects.toBe(failure);

    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`session ${SESSION} failed to start (no worker) and could not be stopped: database gone`));
  });

  it('neither starts nor stops anything when the create is refused', async () => {
    const t = setup();
    const refused = new PlatformError('VALIDATION_ERROR', 'provider local does not take a conversation_engine');
    t.createSession.execute.mockRejectedValueOnce(refused);

    await expect(t.useCase.execute(TENANT, { conversation_engine: ENGINE })).rejects.toBe(refused);

    expect(t.startSession.execute).not.toHaveBeenCalled();
    expect(t.stopSession.execute).not.toHaveBeenCalled();
  });
});
