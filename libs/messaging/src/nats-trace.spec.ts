import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { headers, MsgHdrsImpl } from '@nats-io/transport-node';
import { installTestTracing, TestTracing } from '../../observability/src/tracing/test-tracing';
import { injectTraceHeaders, startNatsSpan, subjectTemplate, traceContextOf, withSpan } from './nats-trace';

describe('trace context in NATS headers', () => {
  let tracing: TestTracing;
  beforeAll(() => (tracing = installTestTracing()));
  afterAll(() => tracing.uninstall());
  beforeEach(() => tracing.reset());

  /** What the receiver gets: the headers as encoded on the wire and decoded again. */
  const overTheWire = (h: ReturnType<typeof headers>) => MsgHdrsImpl.decode((h as MsgHdrsImpl).encode());

  it('round-trips: the consumer span of a received message is a child of the publish span, in the same trace', () => {
    const publish = startNatsSpan('publish', 'evt.tenant-1.session-1.task.started', ROOT_CONTEXT);
    const sent = injectTraceHeaders(withSpan(ROOT_CONTEXT, publish));
    publish.end();

    const received = traceContextOf(overTheWire(sent));
    const process = startNatsSpan('process', 'live.tenant-1.session-1.task.started', received);
    process.end();

    expect(sent.get('traceparent')).toBe(`00-${publish.spanContext().traceId}-${publish.spanContext().spanId}-01`);
    const [p, c] = tracing.spans();
    expect(c.spanContext().traceId).toBe(p.spanContext().traceId);
    expect(c.parentSpanContext?.spanId).toBe(p.spanContext().spanId);
    expect(c.parentSpanContext?.isRemote).toBe(true);
    expect([p.kind, c.kind]).toEqual([SpanKind.PRODUCER, SpanKind.CONSUMER]);
  });

  it('adds to headers the message already has, and injects the current context by default', () => {
    const span = trace.getTracer('spec').startSpan('current');
    const h = headers();
    h.set('Nats-Msg-Id', 'm-1');
    context.with(withSpan(ROOT_CONTEXT, span), () => injectTraceHeaders(undefined, h));
    span.end();

    expect(h.get('Nats-Msg-Id')).toBe('m-1');
    expect(trace.getSpanContext(traceContextOf(overTheWire(h)))?.spanId).toBe(span.spanContext().spanId);
  });

  it('reads the header whatever its case', () => {
    const h = headers();
    h.set('Traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(trace.getSpanContext(traceContextOf(overTheWire(h)))).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  });

  it('gives no parent for a message without headers, without the header, or with garbage in it (the consumer starts a trace)', () => {
    const garbage = headers();
    garbage.set('traceparent', 'not-a-trace');
    const zeros = headers();
    zeros.set('traceparent', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`);
    const other = headers();
    other.set('Nats-Sequence', '7');
    for (const h of [undefined, overTheWire(garbage), overTheWire(zeros), overTheWire(other)]) {
      const ctx = traceContextOf(h);
      expect(trace.getSpanContext(ctx)).toBeUndefined();
      const span = startNatsSpan('process', 'cmd.t.s.halt', ctx);
      expect(trace.isSpanContextValid(span.spanContext())).toBe(true);
      span.end();
    }
    expect(tracing.spans().every((s) => s.parentSpanContext === undefined)).toBe(true);
  });

  it('names spans by subject template, the tenant and session ids left to attributes', () => {
    expect(subjectTemplate('evt.tenant-1.session-1.task.started')).toBe('evt.*.*.task.started');
    expect(subjectTemplate('cmd.tenant-1.session-1.halt')).toBe('cmd.*.*.halt');
    expect(subjectTemplate('auth.tenant-1.apikey.revoked')).toBe('auth.tenant-1.apikey.revoked');
    const span = startNatsSpan('request', 'cmd.tenant-1.session-1.interrupt', ROOT_CONTEXT, { 'avatar.tenant_id': 'tenant-1' });
    span.end();
    expect(tracing.spans()[0]).toMatchObject({
      name: 'request cmd.*.*.interrupt',
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'cmd.tenant-1.session-1.interrupt',
        'messaging.destination.template': 'cmd.*.*.interrupt',
        'avatar.tenant_id': 'tenant-1',
      },
    });
  });
});
