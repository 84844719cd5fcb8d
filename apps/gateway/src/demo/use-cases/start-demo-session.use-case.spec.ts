import { PlatformError, TenantScopes } from '@avatar/contracts';
import type { CreateSessionUseCase } from '../../sessions/use-cases/create-session.use-case';
import type { StartSessionUseCase } from '../../sessions/use-cases/start-session.use-case';
import type { StopSessionUseCase } from '../../sessions/use-cases/stop-session.use-case';
import type { DemoTenant } from '../demo-tenant';
import { StartDemoSessionUseCase } from './start-demo-session.use-case';

const TENANT = TenantScopes.ofRecord('00000000-0000-4000-8000-00000000de00');
const SESSION = '11111111-1111-4111-8111-111111111111';
const CONFIG = { SESSION_TOKEN_TTL_SECONDS: 900, DEMO_WS_URL: 'ws://localhost:8001/ws' };

function setup(options: { start?: jest.Mock; activeScope?: jest.Mock } = {}) {
  const demo = { activeScope: options.activeScope ?? jest.fn().mockResolvedValue(TENANT) };
  const create = { execute: jest.fn().mockResolvedValue({ session_id: SESSION, access_token: 'session-token', ice_servers: [] }) };
  const start = { execute: options.start ?? jest.fn().mockResolvedValue({ status: 'started', provider: 'local' }) };
  const stop = { execute: jest.fn().mockResolvedValue({ status: 'stopped', duration: 0, billed_seconds: 0 }) };
  const useCase = new StartDemoSessionUseCase(
    demo as unknown as DemoTenant,
    create as unknown as CreateSessionUseCase,
    start as unknown as StartSessionUseCase,
    stop as unknown as StopSessionUseCase,
    CONFIG,
  );
  return { useCase, demo, create, start, stop };
}

describe('StartDemoSessionUseCase', () => {
  it("creates and starts a session of the demo tenant (/v1's defaults) and answers its token and the notifier's URL", async () => {
    const { useCase, create, start, stop } = setup();
    await expect(useCase.execute({ provider: 'local', avatar_id: 'avatar_2' })).resolves.toEqual({
      session_id: SESSION,
      access_token: 'session-token',
      expires_in: 900,
      ws_url: 'ws://localhost:8001/ws',
      provider: 'local',
    });
    expect(create.execute).toHaveBeenCalledWith(TENANT, { quality: 'medium', provider: 'local', avatar_id: 'avatar_2' });
    expect(start.execute).toHaveBeenCalledWith(TENANT, { session_id: SESSION });
    expect(stop.execute).not.toHaveBeenCalled();
  });

  it('answers the provider that serves the session (a failover)', async () => {
    const { useCase } = setup({ start: jest.fn().mockResolvedValue({ status: 'started', provider: 'local', failed_over: [{ provider: 'heygen', code: 'PROVIDER_UNAVAILABLE', message: 'down' }] }) });
    await expect(useCase.execute({ provider: 'heygen' })).resolves.toMatchObject({ provider: 'local' });
  });

  it('stops the session it created when the start fails (start_failed), and answers the start error', async () => {
    const failure = new PlatformError('PROVIDER_UNAVAILABLE', 'vendor down');
    const { useCase, stop } = setup({ start: jest.fn().mockRejectedValue(failure) });
    await expect(useCase.execute({})).rejects.toBe(failure);
    expect(stop.execute).toHaveBeenCalledWith(TENANT, SESSION, 'start_failed');
  });

  it('creates nothing for a tenant that is not active', async () => {
    const { useCase, create } = setup({ activeScope: jest.fn().mockRejectedValue(new PlatformError('FORBIDDEN', 'the demo tenant is disabled')) });
    await expect(useCase.execute({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(create.execute).not.toHaveBeenCalled();
  });
});
