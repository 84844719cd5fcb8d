import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { LoggerConfig, loggerParams, logFormat, PINO_LEVELS, pinoOptions } from './logger';

/** A pino destination that keeps the lines. */
function capture() {
  const lines: string[] = [];
  return { lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), stream: { write: (line: string) => void lines.push(line) } };
}

const CONFIG: LoggerConfig = { NODE_ENV: 'test', LOG_LEVEL: 'log', LOG_FORMAT: 'json' };

function jsonLogger(config: LoggerConfig = CONFIG) {
  const out = capture();
  return { ...out, logger: pino(pinoOptions('gateway', config), out.stream) };
}

describe('the log format', () => {
  it('is JSON in production and readable text otherwise, LOG_FORMAT deciding when set', () => {
    expect(logFormat({ NODE_ENV: 'production', LOG_LEVEL: 'log' })).toBe('json');
    expect(logFormat({ NODE_ENV: 'development', LOG_LEVEL: 'log' })).toBe('text');
    expect(logFormat({ NODE_ENV: 'test', LOG_LEVEL: 'log' })).toBe('text');
    expect(logFormat({ NODE_ENV: 'development', LOG_LEVEL: 'log', LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormat({ NODE_ENV: 'production', LOG_LEVEL: 'log', LOG_FORMAT: 'text' })).toBe('text');
  });

  it("writes one JSON object per line: level by name, ISO time, the app, the message", () => {
    const t = jsonLogger();
    t.logger.info({ context: 'HttpEdge' }, 'stopped accepting');
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0].endsWith('\n')).toBe(true);
    expect(t.json()[0]).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), app: 'gateway', pid: process.pid, hostname: expect.any(String), context: 'HttpEdge', msg: 'stopped accepting' });
  });

  it("maps LOG_LEVEL (Nest's names) to pino's levels: log is info, verbose is trace", () => {
    expect(PINO_LEVELS).toMatchObject({ error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' });
    const atLog = jsonLogger({ ...CONFIG, LOG_LEVEL: 'log' });
    atLog.logger.debug('hidden');
    atLog.logger.info('shown');
    expect(atLog.json().map((e) => e.msg)).toEqual(['shown']);
    const atVerbose = jsonLogger({ ...CONFIG, LOG_LEVEL: 'verbose' });
    atVerbose.logger.trace('very detailed');
    expect(atVerbose.json().map((e) => e.level)).toEqual(['trace']);
    const atWarn = jsonLogger({ ...CONFIG, LOG_LEVEL: 'warn' });
    atWarn.logger.info('hidden');
    atWarn.logger.warn('shown');
    expect(atWarn.json().map((e) => e.msg)).toEqual(['shown']);
  });
});

describe('trace ids on every line', () => {
  let provider: BasicTracerProvider;

  beforeAll(() => {
    provider = new BasicTracerProvider();
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it('carries the trace and span ids of the span active where the line is logged, across awaits', async () => {
    const t = jsonLogger();
    const tracer = trace.getTracer('spec');
    const ids = await tracer.startActiveSpan('job', async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      t.logger.info('inside');
      span.end();
      return span.spanContext();
    });
    t.logger.info('outside');

    const [inside, outside] = t.json();
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' });
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span_id');
  });
});

describe('redaction', () => {
  it('never writes credentials: the authorization header, api keys, tokens, passwords and client secrets, at the top or one level down', () => {
    const t = jsonLogger();
    t.logger.info({ req: { headers: { authorization: 'Bearer ak_live_SECRET1', accept: 'application/json' } } }, 'request');
    t.logger.info({ api_key: 'SECRET2', body: { access_token: 'SECRET3', password: 'SECRET4', client_secret: 'SECRET5', token: 'SECRET6', name: 'Acme' } }, 'body');

    const output = t.lines.join('');
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5', 'SECRET6']) expect(output).not.toContain(secret);
    const [request, body] = t.json() as Array<Record<string, any>>;
    expect(request.req.headers).toEqual({ authorization: '[Redacted]', accept: 'application/json' });
    expect(body).toMatchObject({ api_key: '[Redacted]', body: { access_token: '[Redacted]', password: '[Redacted]', client_secret: '[Redacted]', token: '[Redacted]', name: 'Acme' } });
  });
});

describe('HTTP requests (pino-http with the platform parameters)', () => {
  let server: Server;
  let url: string;
  const out = capture();
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');

  beforeAll(async () => {
    const params = loggerParams('gateway', CONFIG, out.stream);
    const middleware = pinoHttp(...(params.pinoHttp as [object, pino.DestinationStream]));
    server = createServer((req, res) => middleware(req, res, () => answer(req, res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    out.lines.length = 0;
    answer = (_req, res) => res.end('ok');
  });

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it("logs one access line per request with the caller's request id, and echoes it", async () => {
    const response = await fetch(`${url}/v1/streaming.sessions`, { headers: { 'x-request-id': 'client-42' } });
    await settle();

    expect(response.headers.get('x-request-id')).toBe('client-42');
    expect(out.json()).toEqual([
      expect.objectContaining({ level: 'info', request_id: 'client-42', method: 'GET', path: '/v1/streaming.sessions', status: 200, duration_ms: expect.any(Number), msg: expect.stringMatching(/^GET \/v1\/streaming\.sessions 200 \d+ ms$/) }),
    ]);
  });

  it('gives a request without an acceptable id a new one (a forged, overlong or multi-line id is not kept)', async () => {
    for (const header of [undefined, 'a'.repeat(129), 'two words', 'x\u00e9']) {
      const response = await fetch(`${url}/x`, { headers: header === undefined ? {} : { 'x-request-id': header } });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('logs a 5xx at error, and no query string (it may carry a token)', async () => {
    answer = (_req, res) => ((res.statusCode = 503), res.end());
    await fetch(`${url}/v1/things?token=SECRET7`);
    await settle();

    const [line] = out.json();
    expect(line).toMatchObject({ level: 'error', status: 503, path: '/v1/things' });
    expect(out.lines.join('')).not.toContain('SECRET7');
  });

  it('does not log probes and scrapes (they come every few seconds), but gives them an id', async () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) expect((await fetch(url + path)).headers.get('x-request-id')).toBeTruthy();
    await fetch(`${url}/healthz`);
    await settle();
    expect(out.json().map((e) => e.path)).toEqual(['/healthz']);
  });
});
