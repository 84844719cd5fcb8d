import { COMMANDS, OwnerSpeakCommand, subjects, TenantScopes } from '@avatar/contracts';
import { CommandBus, encodeJson } from '@avatar/messaging';
import { ProviderConnection, ProviderError, ProviderMediaEvent, SpeechOutcome, SpeechRequest } from '@avatar/providers';
import { fakeNatsBus } from '@avatar/testing';
import { RemoteConnection } from './remote-connection';
import type { SessionOwnership } from './session-ownership';

const SCOPE = { tenantId: TenantScopes.ofRecord('tenant-1'), sessionId: 'session-1' };
const TASK = '33333333-3333-4333-8333-333333333333';
const OWNER = 'owner-worker';
const REQUEST: SpeechRequest = { taskId: TASK, text: 'hello there', voiceId: 'v1', voiceSettings: { speed: 1.1 } };

const frame = (n: number) => ({ type: 'frame', task_id: TASK, frame_id: n, timestamp: n, viseme: 'A', data: 'AAAA', mime_type: 'image/png' });
const audio = { type: 'audio', task_id: TASK, data: 'UklG', duration: 0.04, sample_rate: 16000 };

type OwnerScript = (command: OwnerSpeakCommand, send: (message: unknown) => void) => void | Promise<void>;

/**
 * The asker's RemoteConnection on a shared in-memory NATS with a real CommandBus;
 * `owner(script)` makes a fake owner that accepts the speak request and then plays
 * `script` to the asker's inbox. `ownerOf` answers the lease's holder (OWNER by default).
 */
function setup() {
  const bus = fakeNatsBus();
  const commands = new CommandBus(bus.nc);
  const ownership = { ownerOf: jest.fn(async (_id: string): Promise<string | null> => OWNER), claim: jest.fn(async (_id: string, _dead?: string) => true) };
  // The vendor connection this worker opens once it has taken the session over.
  const local = { speak: jest.fn(async (): Promise<SpeechOutcome> => ({ spokenSeconds: 3, interrupted: false })), keepAlive: jest.fn(), close: jest.fn() };
  const takeOver = jest.fn(async (): Promise<ProviderConnection> => local);
  const connection = new RemoteConnection({ nc: bus.nc, commands, ownership: ownership as unknown as SessionOwnership, scope: SCOPE, provider: 'liveavatar', owner: OWNER, takeOver });
  const received: OwnerSpeakCommand[] = [];
  const owner = (script: OwnerScript) =>
    commands.handleSession<unknown, { accepted: true }>(
      SCOPE,
      COMMANDS.SPEAK,
      async (_scope, body) => {
        const command = OwnerSpeakCommand.parse(body);
        received.push(command);
        // Answers first, then speaks: as the real owner does.
        setImmediate(() => void script(command, (message) => bus.nc.publish(command.inbox, encodeJson(message))));
        return { accepted: true };
      },
      (err) => {
        throw err;
      },
    );
  const halts = () => bus.bodies<{ task_ids: string[] }>(subjects.command(SCOPE.tenantId, SCOPE.sessionId, COMMANDS.HALT));
  const emitted: ProviderMediaEvent[] = [];
  const emit = jest.fn(async (event: ProviderMediaEvent) => void emitted.push(event));
  return { bus, commands, ownership, connection, owner, received, halts, emit, emitted, local, takeOver };
}

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('RemoteConnection', () => {
  it('asks the owner to speak the task on the session speak subject, with an inbox of its own', async () => {
    const t = setup();
    t.owner((_c, send) => send({ outcome: { spoken_seconds: 1, interrupted: false } }));

    await t.connection.speak(REQUEST, t.emit, new AbortController().signal);

    expect(t.received).toEqual([{ task_id: TASK, text: 'hello there', voice_id: 'v1', voice_settings: { speed: 1.1 }, inbox: expect.stringMatching(/^_INBOX\./) }]);
    expect(t.bus.published[0].subject).toBe(`cmd.tenant-1.session-1.speak`);
  });

  it('relays the media the owner streams through emit, in order, and answers its outcome', async () => {
    const t = setup();
    t.owner((_c, send) => {
      send({ event: frame(1) });
      send({ event: audio });
      send({ event: frame(2) });
      send({ outcome: { spoken_seconds: 1.25, interrupted: false } });
    });

    const outcome = await t.connection.speak(REQUEST, t.emit, new AbortController().signal);

    expect(outcome).toEqual({ spokenSeconds: 1.25, interrupted: false });
    expect(t.emitted).toEqual([frame(1), audio, frame(2)]);
  });

  it('waits for each emit before relaying the next event (the emit path keeps the order)', async () => {
    const t = setup();
    const log: string[] = [];
    t.emit.mockImplementation(async (event) => {
      log.push(`start ${(event as { frame_id?: number }).frame_id}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`end ${(event as { frame_id?: number }).frame_id}`);
    });
    t.owner((_c, send) => {
      send({ event: frame(1) });
      send({ event: frame(2) });
      send({ outcome: { spoken_seconds: 0.08, interrupted: false } });
    });

    await t.connection.speak(REQUEST, t.emit, new AbortController().signal);

    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('stops listening on its inbox once the outcome is in', async () => {
    const t = setup();
    t.owner((_c, send) => send({ outcome: { spoken_seconds: 1, interrupted: false } }));

    await t.connection.speak(REQUEST, t.emit, new AbortController().signal);

    expect(t.bus.subscribers(t.received[0].inbox)).toBe(0);
  });

  it("rethrows the owner's typed failure as a ProviderError with its kind, retryability and details", async () => {
    const t = setup();
    t.owner((_c, send) =>
      send({ error: { message: 'liveavatar: rate limited', details: { provider: 'liveavatar', kind: 'rate_limited', retryable: true, retry_after: 7, vendor_status: 429 } } }),
    );

    const err = await t.connection.speak(REQUEST, t.emit, new AbortController().signal).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ message: 'liveavatar: rate limited', provider: 'liveavatar', kind: 'rate_limited', retryable: true, retryAfterS: 7, vendorStatus: 429 });
  });

  it("keeps a non-retryable failure non-retryable (the owner's vendor ended the session)", async () => {
    const t = setup();
    t.owner((_c, send) => send({ error: { message: 'ended', details: { provider: 'liveavatar', kind: 'session_ended', retryable: false } } }));

    const err = (await t.connection.speak(REQUEST, t.emit, new AbortController().signal).catch((e: unknown) => e)) as ProviderError;

    expect(err.kind).toBe('session_ended');
    expect(err.retryable).toBe(false);
  });

  it('answers a retryable connection failure for an error the owner sent without details', async () => {
    const t = setup();
    t.owner((_c, send) => send({ error: { message: 'something broke' } }));

    const err = (await t.connection.speak(REQUEST, t.emit, new AbortController().signal).catch((e: unknown) => e)) as ProviderError;

    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ message: 'something broke', kind: 'connection', provider: 'liveavatar', retryable: true });
  });

  describe('an owner that is gone', () => {
    it('takes the session over from an owner that has no responders and speaks the task here, in the same attempt', async () => {
      const t = setup(); // nobody subscribes to the speak subject
      const signal = new AbortController().signal;

      const outcome = await t.connection.speak(REQUEST, t.emit, signal);

      expect(t.ownership.claim).toHaveBeenCalledWith('session-1', OWNER);
      expect(t.takeOver).toHaveBeenCalledTimes(1);
      expect(t.local.speak).toHaveBeenCalledWith(REQUEST, t.emit, signal);
      expect(outcome).toEqual({ spokenSeconds: 3, interrupted: false });
      // Nothing is left listening for the gone owner.
      expect(t.bus.mocks.subscribe.mock.results.every((r) => (r.value as { isClosed: () => boolean }).isClosed())).toBe(true);
    });

    it('takes the session over from an owner that does not accept in time', async () => {
      jest.useFakeTimers();
      const t = setup();
      t.commands.handleSession(SCOPE, COMMANDS.SPEAK, () => new Promise(() => undefined), () => undefined);

      const done = t.connection.speak(REQUEST, t.emit, new AbortController().signal);
      await jest.advanceTimersByTimeAsync(2000);

      await expect(done).resolves.toEqual({ spokenSeconds: 3, interrupted: false });
      expect(t.ownership.claim).toHaveBeenCalledWith('session-1', OWNER);
      expect(t.takeOver).toHaveBeenCalledTimes(1);
    });

    it('fails the attempt retryably when another worker took the session over first', async () => {
      const t = setup();
      t.ownership.claim.mockResolvedValue(false);

      const err = (await t.connection.speak(REQUEST, t.emit, new AbortController().signal).catch((e: unknown) => e)) as ProviderError;

      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ kind: 'connection', provider: 'liveavatar', retryable: true });
      expect(t.takeOver).not.toHaveBeenCalled();
      expect(t.emit).not.toHaveBeenCalled();
    });

    it('lets a failure to open the connection here reach the task', async () => {
      const t = setup();
      const refused = new ProviderError('ws refused', { kind: 'connection', provider: 'liveavatar' });
      t.takeOver.mockRejectedValue(refused);

      await expect(t.connection.speak(REQUEST, t.emit, new AbortController().signal)).rejects.toBe(refused);
    });

    it('rethrows a refusal of the request itself without taking anything over', async () => {
      const t = setup();
      t.commands.handleSession(
        SCOPE,
        COMMANDS.SPEAK,
        async () => {
          throw Object.assign(new Error('not today'), { code: 'COMMAND_FAILED' });
        },
        () => undefined,
      );

      await expect(t.connection.speak(REQUEST, t.emit, new AbortController().signal)).rejects.toMatchObject({ code: 'COMMAND_FAILED', message: 'not today' });

      expect(t.ownership.claim).not.toHaveBeenCalled();
    });

    it.each([
      ['another worker took the lease', 'other-worker'],
      ['the lease expired', null],
    ])('gives up retryably when %s mid-speech, after relaying what came before', async (_name, holder) => {
      jest.useFakeTimers();
      const t = setup();
      t.owner((_c, send) => send({ event: frame(1) })); // then the owner falls silent

      const done = t.connection.speak(REQUEST, t.emit, new AbortController().signal).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(3500);
      expect(t.emitted).toEqual([frame(1)]);
      t.ownership.ownerOf.mockResolvedValue(holder);
      await jest.advanceTimersByTimeAsync(1000);

      const err = (await done) as ProviderError;
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ kind: 'connection', provider: 'liveavatar', retryable: true });
      expect(err.message).toContain('went away mid-speech');
      expect(t.ownership.ownerOf).toHaveBeenCalledWith('session-1');
    });

    it('keeps waiting while the owner still holds the lease', async () => {
      jest.useFakeTimers();
      const t = setup();
      let finish: () => void = () => undefined;
      t.owner((_c, send) => void (finish = () => send({ outcome: { spoken_seconds: 9, interrupted: false } })));

      const done = t.connection.speak(REQUEST, t.emit, new AbortController().signal);
      await jest.advanceTimersByTimeAsync(10_000);
      finish();

      await expect(done).resolves.toEqual({ spokenSeconds: 9, interrupted: false });
      expect(t.ownership.ownerOf.mock.calls.length).toBeGreaterThanOrEqual(9);
    });

    it('rides out a failed lease check (a Redis blip) without failing the speech or the process', async () => {
      // A rejection nobody handles would crash the worker (Node's default); jest fails the test on it.
      jest.useFakeTimers();
      const t = setup();
      let finish: () => void = () => undefined;
      t.owner((_c, send) => void (finish = () => send({ outcome: { spoken_seconds: 2, interrupted: false } })));
      t.ownership.ownerOf.mockRejectedValueOnce(new Error('Connection is closed.'));

      const done = t.connection.speak(REQUEST, t.emit, new AbortController().signal);
      await jest.advanceTimersByTimeAsync(2500);
      finish();

      await expect(done).resolves.toEqual({ spokenSeconds: 2, interrupted: false });
      expect(t.ownership.ownerOf.mock.calls.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('abort', () => {
    it("broadcasts a halt of the task (the owner's speaker stops) and answers the owner's interrupted outcome", async () => {
      const t = setup();
      const controller = new AbortController();
      t.owner((command, send) => {
        send({ event: frame(1) });
        // The owner stops when the halt reaches it, and says how far it got.
        t.commands.handle(COMMANDS.HALT, false, async (_s, body: { task_ids: string[] }) => {
          if (body.task_ids.includes(command.task_id)) send({ outcome: { spoken_seconds: 0.4, interrupted: true } });
        }, () => undefined);
        controller.abort();
      });

      const outcome = await t.connection.speak(REQUEST, t.emit, controller.signal);

      expect(t.halts()).toEqual([{ task_ids: [TASK] }]);
      expect(outcome).toEqual({ spokenSeconds: 0.4, interrupted: true });
    });

    it('halts at once when the signal was aborted before the owner accepted', async () => {
      const t = setup();
      const controller = new AbortController();
      controller.abort();
      t.owner((_c, send) => send({ outcome: { spoken_seconds: 0, interrupted: true } }));

      await expect(t.connection.speak(REQUEST, t.emit, controller.signal)).resolves.toEqual({ spokenSeconds: 0, interrupted: true });

      expect(t.halts()).toEqual([{ task_ids: [TASK] }]);
    });

    it('answers interrupted by itself when the owner never confirms the halt', async () => {
      jest.useFakeTimers();
      const t = setup();
      const controller = new AbortController();
      t.owner(() => controller.abort()); // and then nothing

      const done = t.connection.speak(REQUEST, t.emit, controller.signal);
      await jest.advanceTimersByTimeAsync(2000);

      await expect(done).resolves.toEqual({ spokenSeconds: 0, interrupted: true });
      expect(t.halts()).toEqual([{ task_ids: [TASK] }]);
    });

    it('broadcasts no halt for a speech that was not aborted', async () => {
      const t = setup();
      t.owner((_c, send) => send({ outcome: { spoken_seconds: 1, interrupted: false } }));

      await t.connection.speak(REQUEST, t.emit, new AbortController().signal);

      expect(t.halts()).toEqual([]);
    });
  });

  it('keeps nothing alive and closes nothing itself: the owner does', async () => {
    const t = setup();

    await t.connection.keepAlive();
    await t.connection.close();

    expect(t.bus.published).toEqual([]);
  });
});
