import { COMMANDS, TenantScopes, WS_ERROR_CODES } from '@avatar/contracts';
import type { CommandBus, EventPublisher, SessionScope } from '@avatar/messaging';
import { fakeEventPublisher } from '@avatar/testing';
import type { SessionClient } from '../relay/session-client';
import { ListeningRelay } from './listening-relay';

const SCOPE: SessionScope = { tenantId: TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111'), sessionId: '22222222-2222-4222-8222-222222222222' };

function setup() {
  const events = fakeEventPublisher();
  const commands = { broadcast: jest.fn() };
  const client = { scope: SCOPE, sendError: jest.fn(), feed: { local: jest.fn() } };
  const relay = new ListeningRelay(events as unknown as EventPublisher, commands as unknown as CommandBus);
  return { relay, events, commands, client, asClient: client as unknown as SessionClient };
}

describe('ListeningRelay', () => {
  it.each([
    [true, 'listening', 'Avatar is listening'],
    [false, 'idle', 'Avatar stopped listening'],
  ])('listening=%s: every watcher sees status %s, and the workers are told', async (listening, status, message) => {
    const t = setup();

    await t.relay.set(t.asClient, listening);

    expect(t.events.published).toEqual([{ scope: SCOPE, event: { type: 'status', status, message } }]);
    expect(t.commands.broadcast).toHaveBeenCalledWith(SCOPE, COMMANDS.LISTEN, { listening });
    expect(t.client.sendError).not.toHaveBeenCalled();
  });

  it('tells the client COMMAND_FAILED when the status cannot be published, and tells no worker', async () => {
    const t = setup();
    t.events.publish.mockRejectedValueOnce(new Error('nats down'));

    await t.relay.set(t.asClient, true);

    expect(t.client.sendError).toHaveBeenCalledWith(WS_ERROR_CODES.COMMAND_FAILED, 'start_listening failed: nats down');
    expect(t.commands.broadcast).not.toHaveBeenCalled();
  });

  it('tells the client COMMAND_FAILED when the broadcast fails', async () => {
    const t = setup();
    t.commands.broadcast.mockImplementationOnce(() => {
      throw new Error('connection closed');
    });

    await t.relay.set(t.asClient, false);

    expect(t.client.sendError).toHaveBeenCalledWith(WS_ERROR_CODES.COMMAND_FAILED, 'stop_listening failed: connection closed');
  });
});
