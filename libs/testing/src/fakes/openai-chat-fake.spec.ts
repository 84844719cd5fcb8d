import { OpenAiChatFake } from './openai-chat-fake';

describe('OpenAiChatFake', () => {
  let fake: OpenAiChatFake;
  const post = (body: unknown, key: string | null = OpenAiChatFake.API_KEY) =>
    fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });
  const MESSAGES = [{ role: 'user', content: 'Hi' }];

  beforeAll(async () => {
    fake = await new OpenAiChatFake({ reply: ['Hel', 'lo'] }).start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => fake.clearFaults());

  it("streams OpenAI's chunk format: a role chunk, one chunk per delta, a stop chunk, then [DONE]", async () => {
    const response = await post({ model: 'gpt-x', messages: MESSAGES, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.pop()).toBe('data: [DONE]');
    const chunks = events.map((e) => JSON.parse(e.slice(6)));
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: chunks[0].id, object: 'chat.completion.chunk', created: expect.any(Number), model: 'gpt-x' });
      expect(chunk.choices).toHaveLength(1);
      expect(chunk.choices[0].index).toBe(0);
    }
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([{ role: 'assistant', content: '', refusal: null }, { content: 'Hel' }, { content: 'lo' }, {}]);
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    expect(fake.streams.at(-1)).toMatchObject({ finished: true, closedEarly: false, chunksSent: 2 });
  });

  it('answers one chat.completion without stream, from a reply function of the messages', async () => {
    fake.reply = (messages) => ['You said ', messages[0].content];
    try {
      const body = await (await post({ model: 'gpt-x', messages: MESSAGES })).json();
      expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-x', choices: [{ index: 0, message: { role: 'assistant', content: 'You said Hi' }, finish_reason: 'stop' }] });
    } finally {
      fake.reply = ['Hel', 'lo'];
    }
  });

  it("refuses a wrong key and an incomplete body with OpenAI's error bodies, and records the request", async () => {
    const wrong = await post({ model: 'm', messages: MESSAGES }, 'sk-other');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_api_key', type: 'invalid_request_error' });
    const incomplete = await post({ messages: MESSAGES });
    expect(incomplete.status).toBe(400);
    expect(((await incomplete.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    expect(fake.chatCalls.at(-1)!.body).toEqual({ messages: MESSAGES });
  });

  it('fails the next request as asked, with Retry-After', async () => {
    fake.failNext(429, { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded', retryAfter: '3' });
    const limited = await post({ model: 'm', messages: MESSAGES, stream: true });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    expect((await post({ model: 'm', messages: MESSAGES, stream: true })).status).toBe(200);
  });

  it('misbehaves midway on demand: error event, malformed chunk, truncation', async () => {
    const read = async () => (await post({ model: 'm', messages: MESSAGES, stream: true })).text();
    fake.misbehave({ kind: 'error', afterChunks: 1 });
    const errored = await read();
    expect(errored).toContain('"content":"Hel"');
    expect(errored).not.toContain('"content":"lo"');
    expect(errored.trim().split('\n\n').pop()).toMatch(/^data: \{"error":\{"message":.*"type":"server_error"/);
    fake.misbehave({ kind: 'malformed', afterChunks: 0 });
    expect(await read()).toContain('data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"x"\n\n');
    fake.misbehave({ kind: 'truncate', afterChunks: 2 });
    const truncated = await read();
    expect(truncated).toContain('"content":"lo"');
    expect(truncated).not.toContain('finish_reason":"stop"');
    expect(truncated).not.toContain('[DONE]');
  });

  it('drops the connection or stalls after N chunks on demand', async () => {
    fake.misbehave({ kind: 'drop', afterChunks: 1 });
    await expect((await post({ model: 'm', messages: MESSAGES, stream: true })).text()).rejects.toThrow();
    fake.misbehave({ kind: 'stall', afterChunks: 1 });
    const controller = new AbortController();
    const response = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OpenAiChatFake.API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: MESSAGES, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('"content":"Hel"')) seen += new TextDecoder().decode((await reader.read()).value);
    const stalled = fake.streams.at(-1)!;
    controller.abort();
    await stalled.closed;
    expect(stalled).toMatchObject({ chunksSent: 1, finished: false, closedEarly: true });
  });
});
