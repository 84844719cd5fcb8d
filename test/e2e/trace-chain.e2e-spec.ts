// One trace per speak, across the processes: the built apps run as child processes with
// the tracing preload and the file exporter (OTEL_TRACES_EXPORTER=file, one JSON-lines
// file per app); the suite reads the spans back and checks who is whose parent for a
// speak, an interrupt and a chat reply — and that no span carries a text, a key or a token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OpenAiChatFake } from '../../libs/testing/src/fakes/openai-chat-fake';
import type { SpanRecord } from '../../libs/observability/src/tracing/file-span-exporter';
import { readSpanFile } from '../../libs/observability/src/tracing/file-span-exporter';
import { apiClient, ApiClient, EventSocket, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { Platform, startPlatform, TEST_ADMIN_TOKEN, TEST_CREDENTIALS_KEY, TEST_TOKEN_SECRET } from '../support/platform';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const callerTraceparent = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;

describe('tracing: one trace per request across gateway, worker and notifier', () => {
  let platform: Platform;
  let api: ApiClient;
  let fake: OpenAiChatFake;
  let dir: string;
  /** Everything a span must never carry. */
  const secrets: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-chain-'));
    fake = await new OpenAiChatFake({ reply: ['Fine weather ', 'for zebras today. ', 'Shall we walk ', 'the striped path?'] }).start();
    platform = await startPlatform({
      env: {
        OTEL_TRACES_EXPORTER: 'file',
        AVATAR_TRACE_FILE: path.join(dir, 'spans-{service}-{pid}.jsonl'),
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        CHAT_API_URL: `${fake.url}/v1`,
        CHAT_API_KEY: OpenAiChatFake.API_KEY,
        CHAT_MODEL: 'fake-model',
      },
    });
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    secrets.push(platform.tenants.a.apiKey, OpenAiChatFake.API_KEY, TEST_TOKEN_SECRET, TEST_ADMIN_TOKEN, TEST_CREDENTIALS_KEY, 'Fine weather', 'striped path');
  });
  afterAll(async () => {
    await platform?.stop();
    await fake?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function allSpans(): SpanRecord[] {
    return fs.readdirSync(dir).flatMap((f) => readSpanFile(path.join(dir, f)));
  }

  /** The spans of one trace, once `ready` says the ones the test needs are all written. */
  async function traceOf(traceId: string, ready: (spans: SpanRecord[]) => boolean, timeoutMs = 20_000): Promise<SpanRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const spans = allSpans().filter((s) => s.traceId === traceId);
      if (ready(spans)) return spans;
      if (Date.now() > deadline) {
        const files = fs.readdirSync(dir).map((f) => `${f}: ${readSpanFile(path.join(dir, f)).length} spans`);
        throw new Error(`trace ${traceId} incomplete after ${timeoutMs} ms:\n${spans.map(describe).join('\n')}\nfiles:\n${files.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const describe = (s: SpanRecord) => `${s.service} ${s.kind} "${s.name}" ${s.spanId} <- ${s.parentSpanId ?? 'root'}`;

  /** The one span named `name` (a string or pattern) in `service` among `spans`, optionally child of `parent`. */
  function one(spans: SpanRecord[], service: string, name: string | RegExp, where: (s: SpanRecord) => boolean = () => true): SpanRecord {
    const found = spans.filter((s) => s.service === service && (typeof name === 'string' ? s.name === name : name.test(s.name)) && where(s));
    if (found.length !== 1) throw new Error(`expected one ${service} span ${name}, found ${found.length} in:\n${spans.map(describe).join('\n')}`);
    return found[0];
  }

  const childOf = (parent: SpanRecord) => (s: SpanRecord) => s.parentSpanId === parent.spanId;
  const eventType = (type: string) => (s: SpanRecord) => s.attributes['avatar.event.type'] === type;

  async function session(): Promise<{ sessionId: string; socket: EventSocket }> {
    const { sessionId, token } = await startedSession(api);
    secrets.push(token);
    return { sessionId, socket: await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token)) };
  }

  it('speak: gateway request → speech.enqueue → worker speech.task → provider.speak and NATS publishes → notifier consume → ws send', async () => {
    const { sessionId, socket } = await session();
    const text = `Zebra crossing number ${hex(4)} is open today.`;
    secrets.push(text);
    const [traceId, callerSpan] = [hex(16), hex(8)];

    const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text }, { traceparent: callerTraceparent(traceId, callerSpan) });
    expect(speak.status).toBe(200);
    const taskId: string = speak.body.task_id;
    await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId, 30_000);

    const spans = await traceOf(traceId, (s) => s.some((x) => x.service === 'avatar-notifier' && x.name === 'ws send' && x.attributes['avatar.event.type'] === 'task.completed'));

    // The gateway continues the caller's trace: its server span is named after the route, and its context is the answer's traceparent.
    const request = one(spans, 'avatar-gateway', 'POST /v1/avatar.speak');
    expect(request).toMatchObject({ kind: 'SERVER', parentSpanId: callerSpan, attributes: expect.objectContaining({ 'http.route': '/v1/avatar.speak', 'http.response.status_code': 200 }) });
    expect(speak.headers.get('traceparent')).toBe(callerTraceparent(traceId, request.spanId));

    const enqueue = one(spans, 'avatar-gateway', 'speech.enqueue', childOf(request));
    expect(enqueue).toMatchObject({ kind: 'PRODUCER', attributes: expect.objectContaining({ 'messaging.system': 'bullmq', 'avatar.task_id': taskId, 'avatar.session_id': sessionId, 'avatar.tenant_id': platform.tenants.a.id, 'avatar.outcome': 'queued' }) });
    // The database insert and the BullMQ add are the enqueue's children (pg and ioredis instrumentations).
    const underEnqueue = spans.filter(childOf(enqueue));
    expect(underEnqueue.filter((s) => s.kind === 'CLIENT').map((s) => s.attributes['db.system.name'])).toEqual(expect.arrayContaining(['postgresql', 'redis']));
    // The task row keeps the enqueue's traceparent (a job the reconciler re-queues continues this trace).
    expect((await platform.db.speechTask.findFirstOrThrow({ where: { id: taskId } })).traceparent).toBe(callerTraceparent(traceId, enqueue.spanId));

    const task = one(spans, 'avatar-worker', 'speech.task', childOf(enqueue));
    expect(task).toMatchObject({ kind: 'CONSUMER', attributes: expect.objectContaining({ 'avatar.task_id': taskId, 'avatar.outcome': 'spoken', 'messaging.system': 'bullmq' }) });
    const provider = one(spans, 'avatar-worker', 'provider.speak', childOf(task));
    expect(provider.attributes).toMatchObject({ 'avatar.provider': 'local', 'avatar.outcome': 'spoken' });

    for (const type of ['task.started', 'task.completed']) {
      const publish = one(spans, 'avatar-worker', `publish evt.*.*.${type}`, childOf(task));
      expect(publish).toMatchObject({ kind: 'PRODUCER', attributes: expect.objectContaining({ 'messaging.system': 'nats', 'messaging.destination.name': `evt.${platform.tenants.a.id}.${sessionId}.${type}`, 'avatar.session_id': sessionId }) });
      const relay = one(spans, 'avatar-notifier', `process live.*.*.${type}`, childOf(publish));
      expect(relay.kind).toBe('CONSUMER');
      expect(relay.attributes['avatar.event.id']).toBe(socket.events.find((e) => e.type === type && e.task_id === taskId)!.id);
      const send = one(spans, 'avatar-notifier', 'ws send', childOf(relay));
      expect(send.attributes).toMatchObject({ 'avatar.event.type': type, 'avatar.session_id': sessionId });
    }
    // Frames reached the socket, and none of them is a span.
    expect(socket.events.some((e) => e.type === 'frame' && e.task_id === taskId)).toBe(true);
    expect(allSpans().filter((s) => /\.frame$|\.audio$/.test(s.name) || s.attributes['avatar.event.type'] === 'frame')).toEqual([]);
    await socket.close();
  });

  it('interrupt: gateway request → halt command published → every worker processes it', async () => {
    const { sessionId, socket } = await session();
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') + '.';
    const speak = await api.post('/v1/avatar.speak', { session_id: sessionId, text: long });
    await socket.waitFor((e) => e.type === 'task.started' && e.task_id === speak.body.task_id, 30_000);
    const [traceId, callerSpan] = [hex(16), hex(8)];

    const interrupt = await api.post('/v1/streaming.interrupt', { session_id: sessionId }, { traceparent: callerTraceparent(traceId, callerSpan) });
    expect(interrupt.status).toBe(200);
    await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === speak.body.task_id, 15_000);

    const spans = await traceOf(traceId, (s) => s.some((x) => x.service === 'avatar-worker' && x.name === 'process cmd.*.*.halt'));
    const request = one(spans, 'avatar-gateway', 'POST /v1/streaming.interrupt');
    expect(request.parentSpanId).toBe(callerSpan);
    const halt = one(spans, 'avatar-gateway', 'publish cmd.*.*.halt', childOf(request));
    expect(halt).toMatchObject({ kind: 'PRODUCER', attributes: expect.objectContaining({ 'avatar.command': 'halt', 'avatar.session_id': sessionId }) });
    const handled = one(spans, 'avatar-worker', 'process cmd.*.*.halt', childOf(halt));
    expect(handled).toMatchObject({ kind: 'CONSUMER', status: { code: 0 } });

    // The interrupted task ends in its own speak's trace: its speech.task span says so.
    const taskRow = await platform.db.speechTask.findFirstOrThrow({ where: { id: speak.body.task_id } });
    const speakTrace = taskRow.traceparent!.split('-')[1];
    const speakSpans = await traceOf(speakTrace, (s) => s.some((x) => x.name === 'speech.task' && x.attributes['avatar.outcome'] === 'interrupted'));
    const task = one(speakSpans, 'avatar-worker', 'speech.task', (s) => s.attributes['avatar.outcome'] === 'interrupted');
    one(speakSpans, 'avatar-worker', 'publish evt.*.*.task.interrupted', childOf(task));
    await socket.close();
  });

  it('chat: gateway request → chat.engine with its upstream call → one speech.enqueue per sentence → a worker speech.task each', async () => {
    const { sessionId, socket } = await session();
    const question = `Is it a good day for zebras ${hex(3)}?`;
    secrets.push(question);
    const [traceId, callerSpan] = [hex(16), hex(8)];

    const chat = await api.post('/v1/chat.completions', { session_id: sessionId, messages: [{ role: 'user', content: question }] }, { traceparent: callerTraceparent(traceId, callerSpan) });
    expect(chat.status).toBe(200);
    const taskIds: string[] = chat.body.task_ids;
    expect(taskIds).toHaveLength(2);
    for (const taskId of taskIds) await socket.waitFor((e) => e.type === 'task.completed' && e.task_id === taskId, 30_000);

    const spans = await traceOf(traceId, (s) => s.filter((x) => x.name === 'speech.task' && x.attributes['avatar.outcome'] === 'spoken').length === 2);
    const request = one(spans, 'avatar-gateway', 'POST /v1/chat.completions');
    expect(request.parentSpanId).toBe(callerSpan);
    const engine = one(spans, 'avatar-gateway', 'chat.engine', childOf(request));
    expect(engine.attributes).toMatchObject({ 'avatar.chat.engine': 'openai-compatible', 'gen_ai.request.model': 'fake-model', 'avatar.outcome': 'stop' });
    // The upstream call is an undici client span under the engine span, and the engine got its context.
    const upstream = one(spans, 'avatar-gateway', 'POST', (s) => s.kind === 'CLIENT' && s.parentSpanId === engine.spanId);
    expect(String(upstream.attributes['url.full'])).toBe(`${fake.url}/v1/chat/completions`);
    expect(fake.streams.at(-1)!.request.headers.traceparent).toBe(callerTraceparent(traceId, upstream.spanId));

    const enqueues = spans.filter((s) => s.name === 'speech.enqueue');
    expect(enqueues.map((s) => s.parentSpanId)).toEqual([request.spanId, request.spanId]);
    expect(enqueues.map((s) => s.attributes['avatar.task_id']).sort()).toEqual([...taskIds].sort());
    for (const enqueue of enqueues) {
      // The second sentence's job may first run while the first is spoken: parked (`wait`), a span of its own, then spoken.
      const task = one(spans, 'avatar-worker', 'speech.task', (s) => childOf(enqueue)(s) && s.attributes['avatar.outcome'] === 'spoken');
      expect(spans.filter((s) => s.service === 'avatar-worker' && childOf(enqueue)(s)).every((s) => s.name === 'speech.task' && ['spoken', 'wait'].includes(String(s.attributes['avatar.outcome'])))).toBe(true);
      one(spans, 'avatar-worker', 'provider.speak', childOf(task));
    }
    await socket.close();
  });

  it('puts no text, audio, key or token in any span, from any app', async () => {
    const spans = allSpans();
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['avatar-gateway', 'avatar-worker', 'avatar-notifier']));
    const leaks = spans.flatMap((s) => {
      const values = [s.name, s.status.message ?? '', ...Object.values(s.attributes).map(String), ...s.events.flatMap((e) => Object.values(e.attributes ?? {}).map(String))];
      return secrets.filter((secret) => values.some((v) => v.includes(secret))).map((secret) => `${describe(s)} carries ${secret.slice(0, 12)}…`);
    });
    expect(leaks).toEqual([]);
    expect(secrets.length).toBeGreaterThanOrEqual(10);
  });
});
