import { COMMANDS, subjects, TenantScopes } from '@avatar/contracts';
import { fakeNatsBus } from '@avatar/testing';
import { SessionInterrupts } from './session-interrupts';

const TENANT = TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111');
const OTHER_TENANT = '33333333-3333-4333-8333-333333333333';
const SESSION = '22222222-2222-4222-8222-222222222222';
const OTHER_SESSION = '44444444-4444-4444-8444-444444444444';

const halt = (tenantId: string, sessionId: string) => subjects.command(tenantId, sessionId, COMMANDS.HALT);

describe('SessionInterrupts', () => {
  it("calls back at a halt of the watched session (the InterruptDispatcher's broadcast)", async () => {
    const bus = fakeNatsBus();
    const onInterrupt = jest.fn();
    new SessionInterrupts(bus.nc).watch({ tenantId: TENANT, sessionId: SESSION }, onInterrupt);

    bus.nc.publish(halt(TENANT, SESSION), JSON.stringify({}));
    await bus.settle();

    expect(onInterrupt).toHaveBeenCalledTimes(1);
  });

  it("ignores another session's halt, the same session id under another tenant, and the session's other commands", async () => {
    const bus = fakeNatsBus();
    const onInterrupt = jest.fn();
    new SessionInterrupts(bus.nc).watch({ tenantId: TENANT, sessionId: SESSION }, onInterrupt);

    bus.nc.publish(halt(TENANT, OTHER_SESSION), JSON.stringify({}));
    bus.nc.publish(halt(OTHER_TENANT, SESSION), JSON.stringify({}));
    bus.nc.publish(subjects.command(TENANT, SESSION, COMMANDS.LISTEN), JSON.stringify({ listening: true }));
    await bus.settle();

    expect(onInterrupt).not.toHaveBeenCalled();
  });

  it('stops listening once unwatched (the reply ended)', async () => {
    const bus = fakeNatsBus();
    const onInterrupt = jest.fn();
    const unwatch = new SessionInterrupts(bus.nc).watch({ tenantId: TENANT, sessionId: SESSION }, onInterrupt);

    unwatch();
    bus.nc.publish(halt(TENANT, SESSION), JSON.stringify({}));
    await bus.settle();

    expect(onInterrupt).not.toHaveBeenCalled();
    expect(bus.subscribers(halt(TENANT, SESSION))).toBe(0);
  });
});
