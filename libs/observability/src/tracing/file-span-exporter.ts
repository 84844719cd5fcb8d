import fs from 'node:fs';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { ExportResult, ExportResultCode, hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** One finished span as a line of the file. */
export interface SpanRecord {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: keyof typeof SpanKind;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime: number;
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes?: Record<string, unknown> }>;
  links: Array<{ traceId: string; spanId: string }>;
}

/**
 * A test and debugging aid, not a production exporter: each finished span appended as
 * one JSON line to a file (OTEL_TRACES_EXPORTER=file, path in AVATAR_TRACE_FILE).
 * `{service}` and `{pid}` in the path are replaced, so processes sharing one
 * environment write files of their own. Writes are synchronous (with the preload's
 * SimpleSpanProcessor a span is on disk when `end()` returns — what a test reading the
 * file while the app runs needs, and nothing is lost to a SIGKILL).
 */
export class FileSpanExporter implements SpanExporter {
  readonly file: string;

  constructor(template: string, serviceName: string) {
    this.file = expandTraceFilePath(template, serviceName);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      fs.appendFileSync(this.file, spans.map((s) => JSON.stringify(spanRecord(s)) + '\n').join(''));
      done({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      done({ code: ExportResultCode.FAILED, error: err as Error });
    }
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}

export function expandTraceFilePath(template: string, serviceName: string): string {
  return template.replaceAll('{service}', serviceName).replaceAll('{pid}', String(process.pid));
}

export function spanRecord(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  return {
    service: String(span.resource.attributes['service.name'] ?? 'unknown'),
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: SpanKind[span.kind] as keyof typeof SpanKind,
    startTime: hrTimeToMilliseconds(span.startTime),
    endTime: hrTimeToMilliseconds(span.endTime),
    status: span.status.message ? { code: span.status.code, message: span.status.message } : { code: span.status.code },
    attributes: { ...span.attributes },
    events: span.events.map((e) => (e.attributes ? { name: e.name, attributes: { ...e.attributes } } : { name: e.name })),
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
  };
}

/** Reads the spans of one file (a test's view; a torn last line of a process that is still writing is skipped). */
export function readSpanFile(file: string): SpanRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as SpanRecord];
      } catch {
        return [];
      }
    });
}
