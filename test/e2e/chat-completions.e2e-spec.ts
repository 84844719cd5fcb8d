// POST /v1/chat.completions on real processes, against a local fake of an
// OpenAI-compatible API: the SSE format, speech sentence by sentence while the reply
// streams, the conversation kept per session, interrupts, upstream failures before and
// during the stream, limits, and the offline scripted engine.
import * as infra from '../../scripts/infra';
import { OpenAiChatFake } from '../../libs/testing/src/fakes/openai-chat-fake';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { createTenant, Platform, startPlatform, TEST_ADMIN_TOKEN, TestTenant } from '../support/platform';

const STALL_MS = 800;

interface SseEvent {
  at: number;
  data: string;
}

interface SseAnswer {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** The JSON body, when the answer was not a stream (an error before the first piece). */
  body?: any;
  endedAt: number;
}

/** Posts a chat request and reads its server-sent events as they arrive, with their arrival times. */
async function chatStream(baseUrl: string, apiKey: string, body: Record<string, unknown>, onEvent?: (event: SseEvent) => void): Promise<SseAnswer> {
  const response = await fetch(`${baseUrl}/v1/chat.completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, ...body }),
  });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { status: response.status, headers: response.headers, events: [], body: await response.json(), endedAt: Date.now() };
  }
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of block.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const event = { at: Date.now(), data: line.slice(6) };
        events.push(event);
        onEvent?.(event);
      }
    }
  }
  return { status: response.status, headers: response.headers, events, endedAt: Date.now() };
}

const deltasOf = (answer: SseAnswer) =>
  answer.events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data)).filter((d) => d.choices?.[0]?.delta?.content !== undefined).map((d) => d.choices[0].delta.content as string);

describe('chat.completions: streamed replies, spoken sentence by sentence', () => {
  let platform: Platform;
  let fake: OpenAiChatFake;
  let admin: ApiClient;
  let tenant: TestTenant;
  let api: ApiClient;

  beforeAll(async () => {
    fake = await new OpenAiChatFake().start();
    platform = await startPlatform({
      env: {
        CHAT_API_URL: `${fake.url}/v1`,
        CHAT_API_KEY: OpenAiChatFake.API_KEY,
        CHAT_MODEL: 'fake-model',
        CHAT_STALL_TIMEOUT_MS: String(STALL_MS),
        CHAT_FIRST_TOKEN_TIMEOUT_MS: '2000',
        RATE_LIMITS: 'on',
      },
    });
    admin = apiClient(`${platform.apiUrl}/admin/v1`, TEST_ADMIN_TOKEN);
    tenant = await tenantWith({ sessions_per_minute: 1000, chat_per_minute: 1000, speak_per_minute: 1000 });
    api = apiClient(platform.apiUrl, tenant.apiKey);
  });
  afterAll(async () => {
    await platform?.stop();
    await fake?.stop();
  });
  afterEach(() => {
    fake.clearFaults();
    fake.reply = OpenAiChatFake.DEFAULT_REPLY;
    fake.chunkDelayMs = 0;
  });

  async function tenantWith(limits: Record<string, number>): Promise<TestTenant> {
    const created = await createTenant(platform.db, 'chat tenant');
    expect((await admin.request('PATCH', `/tenants/${created.id}`, { limits })).status).toBe(200);
    return created;
  }

  it('streams the reply as SSE in the reference format, then [DONE]; the same text comes back whole', async () => {
    const { sessionId } = await startedSession(api);

    const answer = await chatStream(platform.apiUrl, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'user', content: 'Hello there' }] });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers.get('traceparent')).toMatch(/^00-/);
    expect(deltasOf(answer)).toEqual(OpenAiChatFake.DEFAULT_REPLY);
    // Each piece exactly as the reference shows it; a finish chunk; the end marker.
    expect(JSON.parse(answer.events[0].data)).toEqual({ choices: [{ delta: { content: 'Hello' } }] });
    expect(JSON.parse(answer.events.at(-2)!.data)).toEqual({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(answer.events.at(-1)!.data).toBe('[DONE]');
    // The engine got the user's turn, with the configured model and the platform's key.
    expect(fake.chatCalls.at(-1)!.body).toMatchObject({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(fake.chatCalls.at(-1)!.headers.authorization).toBe(`Bearer ${OpenAiChatFake.API_KEY}`);
  });

  it('speaks the reply sentence by sentence while it streams: the first sentence is on the avatar before the reply ends', async () => {
    const { sessionId, token } = await startedSession(api);
    const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
    fake.reply = ['Hi', ' there.', ' I am', ' your', ' avatar.', ' This', ' is', ' the', ' third', ' sentence,', ' and', ' it', ' takes', ' a', ' while', ' to', ' arrive.'];
    fake.chunkDelayMs = 120;

    const answer = await chatStream(platform.apiUrl, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'user', content: 'Introduce yourself' }] });

    const firstFrame = socket.events.find((e) => e.type === 'frame');
    expect(firstFrame).toBeDefined();
    // The first frame was on the socket before the stream's end (seconds since the epoch on both sides).
    expect(firstFrame!.timestamp * 1000).toBeLessThan(answer.endedAt - 500);
    const tasks = socket.events.filter((e) => e.type === 'task.started');
    const history = (await api.get(`/v1/sessions/${sessionId}`)).body;
    expect(history.tasks.map((t: { text: string }) => t.text)).toEqual(['Hi there.', 'I am your avatar.', 'This is the third sentence, and it takes a while to arrive.']);
    expect(tasks.length).toBeGreaterThanOrEqual(1);
    // The socket saw the user's message, then the agent's whole reply.
    const chat = socket.events.filter((e) => e.type === 'chat').map((e) => [e.role, e.content]);
    expect(chat).toEqual([
      ['user', 'Introduce yourself'],
      ['agent', fake.reply.join('')],
    ]);
    await socket.close();
  });

  it('keeps the conversation per session: the next turn sends the history, and the session history shows it', async () => {
    const { sessionId } = await startedSession(api);
    fake.reply = (messages) => [`Turn ${messages.filter((m) => m.role === 'user').length}.`];

    await chatStream(platform.apiUrl, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'One' }] });
    const second = await api.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'user', content: 'Two' }] });

    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ object: 'chat.completion', model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: 'Turn 2.' }, finish_reason: 'stop' }] });
    expect(second.body.task_ids).toHaveLength(1);
    expect((fake.chatCalls.at(-1)!.body as { messages: unknown }).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'One' },
      { role: 'assistant', content: 'Turn 1.' },
      { role: 'user', content: 'Two' },
    ]);
    const conversation = (await api.get(`/v1/sessions/${sessionId}`)).body.conversation;
    expect(conversation.map((m: { role: string; content: string; status: string }) => [m.role, m.content, m.status])).toEqual([
      ['system', 'Be brief.', 'complete'],
      ['user', 'One', 'complete'],
      ['assistant', 'Turn 1.', 'complete'],
      ['user', 'Two', 'complete'],
      ['assistant', 'Turn 2.', 'complete'],
    ]);
  });

  for (const via of ['http', 'socket'] as const) {
    it(`an interrupt (${via}) during a streamed reply stops the speech, the rest of the reply's tasks and the engine`, async () => {
      const { sessionId, token } = await startedSession(api);
      const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));
      fake.reply = Array.from({ length: 40 }, (_, i) => ` Sentence number ${i + 1}.`);
      fake.chunkDelayMs = 150;
      let interruptedAt = 0;

      const streaming = chatStream(platform.apiUrl, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'user', content: 'Talk a lot' }] });
      await socket.waitFor((e) => e.type === 'frame');
      interruptedAt = Date.now();
      if (via === 'http') expect((await api.post('/v1/streaming.interrupt', { session_id: sessionId })).status).toBe(200);
      else socket.send({ type: 'interrupt' });
      const answer = await streaming;

      expect(JSON.parse(answer.events.at(-2)!.data)).toEqual({ choices: [{ delta: {}, finish_reason: 'interrupted' }] });
      expect(answer.events.at(-1)!.data).toBe('[DONE]');
      expect(answer.endedAt - interruptedAt).toBeLessThan(2000);
      expect(deltasOf(answer).length).toBeLessThan(40);
      // The engine's stream was cut off, not read to its end.
      const upstream = fake.streams.at(-1)!;
      await upstream.closed;
      expect(upstream.closedEarly).toBe(true);
      // Nothing of the reply started after the interrupt, and nothing more is queued.
      await new Promise((r) => setTimeout(r, 600));
      const interrupt = socket.events.findIndex((e) => e.type === 'task.interrupted');
      expect(interrupt).toBeGreaterThan(-1);
      expect(socket.events.slice(interrupt).filter((e) => e.type === 'task.started')).toEqual([]);
      const history = (await api.get(`/v1/sessions/${sessionId}`)).body;
      expect(history.tasks.filter((t: { status: string }) => t.status === 'queued' || t.status === 'speaking')).toEqual([]);
      expect(history.conversation.at(-1)).toMatchObject({ role: 'assistant', status: 'interrupted' });
      await socket.close();
    });
  }

  it('maps upstream failures before the stream to the envelope: 401 → PROVIDER_AUTH_FAILED, 429 → PROVIDER_RATE_LIMITED with Retry-After, 500 → PROVIDER_UNAVAILABLE', async () => {
    const { sessionId } = await startedSession(api);
    const ask = () => chatStream(platform.apiUrl, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'user', content: 'Hi' }] });

    fake.failNext(401, { type: 'invalid_request_error', code: 'invalid_api_key' });
    const auth = await ask();
    fake.failNext(429, { retryAfter: '7', type: 'rate_limit_exceeded' });
    const limited = await ask();
    fake.failNext(500);
    const down = await ask();

    expect([auth.status, auth.body.error.code]).toEqual([502, 'PROVIDER_AUTH_FAILED']);
    expect([limited.status, limited.body.error.code, limited.headers.get('retry-after')]).toEqual([429, 'PROVIDER_RATE_LIMITED', '7']);
    expect([down.status, down.body.error.code, down.body.error.details.provider]).toEqual([503, 'PROVIDER_UNAVAILABLE', 'chat']);
    const conversation = (await api.get(`/v1/sessions/${sessionId}`)).body.conversation;
    expect(conversation.filter((m: { role: string }) => m.role === 'assistant').map((m: { status: string }) => m.status)).toEqual(['failed', 'failed', 'failed']);
  });

  it('a stream that stalls or drops midway ends with an error event the client sees, then [DONE]: never a silent hang', async () => {
    const { sessionId } = await startedSession(api);

    fake.misbehave({ kind: 'stall', afterChunks: 2 });
    const started = Date.now();
    const stalled = await chatStream(platform.apiUrl, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'user', content: 'Hi' }] });
    fake.misbehave({ kind: 'drop', afterChunks: 2 });
    const dropped = await chatStream(platform.apiUrl, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'user', content: 'Hi again' }] });

    expect(deltasOf(stalled)).toEqual(['Hello', '!']);
    expect(JSON.parse(stalled.events.at(-2)!.data).error).toMatchObject({ code: 'PROVIDER_TIMEOUT', details: expect.objectContaining({ provider: 'chat' }) });
    expect(stalled.events.at(-1)!.data).toBe('[DONE]');
    expect(stalled.endedAt - started).toBeLessThan(STALL_MS + 3000);
    expect(deltasOf(dropped)).toEqual(['Hello', '!']);
    expect(JSON.parse(dropped.events.at(-2)!.data).error.code).toMatch(/^PROVIDER_/);
    expect(dropped.events.at(-1)!.data).toBe('[DONE]');
    const replies = (await api.get(`/v1/sessions/${sessionId}`)).body.conversation.filter((m: { role: string }) => m.role === 'assistant');
    expect(replies.map((m: { content: string; status: string }) => [m.content, m.status])).toEqual([
      ['Hello!', 'failed'],
      ['Hello!', 'failed'],
    ]);
  });

  it('refuses bad requests in the envelope and writes nothing: assistant turns, no user message, unknown or foreign or idle sessions', async () => {
    const { sessionId } = await startedSession(api);
    const other = apiClient(platform.apiUrl, platform.tenants.b.apiKey);
    const created = (await api.post('/v1/streaming.new', { quality: 'low' })).body.session_id;
    const calls = fake.chatCalls.length;

    const assistant = await api.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'assistant', content: 'I said this' }, { role: 'user', content: 'Hi' }] });
    const noUser = await api.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'system', content: 'x' }] });
    const empty = await api.post('/v1/chat.completions', { session_id: sessionId, messages: [] });
    const tooLong = await api.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'user', content: 'x'.repeat(8001) }] });
    const foreign = await other.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'user', content: 'Hi' }] });
    const notStarted = await api.post('/v1/chat.completions', { session_id: created, messages: [{ role: 'user', content: 'Hi' }] });

    expect([assistant.status, assistant.body.error.code, assistant.body.error.message]).toEqual([400, 'VALIDATION_ERROR', expect.stringContaining('the session keeps the conversation')]);
    expect([noUser.status, empty.status, tooLong.status]).toEqual([400, 400, 400]);
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect([notStarted.status, notStarted.body.error.code]).toEqual([409, 'SESSION_NOT_ACTIVE']);
    expect(fake.chatCalls.length).toBe(calls);
    expect((await api.get(`/v1/sessions/${sessionId}`)).body.conversation).toEqual([]);
  });

  it("applies the tenant's chat rate limit (429 with Retry-After)", async () => {
    const limited = await tenantWith({ chat_per_minute: 2, sessions_per_minute: 100 });
    const client = apiClient(platform.apiUrl, limited.apiKey);
    const { sessionId } = await startedSession(client);
    const ask = () => client.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'user', content: 'Hi' }] });

    const answers = [await ask(), await ask(), await ask()];

    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2].body.error.code).toBe('RATE_LIMITED');
    expect(Number(answers[2].headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("uses a tenant's own chat API when it stored one (credentials `chat`), with its key only", async () => {
    const own = await new OpenAiChatFake({ apiKey: 'sk-tenant-own', reply: ['From', ' the', ' tenant', ' API.'] }).start();
    try {
      const custom = await tenantWith({ chat_per_minute: 100, sessions_per_minute: 100 });
      expect((await admin.request('PUT', `/tenants/${custom.id}/credentials/chat`, { api_url: `${own.url}/v1`, api_key: 'sk-tenant-own', model: 'tenant-model' })).status).toBe(200);
      const client = apiClient(platform.apiUrl, custom.apiKey);
      const { sessionId } = await startedSession(client);
      const before = fake.chatCalls.length;

      const answer = await client.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'user', content: 'Hi' }] });

      expect(answer.body.choices[0].message.content).toBe('From the tenant API.');
      expect(answer.body.model).toBe('tenant-model');
      expect(own.chatCalls[0].headers.authorization).toBe('Bearer sk-tenant-own');
      expect(fake.chatCalls.length).toBe(before);
    } finally {
      await own.stop();
    }
  });

  it('without any chat API configured, the offline scripted responder answers and says what it is', async () => {
    const port = await infra.freePort();
    const gateway = await platform.startApp('gateway', { GATEWAY_PORT: String(port), CHAT_API_URL: undefined, CHAT_API_KEY: undefined });
    try {
      const offline = apiClient(`http://127.0.0.1:${port}`, tenant.apiKey);
      const { sessionId } = await startedSession(offline);

      const answer = await chatStream(`http://127.0.0.1:${port}`, tenant.apiKey, { session_id: sessionId, messages: [{ role: 'user', content: 'Hello' }] });

      const text = deltasOf(answer).join('');
      expect(text).toMatch(/^\(Offline scripted responder — no chat model is configured\.\)/);
      expect(deltasOf(answer).length).toBeGreaterThan(3);
      expect(answer.events.at(-1)!.data).toBe('[DONE]');
    } finally {
      await gateway.stop();
    }
  });
});
