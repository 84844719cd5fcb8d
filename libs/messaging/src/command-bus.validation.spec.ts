import { COMMANDS, TenantScopes } from '@avatar/contracts';
import { fakeNatsBus } from '@avatar/testing';
import { CommandBus, CommandError } from './command-bus';
import { decodeJson, encodeJson } from './json-codec';

// What the worker's end of the command bus does with a command that fails its schema,
// and what the requester does with a reply that fails its own.
const TENANT = TenantScopes.ofRecord('t1');
const SCOPE = { tenantId: TENANT, sessionId: 's1' };
const START = 'cmd.t1.s1.start';
const SECRET = 'user-text-that-must-not-be-logged';

function setup() {
  const bus = fakeNatsBus();
  const commands = new CommandBus(bus.nc);
  const handler = jest.fn(async () => ({ provider: 'local', avatar_id: 'a', provider_session_id: 'p1' }));
  const errors: string[] = [];
  commands.handle(COMMANDS.START, true, handler, (err) => errors.push((err as Error).message));
  return { bus, commands, handler, errors };
}

describe('CommandBus: commands and replies are parsed with the contracts schemas', () => {
  it('hands a valid command to its handler (unknown fields dropped) and answers its reply', async () => {
    const t = setup();
    const reply = await t.bus.nc.request(START, encodeJson({ provider: 'local', avatar_id: 'a', quality: 'medium', extra: SECRET }), { timeout: 1000 });

    expect(decodeJson(reply.data)).toEqual({ provider: 'local', avatar_id: 'a', provider_session_id: 'p1' });
    expect(t.handler).toHaveBeenCalledWith(SCOPE, { provider: 'local', avatar_id: 'a', quality: 'medium' });
  });

  it('answers a malformed command with an INVALID_MESSAGE failure, never runs the handler, logs the problem without the content', async () => {
    const t = setup();
    const reply = await t.bus.nc.request(START, encodeJson({ provider: 42, avatar_id: SECRET }), { timeout: 1000 });
    await t.bus.settle();

    const failure = decodeJson<{ error: { code: string; message: string } }>(reply.data).error;
    expect(failure.code).toBe('INVALID_MESSAGE');
    expect(failure.message).toMatch(/start command is invalid: provider: .*quality/);
    expect(t.handler).not.toHaveBeenCalled();
    expect(t.errors).toEqual([failure.message]);
    expect(t.errors.join()).not.toContain(SECRET);
  });

  it('answers a body that is not JSON without quoting it', async () => {
    const t = setup();
    const reply = await t.bus.nc.request(START, new TextEncoder().encode(`{${SECRET}`), { timeout: 1000 });

    const failure = decodeJson<{ error: { code: string; message: string } }>(reply.data).error;
    expect(failure).toEqual({ code: 'INVALID_MESSAGE', message: expect.stringMatching(/^start command is not JSON/) });
    expect(failure.message).not.toContain(SECRET);
    expect(t.handler).not.toHaveBeenCalled();
  });

  it('drops a malformed broadcast (no reply to send) and logs it', async () => {
    const bus = fakeNatsBus();
    const commands = new CommandBus(bus.nc);
    const halt = jest.fn(async () => undefined);
    const errors: string[] = [];
    commands.handle(COMMANDS.HALT, false, halt, (err) => errors.push((err as Error).message));

    bus.nc.publish('cmd.t1.s1.halt', encodeJson({ task_ids: 'all of them' }));
    commands.broadcast(SCOPE, COMMANDS.HALT, { task_ids: ['k1'] });
    await bus.settle();

    expect(halt.mock.calls).toEqual([[SCOPE, { task_ids: ['k1'] }]]);
    expect(errors).toEqual([expect.stringMatching(/^halt command is invalid: task_ids/)]);
  });

  it('refuses a reply that fails the command\'s reply schema (CommandError INVALID_REPLY), and still maps a valid failure', async () => {
    const bus = fakeNatsBus();
    const commands = new CommandBus(bus.nc);
    let answer: unknown = { provider_session_id: 7 };
    bus.nc.subscribe('cmd.*.*.start', { callback: (_err, msg) => void msg.respond(encodeJson(answer)) });

    const invalid = await commands.request(SCOPE, COMMANDS.START, {}, 1000).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(CommandError);
    expect(invalid).toMatchObject({ code: 'INVALID_REPLY' });

    answer = { error: { code: 'PROVIDER_UNAVAILABLE', message: 'vendor down', details: { retryable: true } } };
    const failed = await commands.request(SCOPE, COMMANDS.START, {}, 1000).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'vendor down', details: { retryable: true } });
  });
});
