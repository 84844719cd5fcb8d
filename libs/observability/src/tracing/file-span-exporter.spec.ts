import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FileSpanExporter, readSpanFile } from './file-span-exporter';

describe('FileSpanExporter (OTEL_TRACES_EXPORTER=file, a test and debugging aid)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spans-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function tracerWriting(template: string, service = 'avatar-spec') {
    const exporter = new FileSpanExporter(template, service);
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    return { exporter, tracer: provider.getTracer('spec') };
  }

  it('appends each finished span as one JSON line, with its parent, kind, status, attributes and service', () => {
    const { exporter, tracer } = tracerWriting(path.join(dir, 'spans.jsonl'));
    const parent = tracer.startSpan('POST /v1/avatar.speak', { kind: SpanKind.SERVER });
    const child = tracer.startSpan('speech.enqueue', { kind: SpanKind.PRODUCER, attributes: { 'avatar.session_id': 's-1' } }, trace.setSpan(ROOT_CONTEXT, parent));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'queue down' });
    child.end();
    parent.end();

    const spans = readSpanFile(exporter.file);

    expect(spans).toHaveLength(2); // on disk as soon as end() returned
    const [enqueue, server] = spans;
    expect(server).toMatchObject({ name: 'POST /v1/avatar.speak', kind: 'SERVER', service: 'avatar-spec', traceId: parent.spanContext().traceId, spanId: parent.spanContext().spanId });
    expect(server.parentSpanId).toBeUndefined();
    expect(enqueue).toMatchObject({
      name: 'speech.enqueue',
      kind: 'PRODUCER',
      traceId: parent.spanContext().traceId,
      parentSpanId: parent.spanContext().spanId,
      status: { code: SpanStatusCode.ERROR, message: 'queue down' },
      attributes: { 'avatar.session_id': 's-1' },
    });
    expect(enqueue.endTime).toBeGreaterThanOrEqual(enqueue.startTime);
    expect(enqueue.startTime).toBeGreaterThan(Date.now() - 60_000);
  });

  it('writes a file per service and process when the path names {service} and {pid}', () => {
    const a = tracerWriting(path.join(dir, 'spans-{service}-{pid}.jsonl'), 'avatar-gateway');
    const b = tracerWriting(path.join(dir, 'spans-{service}-{pid}.jsonl'), 'avatar-worker');
    a.tracer.startSpan('a').end();
    b.tracer.startSpan('b').end();

    expect(fs.readdirSync(dir).sort()).toEqual([`spans-avatar-gateway-${process.pid}.jsonl`, `spans-avatar-worker-${process.pid}.jsonl`]);
    expect(readSpanFile(a.exporter.file).map((s) => s.name)).toEqual(['a']);
    expect(readSpanFile(b.exporter.file).map((s) => s.name)).toEqual(['b']);
  });

  it('reports a failed export when the file cannot be written', () => {
    const exporter = new FileSpanExporter(path.join(dir, 'spans.jsonl'), 'avatar-spec');
    fs.mkdirSync(exporter.file); // a directory where the file should be
    const tracer = new BasicTracerProvider({ spanProcessors: [] }).getTracer('spec');
    const span = tracer.startSpan('x');
    span.end();
    const results: number[] = [];

    exporter.export([span as never], (result) => results.push(result.code));

    expect(results).toEqual([ExportResultCode.FAILED]);
  });

  it('skips a torn last line of a file still being written', () => {
    const file = path.join(dir, 'spans.jsonl');
    fs.writeFileSync(file, '{"name":"whole","traceId":"t"}\n{"name":"tor');
    expect(readSpanFile(file).map((s) => s.name)).toEqual(['whole']);
    expect(readSpanFile(path.join(dir, 'missing.jsonl'))).toEqual([]);
  });
});
