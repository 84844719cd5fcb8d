import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { COMMANDS, subjects, TenantScopes } from '@avatar/contracts';
import { CommandBus, encodeJson, decodeJson } from '@avatar/messaging';
import { AvatarProvider, ProviderConnection, ProviderError, ProviderMediaEvent, ProviderRegistry, ProviderSessionRef, SpeechOutcome, SpeechRequest } from '@avatar/providers';
import { fakeNatsBus, fakeScriptRedis } from '@avatar/testing';
import { ActiveSpeech } from '../speech/active-speech';
import type { WorkerConfig } from '../worker-config';
import { ProviderConnections, VendorLostListener } from './provider-connections';
import { RemoteConnection } from './remote-connection';
import { ownerKey, SessionOwnership } from './session-ownership';
import { RecordedAudio, recordedSpeech } from '../audio/recorded-audio';

const TENANT = TenantScopes.ofRecord('tenant-1');
const SESSION = 'session-1';
const SCOPE = { tenantId: TENANT, sessionId: SESSION };
const TASK = '33333333-3333-4333-8333-333333333333';
const SPEAK_SUBJECT = subjects.command(TENANT, SESSION, COMMANDS.SPEAK);

const ref = (provider: string, providerSessionId = 'vs-1', sessionId = SESSION): ProviderSessionRef => ({
  spec: { tenantId: TENANT, sessionId, avatarId: 'avatar_1', quality: 'medium', credentials: { api_key: 'k' } },
  providerSessionId,
  state: provider === 'stateful' ? { ws_url: 'wss://vendor.example/s' } : undefined,
});

const frame = (n: number): ProviderMediaEvent => ({ type: 'frame', task_id: TASK, frame_id: n, timestamp: n, viseme: 'A', data: 'AAAA', mime_type: 'image/png' });

type Speak = (request: SpeechRequest, emit: (event: ProviderMediaEvent) => Promise<void>, signal: AbortSignal) => Promise<SpeechOutcome>;

/** A vendor connection stand-in: records its calls; `lose(err)` is the vendor closing it by itself. */
function vendorConnection(speak?: Speak) {
  let lostListener: ((err: Error) => void) | undefined;
  const connection = {
    speak: jest.fn<ReturnType<Speak>, Parameters<Speak>>(
      speak ??
        (async (_request, emit) => {
          await emit(frame(1));
          await emit(frame(2));
          return { spokenSeconds: 0.08, interrupted: false };
        }),
    ),
    keepAlive: jest.fn(async () => undefined),
    close: jest.fn(async () => undefined),
    onLost: jest.fn((listener: (err: Error) => void) => void (lostListener = listener)),
    lose: (err: Error) => lostListener?.(err),
  };
  return connection;
}
type VendorConnection = ReturnType<typeof vendorConnection>;

/** One vendor of each kind; `connect` hands out a fresh vendorConnection per call (all kept in `opened`). */
function adapters() {
  const opened: VendorConnection[] = [];
  let nextSpeak: Speak | undefined;
  const make = (name: string, stateful: boolean) => ({
    name,
    stateful,
    credentialFields: ['api_key'],
    keepAliveIntervalMs: 0,
    start: jest.fn(),
    stop: jest.fn(),
    catalog: jest.fn(),
    connect: jest.fn(async (_ref: ProviderSessionRef): Promise<ProviderConnection> => {
      const c = vendorConnection(nextSpeak);
      opened.push(c);
      return c;
    }),
  });
  const rest = make('rest', false);
  const stateful = make('stateful', true);
  return { rest, stateful, opened, speakWith: (speak: Speak) => void (nextSpeak = speak) };
}

/**
 * Workers sharing one NATS and one Redis (their lease scripts really run); each has
 * its own registry of fake vendors, ownership, ActiveSpeech and ProviderConnections,
 * and a halt handler as SessionCommandsConsumer has (a halt reaches every worker).
 */
function cluster() {
  const bus = fakeNatsBus();
  const recorded = { of: jest.fn(async () => recordedSpeech({ pcm: Buffer.alloc(4800), sampleRate: 24_000 })) };
  const redis = fakeScriptRedis();
  const worker = () => {
    const vendors = adapters();
    const registry = new ProviderRegistry([vendors.rest, vendors.stateful] as unknown as AvatarProvider[]);
    const ownership = new SessionOwnership(redis as unknown as Redis, { OWNER_LEASE_MS: 6000 } as WorkerConfig);
    const commands = new CommandBus(bus.nc);
    const active = new ActiveSpeech();
    const connections = new ProviderConnections(registry, ownership, commands, bus.nc as NatsConnection, active, recorded as unknown as RecordedAudio);
    connections.onModuleInit();
    commands.handle<{ task_ids: string[] }, void>(COMMANDS.HALT, false, async (scope, body) => void active.abort(scope.sessionId, body.task_ids), () => undefined);
    const lost: Parameters<VendorLostListener>[0][] = [];
    connections.onVendorLost((event) => lost.push(event));
    return { vendors, ownership, commands, active, connections, lost };
  };
  return { bus, redis, recorded, a: worker(), b: worker(), holder: (id = SESSION) => redis.store.get(ownerKey(id))?.value };
}

const collect = () => {
  const events: ProviderMediaEvent[] = [];
  return { events, emit: jest.fn(async (event: ProviderMediaEvent) => void events.push(event)) };
};

beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

describe('ProviderConnections', () => {
  describe('a REST vendor', () => {
    it('connects once per session and hands out the same connection after', async () => {
      const t = cluster();

      const first = await t.a.connections.get('rest', ref('rest'));
      const second = await t.a.connections.get('rest', ref('rest'));
      const other = await t.a.connections.get('rest', ref('rest', 'vs-9', 'session-2'));

      expect(second).toBe(first);
      expect(other).not.toBe(first);
      expect(t.a.vendors.rest.connect).toHaveBeenCalledTimes(2);
      expect(t.a.vendors.rest.connect).toHaveBeenCalledWith(ref('rest'));
    });

    it('is held by every worker that speaks on it, without a lease or a speak subscription', async () => {
      const t = cluster();

      await t.a.connections.get('rest', ref('rest'));
      await t.b.connections.get('rest', ref('rest'));

      expect(t.a.vendors.rest.connect).toHaveBeenCalledTimes(1);
      expect(t.b.vendors.rest.connect).toHaveBeenCalledTimes(1);
      expect(t.holder()).toBeUndefined();
      expect(t.bus.subscribers(SPEAK_SUBJECT)).toBe(0);
    });

    it('builds the ref (credentials: database reads) only for a connection it does not hold yet', async () => {
      const t = cluster();
      const buildRef = jest.fn(async () => ref('rest'));
      const at = { sessionId: SESSION, providerSessionId: 'vs-1' };

      const first = await t.a.connections.connectionFor('rest', at, buildRef);
      const second = await t.a.connections.connectionFor('rest', at, buildRef);
      // A failover to another vendor session builds a new ref.
      await t.a.connections.connectionFor('rest', { ...at, providerSessionId: 'vs-2' }, async () => ref('rest', 'vs-2'));

      expect(second).toBe(first);
      expect(buildRef).toHaveBeenCalledTimes(1);
      expect(t.a.vendors.rest.connect).toHaveBeenCalledTimes(2);
    });

    it('lists the sessions whose connection it holds', async () => {
      const t = cluster();

      await t.a.connections.get('rest', ref('rest'));

      expect(t.a.connections.heldSessions()).toEqual([SCOPE]);
      expect(t.b.connections.heldSessions()).toEqual([]);
    });
  });

  describe('a stateful vendor', () => {
    it('claims a free session, connects, and serves its speak subject', async () => {
      const t = cluster();

      const connection = await t.a.connections.get('stateful', ref('stateful'));
      await t.bus.settle();

      expect(connection).toBe(t.a.vendors.opened[0]);
      expect(t.a.vendors.stateful.connect).toHaveBeenCalledWith(ref('stateful'));
      expect(t.holder()).toBe(t.a.ownership.workerId);
      expect(t.bus.subscribers(SPEAK_SUBJECT)).toBe(1);
    });

    it('openStarted opens the connection and takes ownership', async () => {
      const t = cluster();

      await t.a.connections.openStarted('stateful', ref('stateful'));

      expect(t.a.vendors.stateful.connect).toHaveBeenCalledTimes(1);
      expect(t.a.ownership.isMine(SESSION)).toBe(true);
    });

    it('hands out the held connection again while the session is its own', async () => {
      const t = cluster();

      const first = await t.a.connections.get('stateful', ref('stateful'));
      const second = await t.a.connections.get('stateful', ref('stateful'));

      expect(second).toBe(first);
      expect(t.a.vendors.stateful.connect).toHaveBeenCalledTimes(1);
    });

    it("answers a RemoteConnection to the owner for a session another worker owns, and opens nothing", async () => {
      const t = cluster();
      await t.a.connections.get('stateful', ref('stateful'));

      const connection = await t.b.connections.get('stateful', ref('stateful'));

      expect(connection).toBeInstanceOf(RemoteConnection);
      expect(t.b.vendors.stateful.connect).not.toHaveBeenCalled();
      expect(t.holder()).toBe(t.a.ownership.workerId);
      expect(t.b.connections.heldSessions()).toEqual([]);
    });

    it('speaks through the owner: the asker relays the media in order and gets the outcome', async () => {
      const t = cluster();
      const owned = (await t.a.connections.get('stateful', ref('stateful'))) as unknown as VendorConnection;
      await t.bus.settle();
      const remote = await t.b.connections.get('stateful', ref('stateful'));
      const out = collect();

      const outcome = await remote.speak({ taskId: TASK, text: 'hi', voiceId: 'v1' }, out.emit, new AbortController().signal);

      expect(outcome).toEqual({ spokenSeconds: 0.08, interrupted: false });
      expect(out.events).toEqual([frame(1), frame(2)]);
      expect(owned.speak).toHaveBeenCalledWith({ taskId: TASK, text: 'hi', voiceId: 'v1', voiceSettings: undefined }, expect.any(Function), expect.any(AbortSignal));
    });

    it("speaks an audio task through the owner: the owner reads the task's audio itself (it never rides on NATS)", async () => {
      const t = cluster();
      const owned = (await t.a.connections.get('stateful', ref('stateful'))) as unknown as VendorConnection;
      await t.bus.settle();
      const remote = await t.b.connections.get('stateful', ref('stateful'));
      const audio = recordedSpeech({ pcm: Buffer.alloc(4800, 1), sampleRate: 24_000 });

      await remote.speak({ taskId: TASK, text: '', audio }, collect().emit, new AbortController().signal);

      expect(t.recorded.of).toHaveBeenCalledWith(TENANT, TASK);
      expect(owned.speak.mock.calls[0][0].audio?.durationS).toBeCloseTo(0.1, 5);
      expect(JSON.stringify(t.bus.bodies(SPEAK_SUBJECT))).not.toContain('AQEB');
    });

    it('serves a speak request: accepts at once, then streams {event}… and one {outcome} to the inbox', async () => {
      const t = cluster();
      await t.a.connections.get('stateful', ref('stateful'));
      await t.bus.settle();
      const inbox = '_INBOX.asker1';

      const reply = await t.bus.nc.request(SPEAK_SUBJECT, encodeJson({ task_id: TASK, text: 'hi', inbox }), { timeout: 1000 });
      await t.bus.settle();

      expect(decodeJson(reply.data)).toEqual({ accepted: true });
      expect(t.bus.bodies(inbox)).toEqual([{ event: frame(1) }, { event: frame(2) }, { outcome: { spoken_seconds: 0.08, interrupted: false } }]);
      // The speaker is registered under the task while it speaks, and gone after.
      expect(t.a.active.size).toBe(0);
    });

    it('sends the typed failure of its vendor to the inbox instead of an outcome', async () => {
      const t = cluster();
      t.a.vendors.speakWith(async () => {
        throw new ProviderError('vendor dropped the socket', { kind: 'connection', provider: 'stateful', vendorStatus: 1006 });
      });
      await t.a.connections.get('stateful', ref('stateful'));
      await t.bus.settle();
      const remote = await t.b.connections.get('stateful', ref('stateful'));

      const err = (await remote.speak({ taskId: TASK, text: 'hi' }, collect().emit, new AbortController().signal).catch((e: unknown) => e)) as ProviderError;

      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ message: 'vendor dropped the socket', kind: 'connection', provider: 'stateful', retryable: true, vendorStatus: 1006 });
    });

    it('refuses a malformed speak request without speaking', async () => {
      const t = cluster();
      const owned = (await t.a.connections.get('stateful', ref('stateful'))) as unknown as VendorConnection;
      await t.bus.settle();

      const reply = await t.bus.nc.request(SPEAK_SUBJECT, encodeJson({ task_id: 'not-a-uuid', text: 'hi', inbox: 'elsewhere.subject' }), { timeout: 1000 });

      // Refused by the command's schema before any handler runs (CommandBus).
      expect(decodeJson<{ error: { code: string } }>(reply.data).error.code).toBe('INVALID_MESSAGE');
      expect(owned.speak).not.toHaveBeenCalled();
    });

    it("stops the owner's speaker when the asker's task is interrupted (the halt reaches the owner)", async () => {
      const t = cluster();
      t.a.vendors.speakWith(async (_request, emit, signal) => {
        await emit(frame(1));
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return { spokenSeconds: 0.04, interrupted: true };
      });
      await t.a.connections.get('stateful', ref('stateful'));
      await t.bus.settle();
      const remote = await t.b.connections.get('stateful', ref('stateful'));
      const controller = new AbortController();
      const out = collect();
      out.emit.mockImplementation(async (event) => {
        out.events.push(event);
        controller.abort();
      });

      const outcome = await remote.speak({ taskId: TASK, text: 'hi' }, out.emit, controller.signal);

      expect(outcome).toEqual({ spokenSeconds: 0.04, interrupted: true });
      expect(out.events).toEqual([frame(1)]);
    });

    it('answers a retryable error, not an outcome, for a speech it was handing over (draining)', async () => {
      const t = cluster();
      t.a.vendors.speakWith(async (_request, emit, signal) => {
        await emit(frame(1));
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return { spokenSeconds: 0.04, interrupted: true };
      });
      await t.a.connections.get('stateful', ref('stateful'));
      await t.bus.settle();
      const remote = await t.b.connections.get('stateful', ref('stateful'));
      const out = collect();
      out.emit.mockImplementation(async (event) => {
        out.events.push(event);
        t.a.active.abortAll('handover');
      });

      const err = (await remote.speak({ taskId: TASK, text: 'hi' }, out.emit, new AbortController().signal).catch((e: unknown) => e)) as ProviderError;

      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ message: 'the owning worker is shutting down', kind: 'connection', provider: 'stateful', retryable: true });
    });

    it('does not keep a failed connect, and gives the lease back: the next get tries again', async () => {
      const t = cluster();
      t.a.vendors.stateful.connect.mockRejectedValueOnce(new ProviderError('ws refused', { kind: 'connection', provider: 'stateful' }));

      await expect(t.a.connections.get('stateful', ref('stateful'))).rejects.toThrow('ws refused');
      await t.bus.settle();

      expect(t.holder()).toBeUndefined();
      expect(t.a.connections.heldSessions()).toEqual([]);
      expect(t.bus.subscribers(SPEAK_SUBJECT)).toBe(0);
      await t.a.connections.get('stateful', ref('stateful'));
      expect(t.a.vendors.stateful.connect).toHaveBeenCalledTimes(2);
      expect(t.holder()).toBe(t.a.ownership.workerId);
    });

    it('takes over a session whose owner is gone: opens the connection here, speaks the task on it and serves the session', async () => {
      const t = cluster();
      await t.a.connections.get('stateful', ref('stateful'));
      await t.bus.settle();
      // The owner dies: its speak subscription goes with its NATS link; its lease stays until it expires.
      await t.a.connections.onApplicationShutdown();
      await t.a.ownership.claim(SESSION);
      const remote = await t.b.connections.get('stateful', ref('stateful'));
      const out = collect();

      const outcome = await remote.speak({ taskId: TASK, text: 'hi' }, out.emit, new AbortController().signal);
      await t.bus.settle();

      expect(outcome).toEqual({ spokenSeconds: 0.08, interrupted: false });
      expect(out.events).toEqual([frame(1), frame(2)]);
      expect(t.b.vendors.stateful.connect).toHaveBeenCalledWith(ref('stateful'));
      expect(t.b.vendors.opened[0].speak).toHaveBeenCalledTimes(1);
      expect(t.holder()).toBe(t.b.ownership.workerId);
      expect(t.bus.subscribers(SPEAK_SUBJECT)).toBe(1);
      // The next task finds the connection held here.
      await expect(t.b.connections.get('stateful', ref('stateful'))).resolves.toBe(t.b.vendors.opened[0]);
    });

    it('does not take over a session another worker took first: the attempt fails retryably', async () => {
      const t = cluster();
      await t.a.connections.get('stateful', ref('stateful'));
      await t.bus.settle();
      const remote = await t.b.connections.get('stateful', ref('stateful'));
      await t.a.connections.onApplicationShutdown();
      // Someone else took the session between B's lookup and its takeover.
      await t.redis.set(ownerKey(SESSION), 'third-worker', 'PX', 6000);

      await expect(remote.speak({ taskId: TASK, text: 'hi' }, collect().emit, new AbortController().signal)).rejects.toMatchObject({ kind: 'connection', retryable: true });

      expect(t.b.vendors.stateful.connect).not.toHaveBeenCalled();
      expect(t.holder()).toBe('third-worker');
    });
  });

  describe('setListening', () => {
    it("tells the vendor connection held by the session's owner, and nobody else acts on it", async () => {
      const t = cluster();
      const owned = (await t.a.connections.get('stateful', ref('stateful'))) as unknown as VendorConnection & { setListening: jest.Mock };
      owned.setListening = jest.fn(async () => undefined);
      await t.bus.settle();
      await t.b.connections.get('stateful', ref('stateful'));

      await t.a.connections.setListening(SESSION, true);
      await t.b.connections.setListening(SESSION, false);

      expect(owned.setListening.mock.calls).toEqual([[true]]);
    });

    it('does nothing for a connection whose vendor has no listening state, or a session not held', async () => {
      const t = cluster();
      await t.a.connections.get('rest', ref('rest'));

      await expect(t.a.connections.setListening(SESSION, true)).resolves.toBeUndefined();
      await expect(t.a.connections.setListening('other-session', true)).resolves.toBeUndefined();
    });
  });

  describe('close', () => {
    it('stops serving, closes the connection and releases the lease', async () => {
      const t = cluster();
      const owned = (await t.a.connections.get('stateful', ref('stateful'))) as unknown as VendorConnection;
      await t.bus.settle();

      await t.a.connections.close(SESSION);

      expect(owned.close).toHaveBeenCalledTimes(1);
      expect(t.bus.subscribers(SPEAK_SUBJECT)).toBe(0);
      expect(t.holder()).toBeUndefined();
      expect(t.a.connections.heldSessions()).toEqual([]);
    });

    it('closes a REST connection', async () => {
      const t = cluster();
      const held = (await t.a.connections.get('rest', ref('rest'))) as unknown as VendorConnection;

      await t.a.connections.close(SESSION);

      expect(held.close).toHaveBeenCalledTimes(1);
      await t.a.connections.get('rest', ref('rest'));
      expect(t.a.vendors.rest.connect).toHaveBeenCalledTimes(2);
    });

    it('does nothing for a session it does not hold (and never touches the owner’s lease)', async () => {
      const t = cluster();
      await t.a.connections.get('stateful', ref('stateful'));

      await t.b.connections.close(SESSION);

      expect(t.holder()).toBe(t.a.ownership.workerId);
      expect(t.a.vendors.opened[0].close).not.toHaveBeenCalled();
    });

    it('survives a connection whose close fails', async () => {
      const t = cluster();
      const held = (await t.a.connections.get('rest', ref('rest'))) as unknown as VendorConnection;
      held.close.mockRejectedValue(new Error('already gone'));

      await expect(t.a.connections.close(SESSION)).resolves.toBeUndefined();
    });

    it('closes everything it holds at shutdown', async () => {
      const t = cluster();
      await t.a.connections.get('stateful', ref('stateful'));
      await t.a.connections.get('rest', ref('rest', 'vs-2', 'session-2'));

      await t.a.connections.onApplicationShutdown();

      expect(t.a.vendors.opened.map((c) => c.close.mock.calls.length)).toEqual([1, 1]);
      expect(t.holder()).toBeUndefined();
    });
  });

  describe('a vendor session that went away by itself', () => {
    it('tells the listeners once, with the scope, provider and vendor session, and drops the connection', async () => {
      const t = cluster();
      const owned = (await t.a.connections.get('stateful', ref('stateful'))) as unknown as VendorConnection;
      await t.bus.settle();
      const error = new Error('vendor closed the socket (1000)');

      owned.lose(error);
      owned.lose(error);
      await t.bus.settle();

      expect(t.a.lost).toEqual([{ scope: SCOPE, provider: 'stateful', providerSessionId: 'vs-1', error }]);
      expect(t.a.connections.heldSessions()).toEqual([]);
      expect(t.bus.subscribers(SPEAK_SUBJECT)).toBe(0);
      expect(t.holder()).toBeUndefined();
    });

    it('tells nobody about a connection it had already closed', async () => {
      const t = cluster();
      const held = (await t.a.connections.get('rest', ref('rest'))) as unknown as VendorConnection;
      await t.a.connections.close(SESSION);

      held.lose(new Error('closed'));
      await t.bus.settle();

      expect(t.a.lost).toEqual([]);
    });
  });

  it('closes the connection of a session whose lease another worker took (this one was cut off)', async () => {
    const t = cluster();
    const owned = (await t.a.connections.get('stateful', ref('stateful'))) as unknown as VendorConnection;
    await t.bus.settle();
    await t.b.ownership.claim(SESSION, t.a.ownership.workerId);

    await t.a.ownership.renewAll();
    await t.bus.settle();

    expect(owned.close).toHaveBeenCalledTimes(1);
    expect(t.bus.subscribers(SPEAK_SUBJECT)).toBe(0);
    expect(t.a.connections.heldSessions()).toEqual([]);
    // The new owner's lease stays.
    expect(t.holder()).toBe(t.b.ownership.workerId);
  });

  it('moves to the new vendor session after a failover: the old connection is closed, a new one opened', async () => {
    const t = cluster();
    const old = (await t.a.connections.get('stateful', ref('stateful', 'vs-1'))) as unknown as VendorConnection;

    const next = await t.a.connections.get('rest', ref('rest', 'vs-2'));

    expect(old.close).toHaveBeenCalledTimes(1);
    expect(next).toBe(t.a.vendors.opened[1]);
    expect(t.a.vendors.rest.connect).toHaveBeenCalledWith(ref('rest', 'vs-2'));
    expect(t.holder()).toBeUndefined();
  });

  it('moves to a new vendor session of the same provider', async () => {
    const t = cluster();
    const old = (await t.a.connections.get('stateful', ref('stateful', 'vs-1'))) as unknown as VendorConnection;

    await t.a.connections.get('stateful', ref('stateful', 'vs-2'));

    expect(old.close).toHaveBeenCalledTimes(1);
    expect(t.a.vendors.stateful.connect).toHaveBeenLastCalledWith(ref('stateful', 'vs-2'));
    expect(t.holder()).toBe(t.a.ownership.workerId);
  });
});
