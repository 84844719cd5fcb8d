// The client → server half of the WebSocket protocol against the real platform: audio
// buffers (append, commit, clear), listening, and their errors. The server → client half
// (frame, audio, status, task and session events) is what each test then observes.
import { encodeWav } from '../../libs/tts/src';
import { apiClient, ApiClient, EventSocket, openSocket, refusedStatus, sessionSocketUrl, SocketEvent, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

const BUFFER_MAX_SECONDS = 3;
const RATE = 24_000;

/** PCM s16le mono: `silence` seconds of silence, then `tone` seconds of a loud 220 Hz tone. */
function pcm(rate: number, silence: number, tone: number): Buffer {
  const silent = Math.round(silence * rate);
  const total = silent + Math.round(tone * rate);
  const samples = Int16Array.from({ length: total }, (_, i) => (i < silent ? 0 : Math.round(12_000 * Math.sin((2 * Math.PI * 220 * i) / rate))));
  return Buffer.from(samples.buffer);
}

const append = (socket: EventSocket, audio: Buffer, sampleRate?: number) =>
  socket.send({ type: 'audio_buffer_append', data: { audio: audio.toString('base64'), ...(sampleRate ? { sample_rate: sampleRate } : {}) } });

/** Appends `audio` in pieces of `chunkSeconds` (as a client streaming its microphone would). */
function appendInChunks(socket: EventSocket, audio: Buffer, rate: number, chunkSeconds = 0.25): void {
  const step = Math.round(chunkSeconds * rate) * 2;
  for (let offset = 0; offset < audio.length; offset += step) append(socket, audio.subarray(offset, offset + step), rate);
}

const errorOf = (socket: EventSocket, code: string) => socket.waitFor((e) => e.type === 'error' && e.code === code);
const committed = (socket: EventSocket, after = 0) => socket.waitFor((e) => e.type === 'audio_buffer.committed' && socket.events.indexOf(e) >= after);

describe('WebSocket protocol: client audio, listening, and their errors', () => {
  let platform: Platform;
  let api: ApiClient;

  beforeAll(async () => {
    platform = await startPlatform({ env: { AUDIO_BUFFER_MAX_SECONDS: String(BUFFER_MAX_SECONDS) } });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('commits streamed audio (16 kHz PCM and a WAV) into a task the avatar speaks: the audio goes out again, the mouth moves with its energy', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));

    appendInChunks(socket, pcm(16_000, 0.6, 0.8), 16_000);
    append(socket, encodeWav(pcm(8_000, 0, 0.2), 8_000));
    socket.send({ type: 'audio_buffer_commit' });
    const ack = await committed(socket);
    const completed = await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === ack.task_id);

    // 0.6 + 0.8 s of PCM and 0.2 s of WAV, all at 24 kHz in the buffer.
    expect(ack.duration).toBeCloseTo(1.6, 2);
    expect(completed.duration).toBeCloseTo(1.6, 1);
    const audio = socket.events.filter((e) => e.type === 'audio' && e.task_id === ack.task_id);
    expect(audio.length).toBeGreaterThan(0);
    expect(audio.reduce((sum, e) => sum + e.duration, 0)).toBeCloseTo(1.6, 2);
    // Frames: a closed mouth over the leading silence, an open one over the tone.
    const frames = socket.events.filter((e) => e.type === 'frame' && e.task_id === ack.task_id);
    const startedAt = frames[0].timestamp;
    const during = (from: number, to: number) => frames.filter((f) => f.timestamp - startedAt >= from && f.timestamp - startedAt < to).map((f) => f.viseme);
    expect(new Set(during(0, 0.45))).toEqual(new Set(['sil']));
    expect(during(0.8, 1.3).filter((v) => v !== 'sil').length).toBeGreaterThan(during(0.8, 1.3).length / 2);
    await socket.close();
  });

  it('speaks committed audio in line with text tasks, in the order they were queued', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const first = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'First, some words.' })).body.task_id;
    append(socket, pcm(RATE, 0, 0.5));
    socket.send({ type: 'audio_buffer_commit' });
    const audioTask = (await committed(socket)).task_id;
    const last = (await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'And then the end.' })).body.task_id;

    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === last);

    const started = socket.events.filter((e) => e.type === 'task.started').map((e) => e.task_id);
    expect(started).toEqual([first, audioTask, last]);
    await socket.close();
  });

  it('one session, one buffer: audio appended on one socket is committed from another', async () => {
    const { sessionId, token } = await startedSession(api);
    const a = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const b = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token, '&sample_rate=16000'));

    append(a, pcm(RATE, 0, 0.5));
    append(b, pcm(16_000, 0, 0.5));
    await new Promise((r) => setTimeout(r, 300));
    b.send({ type: 'audio_buffer_commit' });

    expect((await committed(b)).duration).toBeCloseTo(1.0, 2);
    expect(a.events.some((e) => e.type === 'audio_buffer.committed')).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  it(`bounds the buffer at ${BUFFER_MAX_SECONDS} s: the chunk that does not fit is refused, what was buffered is kept`, async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));

    append(socket, pcm(RATE, 0, 2));
    append(socket, pcm(RATE, 0, 1.5));
    const full = await errorOf(socket, 'AUDIO_BUFFER_FULL');
    socket.send({ type: 'audio_buffer_commit' });

    expect(full.message).toMatch(/2\.00 s buffered.*1\.50 s.*at most 3 s/);
    expect((await committed(socket)).duration).toBeCloseTo(2, 3);
    await socket.close();
  });

  it('clear drops the buffer; a commit with nothing buffered is an error', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));

    append(socket, pcm(RATE, 0, 0.75));
    socket.send({ type: 'audio_buffer_clear' });
    const cleared = await socket.waitFor((e) => e.type === 'audio_buffer.cleared');
    socket.send({ type: 'audio_buffer_commit' });

    expect(cleared.duration).toBeCloseTo(0.75, 3);
    expect((await errorOf(socket, 'AUDIO_BUFFER_EMPTY')).message).toMatch(/empty/);
    expect(socket.events.some((e) => e.type === 'task.started')).toBe(false);
    await socket.close();
  });

  it('a commit before the session starts is refused and loses nothing: after the start the same audio commits', async () => {
    const created = await api.post('/v1/streaming.new', { quality: 'medium' });
    const sessionId = created.body.session_id;
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, created.body.access_token));

    append(socket, pcm(RATE, 0, 0.5));
    socket.send({ type: 'audio_buffer_commit' });
    expect((await errorOf(socket, 'SESSION_NOT_ACTIVE')).message).toMatch(/created/);
    await api.post('/v1/streaming.start', { session_id: sessionId });
    socket.send({ type: 'audio_buffer_commit' });

    const ack = await committed(socket);
    expect(ack.duration).toBeCloseTo(0.5, 3);
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === ack.task_id);
    await socket.close();
  });

  it('refuses malformed audio with a clear error and keeps the socket and the buffer', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    append(socket, pcm(RATE, 0, 0.25));

    socket.send({ type: 'audio_buffer_append', data: { audio: Buffer.alloc(3).toString('base64') } });
    expect((await errorOf(socket, 'AUDIO_INVALID')).message).toMatch(/2-byte samples/);
    socket.send({ type: 'audio_buffer_append', data: { audio: 'not base64!' } });
    expect((await errorOf(socket, 'INVALID_MESSAGE')).message).toMatch(/audio/);
    socket.send({ type: 'audio_buffer_append', data: { audio: 'AAAA', sample_rate: 96_000 } });
    await socket.waitFor((e) => e.type === 'error' && e.code === 'INVALID_MESSAGE' && /sample_rate/.test(e.message));
    socket.send({ type: 'audio_buffer_append' });
    await socket.waitFor((e) => e.type === 'error' && e.code === 'INVALID_MESSAGE' && /data/.test(e.message));
    socket.send({ type: 'audio_buffer_commit' });

    expect((await committed(socket)).duration).toBeCloseTo(0.25, 3);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    await socket.close();
  });

  it('refuses a socket whose declared sample_rate is out of range (HTTP 400 before the upgrade)', async () => {
    const { sessionId, token } = await startedSession(api);

    const refused = await refusedStatus(sessionSocketUrl(platform.wsUrl, sessionId, token, '&sample_rate=4000'));

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('start_listening and stop_listening reach every watcher as status events (stored: a late socket replays them)', async () => {
    const { sessionId, token } = await startedSession(api);
    const a = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const b = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));

    a.send({ type: 'start_listening' });
    const listening = await b.waitFor((e) => e.type === 'status' && e.status === 'listening');
    a.send({ type: 'stop_listening' });
    await b.waitFor((e) => e.type === 'status' && e.status === 'idle' && e.id! > listening.id!);
    const late = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    const replayed = await late.waitFor((e) => e.type === 'status' && e.status === 'idle' && e.message === 'Avatar stopped listening');

    expect(listening.message).toBe('Avatar is listening');
    expect(late.events.findIndex((e: SocketEvent) => e.status === 'listening')).toBeLessThan(late.events.indexOf(replayed));
    await Promise.all([a.close(), b.close(), late.close()]);
  });

  it('interrupt stops an audio task mid-way: task.interrupted, and no frame or audio of it after', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    append(socket, pcm(RATE, 0, 2.5));
    socket.send({ type: 'audio_buffer_commit' });
    const ack = await committed(socket);
    await socket.waitFor((e) => e.type === 'frame' && e.task_id === ack.task_id && e.frame_id >= 10);

    socket.send({ type: 'interrupt' });
    const interrupted = await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === ack.task_id);
    await new Promise((r) => setTimeout(r, 400));

    const after = socket.events.slice(socket.events.indexOf(interrupted) + 1);
    expect(after.filter((e) => (e.type === 'frame' || e.type === 'audio') && e.task_id === ack.task_id)).toEqual([]);
    expect(socket.events.some((e) => e.type === 'task.completed' && e.task_id === ack.task_id)).toBe(false);
    await socket.close();
  });
});
