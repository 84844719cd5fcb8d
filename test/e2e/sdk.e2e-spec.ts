// @avatar/sdk's Node build (packages/sdk/dist/node, what `npm pack` publishes) against the
// running platform: sessions, speech and its events, chat, interrupt, stop and billing,
// errors, the browser mode's token-only connection, a notifier killed in the middle of
// speech (the SDK reconnects and resumes with last_event_id) and token refresh.
import type * as Sdk from '../../packages/sdk/src/node';
import { Platform, startPlatform } from '../support/platform';

// The built bundle, not the sources: the test covers what users install.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk: typeof Sdk = require('../../packages/sdk/dist/node/index.cjs');

type Message = Sdk.ServerMessage;
const LONG_TEXT = Array.from({ length: 6 }, (_, i) => `Sentence number ${i + 1} keeps the avatar talking for a while longer.`).join(' ');

/** Records everything a connection receives, in order. */
function record(connection: Sdk.SessionConnection): Message[] {
  const messages: Message[] = [];
  connection.on('message', (m) => messages.push(m));
  return messages;
}

function lifecycleIds(messages: Message[]): number[] {
  return messages.filter((m) => m.type !== 'frame' && m.type !== 'audio' && m.type !== 'error').map((m) => m.id);
}

describe('@avatar/sdk (Node build) against the platform', () => {
  let platform: Platform;
  let client: Sdk.AvatarClient;

  beforeAll(async () => {
    platform = await startPlatform();
    client = new sdk.AvatarClient({ apiUrl: `${platform.apiUrl}/v1`, wsUrl: `${platform.wsUrl}/ws`, apiKey: platform.tenants.a.apiKey });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('creates and starts a session, speaks: frames with mouth shapes, then task.completed; stop answers the billed duration and ends the connection', async () => {
    const session = await client.createSession({ quality: 'medium', provider: 'local' });
    expect(session.started).toMatchObject({ status: 'started', provider: 'local' });
    const messages = record(session);
    await session.connect();
    const completed = session.waitFor('task.completed');
    const { task_id } = await session.speak('Welcome to our demo, everyone!');
    expect((await completed).task_id).toBe(task_id);

    const frames = messages.filter((m): m is Extract<Message, { type: 'frame' }> => m.type === 'frame' && m.task_id === task_id);
    expect(frames.length).toBeGreaterThan(10);
    expect(new Set(frames.map((f) => f.viseme)).size).toBeGreaterThan(2);
    expect(messages.findIndex((m) => m.type === 'task.started')).toBeLessThan(messages.findIndex((m) => m.type === 'frame'));

    const closed = session.waitFor('closed');
    const stopped = await session.stop();
    expect(stopped).toMatchObject({ status: 'stopped' });
    expect(stopped.billed_seconds).toBe(Math.ceil(stopped.duration));
    expect((await closed).reason).toBe('session stopped');
    const event = messages.find((m) => m.type === 'session.stopped') as Extract<Message, { type: 'session.stopped' }>;
    expect(event).toMatchObject({ duration: stopped.duration, billed_seconds: stopped.billed_seconds, reason: 'client_stop' });
    expect(session.state).toBe('closed');
  });

  it('streams a chat reply: the deltas add up to the reply, awaiting gives the same text, and the avatar speaks it', async () => {
    const session = await client.createSession({ provider: 'local' });
    await session.connect();
    const agentMessage = session.waitFor('chat', (m) => m.role === 'agent');
    const deltas: string[] = [];
    const reply = session.chat('Hello there, how are you?');
    for await (const delta of reply) deltas.push(delta);
    const { text, finishReason } = await reply.result;
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(text);
    expect(text).toMatch(/^\(Offline scripted responder/);
    expect(finishReason).toBe('stop');
    expect((await agentMessage).content).toBe(text);
    await session.waitFor('task.completed');
    expect(await session.chat('And again?')).toMatch(/^\(Offline scripted responder/);
    await session.stop();
  });

  it('interrupts: the speaking task ends as interrupted and no frame of it follows', async () => {
    const session = await client.createSession({ provider: 'local' });
    const messages = record(session);
    await session.connect();
    const firstFrame = session.waitFor('frame');
    const { task_id } = await session.speak(LONG_TEXT);
    await firstFrame;
    const interrupted = session.waitFor('task.interrupted', (e) => e.task_id === task_id);
    const answer = await session.interrupt();
    expect(answer.interrupted_task_ids).toContain(task_id);
    await interrupted;
    const idle = session.waitFor('status', (e) => e.status === 'idle');
    await idle;
    const after = messages.slice(messages.findIndex((m) => m.type === 'task.interrupted'));
    expect(after.filter((m) => m.type === 'frame' && m.task_id === task_id)).toEqual([]);
    await session.stop();
  });

  it('answers refusals as AvatarApiError with the envelope’s code, status and details', async () => {
    const stranger = client.session('00000000-0000-4000-8000-000000000000', 'no-token');
    const error = await stranger.speak('hello').catch((e) => e);
    expect(error).toBeInstanceOf(sdk.AvatarApiError);
    expect(error).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
    const badKey = new sdk.AvatarClient({ apiUrl: `${platform.apiUrl}/v1`, wsUrl: `${platform.wsUrl}/ws`, apiKey: 'ak_wrong' });
    await expect(badKey.providers()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const tooLong = await (await client.createSession({ provider: 'local' })).speak('x'.repeat(6000)).catch((e) => e);
    expect(tooLong).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
  });

  it('browser mode: a SessionConnection with only the session token watches the session and interrupts over the socket', async () => {
    const backend = await client.createSession({ provider: 'local' });
    const { access_token } = await client.issueToken(backend.id);
    const frontend = new sdk.SessionConnection({ wsUrl: `${platform.wsUrl}/ws`, sessionId: backend.id, token: access_token, refreshToken: async () => (await client.issueToken(backend.id)).access_token });
    await frontend.connect();
    const firstFrame = frontend.waitFor('frame');
    const { task_id } = await backend.speak(LONG_TEXT);
    await firstFrame;
    const interrupted = frontend.waitFor('task.interrupted');
    frontend.interrupt();
    expect((await interrupted).task_id).toBe(task_id);
    frontend.disconnect();
    expect(frontend.state).toBe('closed');
    await backend.stop();
  });

  it('a notifier killed in the middle of speech: the SDK reconnects to its successor and resumes with last_event_id, every lifecycle event once', async () => {
    const session = await client.createSession({ provider: 'local' });
    const messages = record(session);
    const reconnects: unknown[] = [];
    session.on('reconnecting', (r) => reconnects.push(r));
    await session.connect();
    const firstFrame = session.waitFor('frame');
    const { task_id } = await session.speak(LONG_TEXT);
    await firstFrame;

    const notifier = platform.apps.find((app) => app.name === 'notifier' && !app.exit())!;
    await notifier.stop('SIGKILL');
    const back = session.waitFor('state', (s) => s === 'open', 30_000);
    await platform.startApp('notifier');
    await back;
    await session.waitFor('task.completed', (e) => e.task_id === task_id, 60_000);

    expect(reconnects.length).toBeGreaterThan(0);
    const ids = lifecycleIds(messages);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const types = messages.map((m) => m.type);
    expect(types.filter((t) => t === 'task.started')).toHaveLength(1);
    expect(types.filter((t) => t === 'task.completed')).toHaveLength(1);
    // Frames after the reconnect: the live feed came back.
    expect(messages.slice(types.lastIndexOf('task.started') + 1).some((m) => m.type === 'frame')).toBe(true);
    await session.stop();
  });
});

describe('@avatar/sdk token refresh (session tokens that live 4 s)', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ env: { SESSION_TOKEN_TTL_SECONDS: '4' } });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('keeps the session connected across several token lifetimes: each expiry (4001) is met with a refreshed token, no event lost', async () => {
    const client = new sdk.AvatarClient({ apiUrl: `${platform.apiUrl}/v1`, wsUrl: `${platform.wsUrl}/ws`, apiKey: platform.tenants.a.apiKey });
    const session = await client.createSession({ provider: 'local' });
    const messages = record(session);
    const tokens = new Set<string>([session.accessToken]);
    session.on('state', () => tokens.add(session.accessToken));
    const drops: Array<{ code?: number }> = [];
    session.on('reconnecting', (r) => drops.push(r));
    await session.connect();
    const tasks: string[] = [];
    for (let i = 0; i < 4; i++) {
      const done = session.waitFor('task.completed', undefined, 20_000);
      tasks.push((await session.speak(`Round ${i + 1}: a few words to keep the session busy for a couple of seconds.`)).task_id);
      await done;
    }
    expect(drops.some((d) => d.code === 4001)).toBe(true);
    expect(tokens.size).toBeGreaterThan(2);
    expect(session.state).toBe('open');
    const completed = messages.filter((m) => m.type === 'task.completed').map((m) => (m as { task_id: string }).task_id);
    expect(completed).toEqual(tasks);
    await session.stop();
  });
});
