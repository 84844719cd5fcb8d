import { AUDIO_BUFFER_SAMPLE_RATE, COMMANDS, TenantScopes, WS_ERROR_CODES } from '@avatar/contracts';
import { AudioBufferStore, CommandBus, CommandError, SessionScope } from '@avatar/messaging';
import type { NotifierConfig } from '../notifier-config';
import type { SessionClient } from '../relay/session-client';
import { AudioInput } from './audio-input';

const SCOPE: SessionScope = { tenantId: TenantScopes.ofRecord('11111111-1111-4111-8111-111111111111'), sessionId: '22222222-2222-4222-8222-222222222222' };
const CONFIG = { AUDIO_BUFFER_MAX_SECONDS: 2, COMMAND_TIMEOUT_MS: 1234 } as NotifierConfig;
const MAX_BYTES = 2 * AUDIO_BUFFER_SAMPLE_RATE * 2;

/** `seconds` of raw PCM s16le at the buffer rate, base64 as the client sends it. */
const pcm = (seconds: number) => Buffer.alloc(Math.round(seconds * AUDIO_BUFFER_SAMPLE_RATE) * 2, 1).toString('base64');

/** A promise the test resolves when it wants. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The part of a SessionClient the audio input uses: its scope, its error events and its own messages. */
function fakeClient(scope: SessionScope = SCOPE) {
  const client = { scope, sendError: jest.fn(), sendLocal: jest.fn() };
  return {
    client: client as unknown as SessionClient,
    sendError: client.sendError,
    /** The messages sent to this socket only (SessionClient stamps them with the socket's id). */
    messages: () => client.sendLocal.mock.calls.map(([{ type, ...body }]: [{ type: string } & Record<string, unknown>]) => ({ type, body: { session_id: scope.sessionId, type, ...body } as Record<string, unknown> })),
  };
}

function setup() {
  const log: string[] = [];
  const store = {
    append: jest.fn(async (_scope: SessionScope, chunk: Buffer, _max: number) => {
      log.push(`append:${chunk.length}`);
      return { ok: true, bytes: chunk.length };
    }),
    clear: jest.fn(async () => 0),
  };
  const commands = {
    request: jest.fn(async () => {
      log.push('commit');
      return { task_id: 'task-1', duration: 1.5 };
    }),
  };
  const input = new AudioInput(store as unknown as AudioBufferStore, commands as unknown as CommandBus, CONFIG);
  return { input, store, commands, log };
}

describe('AudioInput', () => {
  describe('append', () => {
    it("buffers the decoded chunk in the session's buffer, bounded by the configured seconds", async () => {
      const t = setup();
      const c = fakeClient();

      await t.input.append(c.client, pcm(0.5), AUDIO_BUFFER_SAMPLE_RATE);

      expect(t.store.append).toHaveBeenCalledWith(SCOPE, Buffer.from(pcm(0.5), 'base64'), MAX_BYTES);
      expect(c.sendError).not.toHaveBeenCalled();
    });

    it('refuses invalid audio with AUDIO_INVALID, saying why, and stores nothing', async () => {
      const t = setup();
      const c = fakeClient();

      await t.input.append(c.client, Buffer.alloc(3).toString('base64'), AUDIO_BUFFER_SAMPLE_RATE);

      expect(c.sendError).toHaveBeenCalledWith(WS_ERROR_CODES.AUDIO_INVALID, expect.stringMatching(/^audio_buffer_append refused: .*2-byte samples/));
      expect(t.store.append).not.toHaveBeenCalled();
    });

    it('says AUDIO_BUFFER_FULL with the seconds buffered, the chunk and the bound when the buffer would overflow', async () => {
      const t = setup();
      t.store.append.mockResolvedValueOnce({ ok: false, bytes: MAX_BYTES - 4800 });
      const c = fakeClient();

      await t.input.append(c.client, pcm(0.5), AUDIO_BUFFER_SAMPLE_RATE);

      expect(c.sendError).toHaveBeenCalledTimes(1);
      expect(c.sendError).toHaveBeenCalledWith(WS_ERROR_CODES.AUDIO_BUFFER_FULL, expect.stringContaining('1.90 s buffered, this chunk adds 0.50 s, at most 2 s'));
    });

    it('says COMMAND_FAILED when the buffer is unreachable, and later messages still run', async () => {
      const t = setup();
      t.store.append.mockRejectedValueOnce(new Error('redis down'));
      const c = fakeClient();

      await t.input.append(c.client, pcm(0.1), AUDIO_BUFFER_SAMPLE_RATE);
      await t.input.append(c.client, pcm(0.1), AUDIO_BUFFER_SAMPLE_RATE);

      expect(c.sendError).toHaveBeenCalledWith(WS_ERROR_CODES.COMMAND_FAILED, 'audio buffer unavailable: redis down');
      expect(t.store.append).toHaveBeenCalledTimes(2);
    });
  });

  it("runs one socket's messages in order: a commit waits for the appends sent before it", async () => {
    const t = setup();
    const slow = deferred<{ ok: true; bytes: number }>();
    t.store.append.mockImplementationOnce(async () => {
      t.log.push('append:slow');
      const result = await slow.promise;
      t.log.push('append:slow done');
      return result;
    });
    const c = fakeClient();

    const first = t.input.append(c.client, pcm(0.1), AUDIO_BUFFER_SAMPLE_RATE);
    const second = t.input.append(c.client, pcm(0.2), AUDIO_BUFFER_SAMPLE_RATE);
    const commit = t.input.commit(c.client);
    await new Promise((resolve) => setImmediate(resolve));

    expect(t.log).toEqual(['append:slow']);
    expect(t.commands.request).not.toHaveBeenCalled();

    slow.resolve({ ok: true, bytes: 4800 });
    await Promise.all([first, second, commit]);

    expect(t.log).toEqual(['append:slow', 'append:slow done', `append:${0.2 * AUDIO_BUFFER_SAMPLE_RATE * 2}`, 'commit']);
  });

  it("does not make one socket wait for another's", async () => {
    const t = setup();
    t.store.append.mockImplementationOnce(() => new Promise(() => undefined));
    const a = fakeClient();
    const b = fakeClient({ ...SCOPE, sessionId: '33333333-3333-4333-8333-333333333333' });

    void t.input.append(a.client, pcm(0.1), AUDIO_BUFFER_SAMPLE_RATE);
    await t.input.commit(b.client);

    expect(t.commands.request).toHaveBeenCalledTimes(1);
  });

  describe('commit', () => {
    it('asks a worker to make the buffer a task and tells this socket audio_buffer.committed with the task and its seconds', async () => {
      const t = setup();
      const c = fakeClient();

      await t.input.commit(c.client);

      expect(t.commands.request).toHaveBeenCalledWith(SCOPE, COMMANDS.COMMIT_AUDIO, {}, 1234);
      expect(c.messages()).toEqual([
        { type: 'audio_buffer.committed', body: { session_id: SCOPE.sessionId, type: 'audio_buffer.committed', task_id: 'task-1', duration: 1.5 } },
      ]);
      expect(c.sendError).not.toHaveBeenCalled();
    });

    it("answers a worker's refusal with its WS error code (AUDIO_BUFFER_EMPTY)", async () => {
      const t = setup();
      t.commands.request.mockRejectedValueOnce(new CommandError('AUDIO_BUFFER_EMPTY', 'nothing buffered'));
      const c = fakeClient();

      await t.input.commit(c.client);

      expect(c.sendError).toHaveBeenCalledWith(WS_ERROR_CODES.AUDIO_BUFFER_EMPTY, 'audio_buffer_commit failed: nothing buffered');
      expect(c.messages()).toEqual([]);
    });

    it.each([
      ['a command error without a WS code (no worker)', new CommandError('NO_WORKER', 'no worker holds the session')],
      ['any other failure', new Error('boom')],
    ])('answers COMMAND_FAILED for %s', async (_, error) => {
      const t = setup();
      t.commands.request.mockRejectedValueOnce(error);
      const c = fakeClient();

      await t.input.commit(c.client);

      expect(c.sendError).toHaveBeenCalledWith(WS_ERROR_CODES.COMMAND_FAILED, `audio_buffer_commit failed: ${error.message}`);
    });
  });

  it('clear drops the buffer and tells this socket audio_buffer.cleared with the seconds dropped', async () => {
    const t = setup();
    t.store.clear.mockResolvedValueOnce(AUDIO_BUFFER_SAMPLE_RATE * 2 * 1.25);
    const c = fakeClient();

    await t.input.clear(c.client);

    expect(t.store.clear).toHaveBeenCalledWith(SCOPE);
    expect(c.messages()).toEqual([{ type: 'audio_buffer.cleared', body: { session_id: SCOPE.sessionId, type: 'audio_buffer.cleared', duration: 1.25 } }]);
  });
});
