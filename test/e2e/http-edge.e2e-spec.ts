// The gateway's HTTP edge on real sockets: body limits and media types answered with
// the envelope, unsafe strings refused, ids normalised, a trace on every answer,
// stalled clients cut off, and a SIGTERM drain that finishes what is in flight.
import net from 'node:net';
import path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import * as infra from '../../scripts/infra';
import { apiClient, ApiClient, openSocket, sessionSocketUrl, startedSession } from '../support/clients';
import { Platform, startPlatform } from '../support/platform';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;
const FIVE_MB = 5 * 1024 * 1024;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** One HTTP/1.1 connection driven by hand: what a slow, stalling or oversized client does. */
class RawConnection {
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.notify();
    });
    // The server may answer and close while we are still writing (EPIPE, ECONNRESET):
    // what it sent before that is what a client gets.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => (this.notify(), resolve())));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** The next complete response on this connection (Content-Length bodies). */
  async response(): Promise<RawResponse> {
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.socket.destroyed) throw new Error(`connection closed without a complete response; got ${JSON.stringify(this.received.toString())}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private parse(): RawResponse | undefined {
    const end = this.received.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.received.subarray(0, end).toString().split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (this.received.length < end + 4 + length) return undefined;
    const text = this.received.subarray(end + 4, end + 4 + length).toString();
    this.received = this.received.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body: text ? JSON.parse(text) : undefined };
  }

  close(): void {
    this.socket.destroy();
  }
}

const head = (method: string, url: string, headers: Record<string, string | number>) =>
  `${method} ${url} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

function expectEnvelope(response: { status: number; body: any }, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toEqual({ status, body: { error: { code, message: expect.any(String), details: expect.any(Object) } } });
}

/** A gateway of our own (not the platform's), so it can be configured, signalled and watched exiting. */
async function spawnGateway(platform: Platform, env: NodeJS.ProcessEnv) {
  const port = await infra.freePort();
  const child: ChildProcess = infra.trackChild(
    spawn(process.execPath, [path.resolve(__dirname, '../../dist/apps/gateway/src/main.js')], {
      // Logged in to the platform's NATS as the gateway user, as the platform's own gateway is.
      env: { ...platform.env, ...infra.natsEnvOf(platform.infra.nats.credentials, 'gateway'), LOG_LEVEL: 'log', GATEWAY_PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  const seen: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onOutput = (chunk: Buffer) => {
    output += chunk;
    for (const w of [...seen]) if (w.pattern.test(output)) (seen.splice(seen.indexOf(w), 1), w.resolve());
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logged = (pattern: RegExp) =>
    Promise.race([
      new Promise<void>((resolve) => (pattern.test(output) ? resolve() : seen.push({ pattern, resolve }))),
      exited.then(() => {
        throw new Error(`gateway exited before logging ${pattern}:\n${output}`);
      }),
    ]);
  await logged(/listening on/);
  return { port, url: `http://127.0.0.1:${port}`, child, exited, logged, output: () => output };
}

describe('HTTP edge', () => {
  let platform: Platform;
  let api: ApiClient;
  let port: number;

  beforeAll(async () => {
    platform = await startPlatform();
    api = apiClient(platform.apiUrl, platform.tenants.a.apiKey);
    port = Number(new URL(platform.apiUrl).port);
  });
  afterAll(() => platform?.stop());

  const rowCounts = async () => ({ sessions: await platform.db.session.count(), tasks: await platform.db.speechTask.count() });
  const auth = () => ({ authorization: `Bearer ${platform.tenants.a.apiKey}` });

  describe('bodies', () => {
    it('answers a 5 MB body with 413 PAYLOAD_TOO_LARGE and the envelope, with Content-Length and chunked, and writes nothing', async () => {
      const before = await rowCounts();
      const body = Buffer.alloc(FIVE_MB, 'a');

      const sized = await RawConnection.open(port);
      void sized.write(head('POST', '/v1/streaming.new', { ...auth(), 'content-type': 'application/json', 'content-length': body.length }));
      void sized.write(body);
      const sizedAnswer = await sized.response();
      expectEnvelope(sizedAnswer, 413, 'PAYLOAD_TOO_LARGE');
      expect(sizedAnswer.headers.traceparent).toMatch(TRACEPARENT);
      sized.close();

      const chunked = await RawConnection.open(port);
      void chunked.write(head('POST', '/v1/avatar.speak', { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' }));
      for (let offset = 0; offset < body.length; offset += 64 * 1024) {
        const piece = body.subarray(offset, offset + 64 * 1024);
        void chunked.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
      }
      void chunked.write('0\r\n\r\n');
      const chunkedAnswer = await chunked.response();
      expectEnvelope(chunkedAnswer, 413, 'PAYLOAD_TOO_LARGE');
      expect(chunkedAnswer.headers.traceparent).toMatch(TRACEPARENT);
      chunked.close();

      // An ordinary HTTP client (undici) that sends the whole body gets the answer too.
      const viaFetch = await fetch(`${platform.apiUrl}/v1/avatar.speak`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body });
      expectEnvelope({ status: viaFetch.status, body: await viaFetch.json() }, 413, 'PAYLOAD_TOO_LARGE');

      expect(await rowCounts()).toEqual(before);
    });

    it('keeps the connection usable after refusing a body it read to the end', async () => {
      const connection = await RawConnection.open(port);
      const big = Buffer.alloc(300 * 1024, 'a');
      await connection.write(Buffer.concat([Buffer.from(head('POST', '/v1/streaming.new', { ...auth(), 'content-type': 'application/json', 'content-length': big.length })), big]));
      expectEnvelope(await connection.response(), 413, 'PAYLOAD_TOO_LARGE');
      await connection.write(head('GET', '/v1/streaming.sessions?limit=1', auth()));
      expect((await connection.response()).status).toBe(200);
      connection.close();
    });

    it('answers 415 UNSUPPORTED_MEDIA_TYPE for any body that is not JSON, and writes nothing', async () => {
      const before = await rowCounts();
      const post = (contentType: string | undefined, body: string) =>
        fetch(`${platform.apiUrl}/v1/streaming.new`, { method: 'POST', headers: { ...auth(), ...(contentType ? { 'content-type': contentType } : {}) }, body }).then(async (r) => ({
          status: r.status,
          body: await r.json(),
          traceparent: r.headers.get('traceparent'),
        }));

      for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
        const answer = await post(contentType, 'quality=low');
        expectEnvelope(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect(answer.traceparent).toMatch(TRACEPARENT);
      }
      // fetch labels a string body text/plain; a raw request with no content type at all:
      const bare = await RawConnection.open(port);
      await bare.write(head('POST', '/v1/streaming.new', { ...auth(), 'content-length': 2 }) + '{}');
      expectEnvelope(await bare.response(), 415, 'UNSUPPORTED_MEDIA_TYPE');
      bare.close();
      expect(await rowCounts()).toEqual(before);

      expect((await post('application/json; charset=utf-8', '{"quality":"low"}')).status).toBe(200);
    });

    it('refuses NUL characters and lone surrogates in every string field with 400 naming the field, and writes nothing', async () => {
      const { sessionId } = await startedSession(api);
      const before = await rowCounts();
      const refusal = async (route: string, body: unknown, field: string) => {
        const answer = await api.post(route, body);
        expectEnvelope(answer, 400, 'VALIDATION_ERROR');
        expect(answer.body.error.details.fields).toEqual([{ field, message: expect.stringContaining('NUL') }]);
      };
      for (const bad of ['nul\u0000here', 'lone \ud83d surrogate', 'reversed \ude00\ud83d']) {
        await refusal('/v1/streaming.new', { avatar_id: bad }, 'avatar_id');
        await refusal('/v1/streaming.new', { voice_id: bad }, 'voice_id');
        await refusal('/v1/avatar.speak', { session_id: sessionId, text: bad }, 'text');
        await refusal('/v1/avatar.speak', { session_id: sessionId, text: 'fine', voice_id: bad }, 'voice_id');
        await refusal('/v1/streaming.start', { session_id: sessionId, sdp: { type: 'offer', sdp: bad } }, 'sdp.sdp');
      }
      expect(await rowCounts()).toEqual(before);
      // A well-formed pair (an emoji) is text like any other.
      expect((await api.post('/v1/avatar.speak', { session_id: sessionId, text: 'hello \ud83d\ude00' })).status).toBe(200);
    });
  });

  describe('ids in any case', () => {
    it('speak, interrupt, task and stop with an upper-case session_id act on the same session as the lower-case one', async () => {
      const { sessionId, token } = await startedSession(api);
      const upper = sessionId.toUpperCase();
      const socket = await openSocket(sessionSocketUrl(platform.wsUrl, sessionId, token));

      const speak = await api.post('/v1/avatar.speak', { session_id: upper, text: 'a rather long sentence that keeps the avatar busy for a good few seconds, long enough to be interrupted' });
      expect(speak.status).toBe(200);
      const taskId: string = speak.body.task_id;
      expect((await platform.db.speechTask.findFirstOrThrow({ where: { id: taskId } })).sessionId).toBe(sessionId);
      await socket.waitFor((e) => e.type === 'task.started' && e.task_id === taskId);

      const interrupted = await api.post('/v1/streaming.interrupt', { session_id: upper });
      expect(interrupted.status).toBe(200);
      expect(interrupted.body).toEqual({ status: 'interrupted', interrupted_task_ids: [taskId] });
      await socket.waitFor((e) => e.type === 'task.interrupted' && e.task_id === taskId);

      const task = await api.get(`/v1/tasks/${taskId.toUpperCase()}`);
      expect(task.status).toBe(200);
      expect(task.body).toMatchObject({ task_id: taskId, session_id: sessionId, status: 'interrupted' });

      const stopped = await api.post('/v1/streaming.stop', { session_id: upper });
      expect(stopped.status).toBe(200);
      expect(stopped.body).toEqual({ status: 'stopped', duration: expect.any(Number), billed_seconds: expect.any(Number) });
      const event = await socket.waitFor((e) => e.type === 'session.stopped');
      expect(event.session_id).toBe(sessionId);
      expect(event.duration).toBe(stopped.body.duration);
      expect((await platform.db.session.findFirstOrThrow({ where: { id: sessionId } })).status).toBe('stopped');
      await socket.close();
    });
  });

  describe('traceparent on every answer', () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const withTrace = { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` };
    const continues = (value: string | null) => expect(value).toMatch(new RegExp(`^00-${callerTrace}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$`));

    it('on 401, 404, 400, 415 and 200, continuing the caller\'s trace', async () => {
      const anonymous = apiClient(platform.apiUrl);
      const unauthorized = await anonymous.post('/v1/streaming.new', {}, withTrace);
      expectEnvelope(unauthorized, 401, 'UNAUTHORIZED');
      continues(unauthorized.headers.get('traceparent'));
      const unknown = await api.get('/v1/nothing.here', withTrace);
      expectEnvelope(unknown, 404, 'NOT_FOUND');
      continues(unknown.headers.get('traceparent'));
      const unknownAnonymous = await anonymous.get('/nothing/here');
      expect(unknownAnonymous.status).toBe(404);
      expect(unknownAnonymous.headers.get('traceparent')).toMatch(TRACEPARENT);
      const invalid = await api.post('/v1/streaming.start', { session_id: 'nope' }, withTrace);
      expectEnvelope(invalid, 400, 'VALIDATION_ERROR');
      continues(invalid.headers.get('traceparent'));
      const unparsable = await api.post('/v1/streaming.new', '{"quality":', withTrace);
      expectEnvelope(unparsable, 400, 'VALIDATION_ERROR');
      continues(unparsable.headers.get('traceparent'));
      const form = await api.post('/v1/streaming.new', 'quality=low', { ...withTrace, 'content-type': 'application/x-www-form-urlencoded' });
      expectEnvelope(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
      continues(form.headers.get('traceparent'));
      const ok = await apiClient(platform.apiUrl).get('/health', withTrace);
      expect(ok.status).toBe(200);
      continues(ok.headers.get('traceparent'));
    });

    it('on a 500', async () => {
      // This suite's own database: take the sessions table away for one request.
      await platform.db.$executeRawUnsafe('ALTER TABLE sessions RENAME TO sessions_away');
      try {
        const broken = await api.post('/v1/streaming.new', {}, withTrace);
        expectEnvelope(broken, 500, 'INTERNAL_ERROR');
        continues(broken.headers.get('traceparent'));
      } finally {
        await platform.db.$executeRawUnsafe('ALTER TABLE sessions_away RENAME TO sessions');
      }
    });
  });

  describe('stalled clients and drain', () => {
    const TIMEOUTS = { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '3000', HTTP_KEEPALIVE_TIMEOUT_MS: '2000' };

    it('cuts off a client that stalls its body or its headers with 408 and the envelope, and closes idle keep-alive connections', async () => {
      const gateway = await spawnGateway(platform, { ...TIMEOUTS, HTTP_DRAIN_TIMEOUT_MS: '60000' });
      try {
        const stalledBody = await RawConnection.open(gateway.port);
        await stalledBody.write(head('POST', '/v1/streaming.new', { ...auth(), 'content-type': 'application/json', 'content-length': 100 }) + '{"quality":');
        const stalledHeaders = await RawConnection.open(gateway.port);
        await stalledHeaders.write('POST /v1/streaming.new HTTP/1.1\r\nhost: 127.0.0.1\r\n');

        const bodyAnswer = await stalledBody.response();
        expectEnvelope(bodyAnswer, 408, 'REQUEST_TIMEOUT');
        expect(bodyAnswer.headers.traceparent).toMatch(TRACEPARENT);
        await stalledBody.closed;
        const headersAnswer = await stalledHeaders.response();
        expectEnvelope(headersAnswer, 408, 'REQUEST_TIMEOUT');
        await stalledHeaders.closed;

        const idle = await RawConnection.open(gateway.port);
        await idle.write(head('GET', '/health', {}));
        const answer = await idle.response();
        expect(answer.status).toBe(200);
        expect(answer.headers['keep-alive']).toBe('timeout=2');
        await idle.closed; // the server closes it: nothing else does
      } finally {
        gateway.child.kill('SIGKILL');
      }
    });

    it('on SIGTERM stops accepting, closes idle connections, answers the request in flight, refuses a late one, cuts the stalled one and exits by itself', async () => {
      // A drain deadline beyond the test's time: only the request timeout can end the stalled body.
      const gateway = await spawnGateway(platform, { ...TIMEOUTS, HTTP_HEADERS_TIMEOUT_MS: '2500', HTTP_DRAIN_TIMEOUT_MS: '600000' });
      try {
        const stalled = await RawConnection.open(gateway.port);
        await stalled.write(head('POST', '/v1/streaming.new', { ...auth(), 'content-type': 'application/json', 'content-length': 100 }) + '{"quality":');
        const idle = await RawConnection.open(gateway.port);
        await idle.write(head('GET', '/health', {}));
        expect((await idle.response()).status).toBe(200);
        const body = JSON.stringify({ quality: 'high' });
        const inFlight = await RawConnection.open(gateway.port);
        // "100 Continue" says the gateway has the request: it is in flight before the signal.
        await inFlight.write(head('POST', '/v1/streaming.new', { ...auth(), 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue' }));
        expect((await inFlight.response()).status).toBe(100);
        await inFlight.write(body.slice(0, 5));

        // A request whose headers are still on their way when the drain starts.
        const late = await RawConnection.open(gateway.port);
        await late.write('GET /v1/streaming.sessions HTTP/1.1\r\n');

        gateway.child.kill('SIGTERM');
        await gateway.logged(/draining 4 connection\(s\)/);
        await idle.closed;
        const refused = await new Promise<boolean>((resolve) => {
          const probe = net.connect(gateway.port, '127.0.0.1', () => (probe.destroy(), resolve(false)));
          probe.once('error', () => resolve(true));
        });
        expect(refused).toBe(true);

        await late.write(`host: 127.0.0.1\r\nauthorization: Bearer ${platform.tenants.a.apiKey}\r\n\r\n`);
        const lateAnswer = await late.response();
        expectEnvelope(lateAnswer, 503, 'SERVICE_UNAVAILABLE');
        expect(lateAnswer.headers.connection).toBe('close');
        expect(lateAnswer.headers.traceparent).toMatch(TRACEPARENT);

        await inFlight.write(body.slice(5));
        const answer = await inFlight.response();
        expect(answer.status).toBe(200);
        expect(answer.headers.connection).toBe('close');
        expect(await platform.db.session.findFirst({ where: { id: answer.body.session_id } })).toMatchObject({ quality: 'high', status: 'created' });

        expectEnvelope(await stalled.response(), 408, 'REQUEST_TIMEOUT');
        expect(await gateway.exited).toEqual({ code: 0, signal: null });
        expect(gateway.output()).toMatch(/HTTP drained/);
      } finally {
        gateway.child.kill('SIGKILL');
      }
    });
  });
});
