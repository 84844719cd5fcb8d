import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LogLevel, RequestMethod } from '@nestjs/common';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { Logger, Params, PinoLogger } from 'nestjs-pino';
import pino, { DestinationStream, Level, LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { formatLogLine } from './logger-format';
import { assignRequestId } from './logger-request-id';

/** What the logger reads from an app's validated configuration. */
export interface LoggerConfig {
  NODE_ENV: string;
  LOG_LEVEL: LogLevel;
  LOG_FORMAT?: 'json' | 'text';
}

/** Nest's level names (LOG_LEVEL) in pino's terms. */
export const PINO_LEVELS: Record<LogLevel, Level> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** JSON lines in production (log shippers), readable lines otherwise; LOG_FORMAT overrides. */
export function logFormat(config: LoggerConfig): 'json' | 'text' {
  return config.LOG_FORMAT ?? (config.NODE_ENV === 'production' ? 'json' : 'text');
}

/**
 * Never written to a log, at any depth a caller is likely to log them: the request's
 * credentials, and fields named like keys, tokens and passwords in a logged object or
 * one level inside it.
 */
const SECRET_FIELDS = ['authorization', 'api_key', 'apiKey', 'access_token', 'accessToken', 'token', 'password', 'client_secret', 'clientSecret', 'secret'];
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
];
export const LOG_REDACTION_CENSOR = '[Redacted]';

/**
 * The ids of the OpenTelemetry span active where the line is logged (the request's,
 * the job's), so a log line leads to its trace. Nothing when no span is active (no
 * tracing SDK started, or outside any span).
 */
export function traceFields(): { trace_id?: string; span_id?: string; trace_flags?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId, trace_flags: context.traceFlags.toString(16).padStart(2, '0') };
}

/** Probes and scrapes come every few seconds from the orchestrator: no access log line for them. */
const QUIET_PATHS = /^\/(health(\/live|\/ready)?|metrics)\/?$/;

/** The path a request asked for (middie may have cut a mount prefix off `url`), without its query (it may carry a token). */
function pathOf(req: IncomingMessage & { originalUrl?: string }): string {
  const raw = req.originalUrl ?? req.url ?? '/';
  const end = raw.indexOf('?');
  return end < 0 ? raw : raw.slice(0, end);
}

function accessLine(req: IncomingMessage, res: ServerResponse, ms: number): string {
  return `${req.method} ${pathOf(req)} ${res.statusCode} ${ms} ms`;
}

function accessFields(req: IncomingMessage, res: ServerResponse, responseTime: number) {
  return { method: req.method, path: pathOf(req), status: res.statusCode, duration_ms: responseTime };
}

/** pino's options for one app: level, JSON shape, trace ids, redaction. */
export function pinoOptions(app: string, config: LoggerConfig): LoggerOptions {
  return {
    level: PINO_LEVELS[config.LOG_LEVEL] ?? 'info',
    base: { app, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
    redact: { paths: REDACTED_PATHS, censor: LOG_REDACTION_CENSOR },
  };
}

/** Where the lines go: stdout, written synchronously (nothing lost on process.exit), reformatted when readable. */
export function logDestination(format: 'json' | 'text', out: DestinationStream = pino.destination({ dest: 1, sync: true })): DestinationStream {
  return format === 'json' ? out : { write: (line: string) => out.write(formatLogLine(line)) };
}

/**
 * nestjs-pino's parameters for one app: pino's options plus pino-http's for HTTP
 * requests (request id, one access line per request at info, 5xx at error; probes
 * and scrapes not logged). Built once per process: nestjs-pino keeps one root logger.
 */
export function loggerParams(app: string, config: LoggerConfig, destination?: DestinationStream): Params {
  const key = `${app}|${config.LOG_LEVEL}|${logFormat(config)}`;
  const cached = built.get(key);
  if (cached && !destination) return cached;
  const http: PinoHttpOptions = {
    ...pinoOptions(app, config),
    genReqId: assignRequestId,
    customAttributeKeys: { reqId: 'request_id' },
    // Lines logged during a request carry its id, not the whole request.
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: { ignore: (req) => QUIET_PATHS.test(pathOf(req)) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res, ms) => accessLine(req, res, ms),
    // pino-http passes the response time to this one too (its typings do not say so).
    customErrorMessage: (req, res, _err, ms?: number) => accessLine(req, res, ms ?? 0),
    customSuccessObject: (req, res, value) => accessFields(req, res, (value as { responseTime: number }).responseTime),
    customErrorObject: (req, res, err, value) => ({ ...accessFields(req, res, (value as { responseTime: number }).responseTime), err }),
  };
  const params: Params = {
    pinoHttp: [http, logDestination(logFormat(config), destination)],
    // Every path. nestjs-pino's default route ({/*splat}) matches nothing under Nest 12's Fastify adapter: no access lines.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  };
  if (!destination) built.set(key, params);
  return params;
}
const built = new Map<string, Params>();

/**
 * The app's Nest logger (pass it to NestFactory): nestjs-pino over the process's one
 * pino root, the same one ObservabilityModule wires into Nest for request logging.
 * Lines logged before Nest is up (configuration, bootstrap) already go through it.
 */
export function createLogger(app: string, config: LoggerConfig): Logger {
  const params = loggerParams(app, config);
  return new Logger(new PinoLogger(params), params);
}
