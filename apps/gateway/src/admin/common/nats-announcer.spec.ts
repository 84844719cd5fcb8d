import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsAnnouncer } from './nats-announcer';

const MESSAGES = [
  { subject: 'auth.t1.apikey.revoked', data: new TextEncoder().encode('{"all_keys":true}') },
  { subject: 'tenant.t1.changed', data: new Uint8Array() },
];

afterEach(() => jest.restoreAllMocks());

describe('NatsAnnouncer', () => {
  it('publishes every message, then waits for the server to confirm them (flush)', async () => {
    const calls: string[] = [];
    const nc = { publish: jest.fn((subject: string) => void calls.push(`publish ${subject}`)), flush: jest.fn(async () => void calls.push('flush')) };

    await new NatsAnnouncer(nc as unknown as NatsConnection, { COMMAND_TIMEOUT_MS: 1000 }).announce(MESSAGES);

    expect(calls).toEqual(['publish auth.t1.apikey.revoked', 'publish tenant.t1.changed', 'flush']);
    expect(nc.publish).toHaveBeenCalledWith('auth.t1.apikey.revoked', MESSAGES[0].data);
  });

  it('does not hang or fail the admin request when NATS does not confirm: it warns (the database change stands)', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const nc = { publish: jest.fn(), flush: jest.fn(() => new Promise<void>(() => undefined)) };

    await expect(new NatsAnnouncer(nc as unknown as NatsConnection, { COMMAND_TIMEOUT_MS: 20 }).announce(MESSAGES)).resolves.toBeUndefined();

    expect(warn).toHaveBeenCalledWith(expect.stringContaining('not confirmed within 20 ms'));
  });

  it('warns instead of throwing when publishing fails (connection closed)', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const nc = { publish: jest.fn(() => { throw new Error('closed'); }), flush: jest.fn() };
    await new NatsAnnouncer(nc as unknown as NatsConnection, { COMMAND_TIMEOUT_MS: 20 }).announce(MESSAGES);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('closed'));
  });
});
